package lifecycle

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/amphora-s3/amphora/store"
)

// S3's XML form of a configuration: PutBucketLifecycleConfiguration's
// document (Parse, here) and GetBucketLifecycleConfiguration's (Document,
// Marshal: xmldoc.go).
//
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketLifecycleConfiguration.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_LifecycleRule.html
//
// Parse checks a document in S3's order: first its schema (MalformedXML:
// an unknown or repeated element, a missing one, a value that is not a
// number, a boolean or a date), then the rule count and the IDs, then
// each rule in turn, then the prefixes of a configuration in the legacy
// form, and transitions last, so that a document S3 would refuse for
// another reason is answered as S3 answers it. Where S3's answers were
// recorded (by other implementations and s3-tests) the codes and
// messages are S3's.

// Limits of S3.
const (
	maxIDLen = 255 // characters of a rule ID
	// maxNewerVersions is the most noncurrent versions a rule may keep
	// (NewerNoncurrentVersions).
	maxNewerVersions = 100
	// maxSize bounds ObjectSizeGreaterThan and ObjectSizeLessThan.
	maxSize = 1_099_511_627_776_000
)

// NS is the namespace of S3's documents.
const NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// Error is a configuration S3 refuses, as the S3 error a client is
// answered with: 400, Code and Message. The frontend maps it with
// errors.As.
type Error struct {
	Code    string // MalformedXML, InvalidArgument or InvalidRequest
	Message string
}

func (e *Error) Error() string { return e.Code + ": " + e.Message }

// ErrMalformedXML is a document that is not well-formed or does not
// follow S3's schema.
var ErrMalformedXML = &Error{"MalformedXML", "The XML you provided was not well-formed or did not validate against our published schema"}

func invalidArgument(msg string) *Error { return &Error{"InvalidArgument", msg} }
func invalidRequest(msg string) *Error  { return &Error{"InvalidRequest", msg} }

// The refusals with a fixed message.
var (
	errTooManyRules = invalidRequest("The number of lifecycle rules must not exceed the allowed limit of 1000 rules.")
	errIDTooLong    = invalidArgument("ID length should not exceed allowed limit of 255")
	errDuplicateID  = invalidArgument("Rule ID must be unique. Found same ID for more than one rule")
	errNoAction     = invalidRequest("At least one action needs to be specified in a rule")
	errPrefixInV2   = invalidRequest("Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter.")
	errFilterInV1   = invalidRequest("Filter element can only be used in Lifecycle V2.")
	errNewerInV1    = invalidRequest("NewerNoncurrentVersions element can only be used in Lifecycle V2.")
	errDays         = invalidArgument("'Days' for Expiration action must be a positive integer")
	errMidnight     = invalidArgument("'Date' must be at midnight GMT")
	errNoncurrent   = invalidArgument("'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer")
	errNewer        = invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer")
	errNewerTooMany = invalidArgument("'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must not be greater than 100")
	errAbortDays    = invalidArgument("'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer")
	errMarkerTags   = invalidRequest("ExpiredObjectDeleteMarker cannot be specified with Tags.")
	errMarkerSize   = invalidRequest("ExpiredObjectDeleteMarker cannot be specified with Object Size.")
	errAbortTags    = invalidRequest("AbortIncompleteMultipartUpload cannot be specified with Tags.")
	errAbortSize    = invalidRequest("AbortIncompleteMultipartUpload cannot be specified with Object Size.")
	errDuplicateTag = invalidRequest("Duplicate Tag Keys are not allowed.")
	errGreaterRange = invalidRequest(fmt.Sprintf("'ObjectSizeGreaterThan' should be between 0 and %d.", int64(maxSize)))
	errLessRange    = invalidRequest(fmt.Sprintf("'ObjectSizeLessThan' should be between 1 and %d.", int64(maxSize)))
	errSizeOrder    = invalidRequest("'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'.")
	errTransition   = invalidRequest("Transition and NoncurrentVersionTransition actions are not supported: Amphora keeps every object in one storage class (STANDARD), so there is no other class to transition objects to")
)

// The document as read: every single-valued element is a list, so that
// a repeated one is seen, and any element S3's schema does not name
// lands in Other. Both are MalformedXML, as S3 validates documents
// against its schema. Elements match with or without S3's namespace.
type (
	configIn struct {
		XMLName xml.Name `xml:"LifecycleConfiguration"`
		Rules   []ruleIn `xml:"Rule"`
		Other   []anyIn  `xml:",any"`
	}
	ruleIn struct {
		ID                             []string
		Prefix                         []string
		Filter                         []filterIn
		Status                         []string
		Expiration                     []expirationIn
		NoncurrentVersionExpiration    []noncurrentIn
		AbortIncompleteMultipartUpload []abortIn
		Transition                     []anyIn
		NoncurrentVersionTransition    []anyIn
		Other                          []anyIn `xml:",any"`
	}
	filterIn struct {
		predicatesIn
		And []predicatesIn
	}
	predicatesIn struct {
		Prefix                []string
		Tag                   []tagIn
		ObjectSizeGreaterThan []string
		ObjectSizeLessThan    []string
		Other                 []anyIn `xml:",any"`
	}
	tagIn struct {
		Key   []string
		Value []string
		Other []anyIn `xml:",any"`
	}
	expirationIn struct {
		Days                      []string
		Date                      []string
		ExpiredObjectDeleteMarker []string
		Other                     []anyIn `xml:",any"`
	}
	noncurrentIn struct {
		NoncurrentDays          []string
		NewerNoncurrentVersions []string
		Other                   []anyIn `xml:",any"`
	}
	abortIn struct {
		DaysAfterInitiation []string
		Other               []anyIn `xml:",any"`
	}
	// anyIn is an element read only to be seen.
	anyIn struct{ XMLName xml.Name }
)

// given is one rule as the document gives it, read against the schema
// but not yet checked against S3's rules.
type given struct {
	id              *string
	legacy, filter  bool // a Prefix directly in Rule; a Filter
	prefix          string
	tags            store.Tags
	gt, lt          *int64 // ObjectSizeGreaterThan, ObjectSizeLessThan
	enabled         bool
	expiration      bool
	days            *int64
	date            *time.Time
	marker          *bool
	noncurrent      bool
	noncurrentDays  int64
	newer           *int64
	abort           bool
	abortDays       int64
	transition      bool // Transition or NoncurrentVersionTransition
	filterUsesTags  bool
	filterUsesSizes bool
}

// Parse reads a LifecycleConfiguration document (with or without S3's
// namespace) and checks it as S3 does. A rule given without an ID gets a
// random one, as S3 gives it. Errors are *Error.
func Parse(data []byte) (Config, error) {
	var doc configIn
	if err := xml.Unmarshal(data, &doc); err != nil {
		return Config{}, ErrMalformedXML
	}
	if ns := doc.XMLName.Space; ns != "" && ns != NS || len(doc.Other) > 0 || len(doc.Rules) == 0 {
		return Config{}, ErrMalformedXML
	}
	rules := make([]given, 0, len(doc.Rules))
	for i := range doc.Rules {
		g, err := doc.Rules[i].read()
		if err != nil {
			return Config{}, err
		}
		rules = append(rules, g)
	}
	if len(rules) > MaxRules {
		return Config{}, errTooManyRules
	}
	ids := make(map[string]bool, len(rules))
	for _, g := range rules {
		if g.id == nil || *g.id == "" {
			continue
		}
		if utf8.RuneCountInString(*g.id) > maxIDLen {
			return Config{}, errIDTooLong
		}
		if ids[*g.id] {
			return Config{}, errDuplicateID
		}
		ids[*g.id] = true
	}
	// S3 calls a configuration whose first rule has a Filter "Lifecycle
	// V2"; one in the legacy form (PutBucketLifecycle's, s3cmd's) names
	// each rule's prefix directly in the rule. The two do not mix.
	v2 := rules[0].filter
	c := Config{Rules: make([]Rule, 0, len(rules))}
	for _, g := range rules {
		r, err := g.check(v2)
		if err != nil {
			return Config{}, err
		}
		c.Rules = append(c.Rules, r)
	}
	if !v2 {
		if err := overlapping(c.Rules); err != nil {
			return Config{}, err
		}
	}
	for _, g := range rules {
		if g.transition {
			return Config{}, errTransition
		}
	}
	for i := range c.Rules {
		if c.Rules[i].ID == "" {
			c.Rules[i].ID = newID(ids)
		}
	}
	return c, nil
}

// read reads one rule against the schema.
func (in *ruleIn) read() (given, error) {
	var g given
	if len(in.Other) > 0 || len(in.ID) > 1 || len(in.Prefix) > 1 || len(in.Filter) > 1 ||
		len(in.Status) != 1 || len(in.Expiration) > 1 || len(in.NoncurrentVersionExpiration) > 1 ||
		len(in.AbortIncompleteMultipartUpload) > 1 {
		return g, ErrMalformedXML
	}
	if len(in.ID) == 1 {
		g.id = &in.ID[0]
	}
	switch strings.TrimSpace(in.Status[0]) {
	case "Enabled":
		g.enabled = true
	case "Disabled":
	default:
		return g, ErrMalformedXML
	}
	if len(in.Prefix) == 1 {
		g.legacy, g.prefix = true, in.Prefix[0]
	}
	if len(in.Filter) == 1 {
		g.filter = true
		if err := g.readFilter(&in.Filter[0]); err != nil {
			return g, err
		}
	}
	if !g.legacy && !g.filter {
		return g, ErrMalformedXML // a rule names its objects one way or the other
	}
	if len(in.Expiration) == 1 {
		if err := g.readExpiration(&in.Expiration[0]); err != nil {
			return g, err
		}
	}
	if len(in.NoncurrentVersionExpiration) == 1 {
		n := &in.NoncurrentVersionExpiration[0]
		if len(n.Other) > 0 || len(n.NoncurrentDays) != 1 || len(n.NewerNoncurrentVersions) > 1 {
			return g, ErrMalformedXML
		}
		g.noncurrent = true
		var err error
		if g.noncurrentDays, err = xsdInt(n.NoncurrentDays[0], 32); err != nil {
			return g, err
		}
		if len(n.NewerNoncurrentVersions) == 1 {
			v, err := xsdInt(n.NewerNoncurrentVersions[0], 32)
			if err != nil {
				return g, err
			}
			g.newer = &v
		}
	}
	if len(in.AbortIncompleteMultipartUpload) == 1 {
		a := &in.AbortIncompleteMultipartUpload[0]
		if len(a.Other) > 0 || len(a.DaysAfterInitiation) != 1 {
			return g, ErrMalformedXML
		}
		g.abort = true
		var err error
		if g.abortDays, err = xsdInt(a.DaysAfterInitiation[0], 32); err != nil {
			return g, err
		}
	}
	g.transition = len(in.Transition) > 0 || len(in.NoncurrentVersionTransition) > 0
	return g, nil
}

// readFilter reads a Filter: empty (every object), or exactly one of
// Prefix, Tag, ObjectSizeGreaterThan, ObjectSizeLessThan and And, which
// holds any number of them (one of each but Tag, at least one in all).
func (g *given) readFilter(f *filterIn) error {
	n := len(f.Prefix) + len(f.Tag) + len(f.ObjectSizeGreaterThan) + len(f.ObjectSizeLessThan) + len(f.And)
	if n > 1 || len(f.Other) > 0 {
		return ErrMalformedXML
	}
	p := &f.predicatesIn
	if len(f.And) == 1 {
		p = &f.And[0]
		if len(p.Other) > 0 || len(p.Prefix) > 1 || len(p.ObjectSizeGreaterThan) > 1 || len(p.ObjectSizeLessThan) > 1 ||
			len(p.Prefix)+len(p.Tag)+len(p.ObjectSizeGreaterThan)+len(p.ObjectSizeLessThan) == 0 {
			return ErrMalformedXML
		}
	}
	if len(p.Prefix) == 1 {
		g.prefix = p.Prefix[0]
	}
	for _, t := range p.Tag {
		if len(t.Other) > 0 || len(t.Key) != 1 || len(t.Value) != 1 || t.Key[0] == "" {
			return ErrMalformedXML
		}
		g.tags = append(g.tags, store.Tag{Key: t.Key[0], Value: t.Value[0]})
	}
	g.filterUsesTags = len(g.tags) > 0
	for _, s := range []struct {
		v   []string
		dst **int64
	}{{p.ObjectSizeGreaterThan, &g.gt}, {p.ObjectSizeLessThan, &g.lt}} {
		if len(s.v) == 1 {
			v, err := xsdInt(s.v[0], 64)
			if err != nil {
				return err
			}
			*s.dst = &v
			g.filterUsesSizes = true
		}
	}
	return nil
}

// readExpiration reads an Expiration: exactly one of Days, Date and
// ExpiredObjectDeleteMarker (S3 answers MalformedXML to a marker with
// Days or Date).
func (g *given) readExpiration(e *expirationIn) error {
	if len(e.Other) > 0 || len(e.Days)+len(e.Date)+len(e.ExpiredObjectDeleteMarker) != 1 {
		return ErrMalformedXML
	}
	g.expiration = true
	switch {
	case len(e.Days) == 1:
		v, err := xsdInt(e.Days[0], 32)
		if err != nil {
			return err
		}
		g.days = &v
	case len(e.Date) == 1:
		t, err := parseDate(e.Date[0])
		if err != nil {
			return err
		}
		g.date = &t
	default:
		b, err := xsdBool(e.ExpiredObjectDeleteMarker[0])
		if err != nil {
			return err
		}
		g.marker = &b
	}
	return nil
}

// check applies S3's rules to one rule of a configuration (in Lifecycle
// V2 or not) and returns it as the model holds it, without an ID when it
// was given none.
func (g *given) check(v2 bool) (Rule, error) {
	r := Rule{Enabled: g.enabled}
	if g.id != nil {
		r.ID = *g.id
	}
	switch {
	case g.legacy && v2:
		return r, errPrefixInV2
	case g.filter && !v2:
		return r, errFilterInV1
	}
	r.Filter = Filter{Prefix: g.prefix, Tags: g.tags, LegacyPrefix: g.legacy}
	seen := make(map[string]bool, len(g.tags))
	for _, t := range g.tags {
		if seen[t.Key] {
			return r, errDuplicateTag
		}
		seen[t.Key] = true
	}
	if g.gt != nil {
		if *g.gt < 0 || *g.gt > maxSize {
			return r, errGreaterRange
		}
		r.Filter.SizeGreaterThan = *g.gt
	}
	if g.lt != nil {
		if *g.lt < 1 || *g.lt > maxSize {
			return r, errLessRange
		}
		r.Filter.SizeLessThan = *g.lt
	}
	if g.gt != nil && g.lt != nil && *g.gt >= *g.lt {
		return r, errSizeOrder
	}
	if !g.expiration && !g.noncurrent && !g.abort && !g.transition {
		return r, errNoAction
	}
	if g.expiration {
		e := &Expiration{}
		switch {
		case g.days != nil:
			if *g.days <= 0 {
				return r, errDays
			}
			e.Days = int(*g.days)
		case g.date != nil:
			if !g.date.Equal(g.date.Truncate(24 * time.Hour)) {
				return r, errMidnight
			}
			e.Date = *g.date
		default:
			// ExpiredObjectDeleteMarker false takes no action: an
			// Expiration with nothing set.
			e.ExpiredObjectDeleteMarker = *g.marker
		}
		r.Expiration = e
	}
	if g.noncurrent {
		if g.noncurrentDays <= 0 {
			return r, errNoncurrent
		}
		n := &NoncurrentExpiration{Days: int(g.noncurrentDays)}
		if g.newer != nil {
			switch {
			case !v2:
				return r, errNewerInV1
			case *g.newer < 1:
				return r, errNewer
			case *g.newer > maxNewerVersions:
				return r, errNewerTooMany
			}
			n.NewerVersions = int(*g.newer)
		}
		r.NoncurrentExpiration = n
	}
	if g.abort {
		if g.abortDays <= 0 {
			return r, errAbortDays
		}
		r.AbortIncompleteDays = int(g.abortDays)
	}
	marker := g.marker != nil
	switch {
	case marker && g.filterUsesTags:
		return r, errMarkerTags
	case marker && g.filterUsesSizes:
		return r, errMarkerSize
	case g.abort && g.filterUsesTags:
		return r, errAbortTags
	case g.abort && g.filterUsesSizes:
		return r, errAbortSize
	}
	return r, nil
}

// overlapping refuses, in a configuration in the legacy form, two rules
// taking the same kind of action on prefixes of which one begins the
// other, as S3 does ("Found overlapping prefixes 'a' and 'ab' for same
// action type 'Expiration'").
func overlapping(rules []Rule) error {
	kinds := []struct {
		name  string
		takes func(Rule) bool
	}{
		{"Expiration", func(r Rule) bool { return r.Expiration != nil }},
		{"NoncurrentVersionExpiration", func(r Rule) bool { return r.NoncurrentExpiration != nil }},
		{"AbortIncompleteMultipartUpload", func(r Rule) bool { return r.AbortIncompleteDays > 0 }},
	}
	for _, k := range kinds {
		var prefixes []string
		for _, r := range rules {
			if k.takes(r) {
				prefixes = append(prefixes, r.Filter.Prefix)
			}
		}
		// Sorted, a prefix that begins another begins the one after it.
		sort.Strings(prefixes)
		for i := 1; i < len(prefixes); i++ {
			if strings.HasPrefix(prefixes[i], prefixes[i-1]) {
				return invalidRequest(fmt.Sprintf("Found overlapping prefixes '%s' and '%s' for same action type '%s'",
					prefixes[i-1], prefixes[i], k.name))
			}
		}
	}
	return nil
}

// newID is a rule ID none of taken is, in the form S3 makes them: the
// base64 of a random UUID (48 characters). It is added to taken.
func newID(taken map[string]bool) string {
	for {
		var b [16]byte
		_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
		b[6] = b[6]&0x0f | 0x40
		b[8] = b[8]&0x3f | 0x80
		u := fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
		id := base64.StdEncoding.EncodeToString([]byte(u))
		if !taken[id] {
			taken[id] = true
			return id
		}
	}
}

// xsdInt reads an xsd:int (bits 32) or xsd:long (64), white space
// around it allowed.
func xsdInt(s string, bits int) (int64, error) {
	v, err := strconv.ParseInt(strings.TrimSpace(s), 10, bits)
	if err != nil {
		return 0, ErrMalformedXML
	}
	return v, nil
}

// xsdBool reads an xsd:boolean.
func xsdBool(s string) (bool, error) {
	switch strings.TrimSpace(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, ErrMalformedXML
}

// dateLayouts are the ISO 8601 forms a Date is read in: a date and time
// with a zone (or none: UTC), or a date alone (midnight UTC).
var dateLayouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02"}

// parseDate reads a Date, in UTC.
func parseDate(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, ErrMalformedXML
}
