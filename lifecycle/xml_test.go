package lifecycle

import (
	"encoding/base64"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// lc wraps rules in a LifecycleConfiguration in S3's namespace.
func lc(rules ...string) []byte {
	return []byte(`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">` + strings.Join(rules, "") + `</LifecycleConfiguration>`)
}

// rule is a rule with an ID, a Filter (or, starting with "<Prefix>", the
// legacy prefix) and the given actions, Enabled.
func rule(id, filter, actions string) string {
	if id != "" {
		id = "<ID>" + id + "</ID>"
	}
	return "<Rule>" + id + filter + "<Status>Enabled</Status>" + actions + "</Rule>"
}

const days3 = "<Expiration><Days>3</Days></Expiration>"

// TestParseLifecycleElements reads every element of the schema.
func TestParseLifecycleElements(t *testing.T) {
	doc := lc(
		`<Rule><ID>all</ID><Filter></Filter><Status>Enabled</Status>
		   <Expiration><Days>30</Days></Expiration>
		   <NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration>
		   <AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`,
		`<Rule><ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Disabled</Status>
		   <Expiration><Date>2031-01-01T00:00:00.000Z</Date></Expiration></Rule>`,
		`<Rule><ID>tag</ID><Filter><Tag><Key>class</Key><Value>tmp</Value></Tag></Filter><Status>Enabled</Status>
		   <NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays></NoncurrentVersionExpiration></Rule>`,
		`<Rule><ID>big</ID><Filter><ObjectSizeGreaterThan>1048576</ObjectSizeGreaterThan></Filter><Status>Enabled</Status>`+days3+`</Rule>`,
		`<Rule><ID>small</ID><Filter><ObjectSizeLessThan>1024</ObjectSizeLessThan></Filter><Status>Enabled</Status>`+days3+`</Rule>`,
		`<Rule><ID>and</ID><Filter><And><Prefix>a/</Prefix><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>
		   <ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>20</ObjectSizeLessThan></And></Filter>
		   <Status>Enabled</Status>`+days3+`</Rule>`,
		`<Rule><ID>markers</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status>
		   <Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>`,
		`<Rule><ID>no-op</ID><Filter/><Status>Enabled</Status>
		   <Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration></Rule>`,
	)
	got, err := Parse(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Rules: []Rule{
		{ID: "all", Enabled: true, Expiration: &Expiration{Days: 30},
			NoncurrentExpiration: &NoncurrentExpiration{Days: 7, NewerVersions: 5}, AbortIncompleteDays: 2},
		{ID: "logs", Filter: Filter{Prefix: "logs/"}, Expiration: &Expiration{Date: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}},
		{ID: "tag", Enabled: true, Filter: Filter{Tags: store.Tags{{Key: "class", Value: "tmp"}}},
			NoncurrentExpiration: &NoncurrentExpiration{Days: 1}},
		{ID: "big", Enabled: true, Filter: Filter{SizeGreaterThan: 1 << 20}, Expiration: &Expiration{Days: 3}},
		{ID: "small", Enabled: true, Filter: Filter{SizeLessThan: 1024}, Expiration: &Expiration{Days: 3}},
		{ID: "and", Enabled: true, Filter: Filter{Prefix: "a/", Tags: store.Tags{{Key: "k1", Value: "v1"}, {Key: "k2"}},
			SizeGreaterThan: 10, SizeLessThan: 20}, Expiration: &Expiration{Days: 3}},
		{ID: "markers", Enabled: true, Expiration: &Expiration{ExpiredObjectDeleteMarker: true}},
		{ID: "no-op", Enabled: true, Expiration: &Expiration{}},
	}}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Parse:\n got %+v\nwant %+v", got, want)
	}
	// The model survives the bucket's settings.
	back, ok, err := Of(store.Bucket{Settings: store.BucketSettings{store.SettingLifecycle: got.Encode()}})
	if err != nil || !ok || !reflect.DeepEqual(back, want) {
		t.Errorf("Of(Encode()): %v %v\n%+v", ok, err, back)
	}
	out, err := Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	for _, frag := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">`,
		`<Rule><ID>all</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration>` +
			`<NoncurrentVersionExpiration><NoncurrentDays>7</NoncurrentDays><NewerNoncurrentVersions>5</NewerNoncurrentVersions></NoncurrentVersionExpiration>` +
			`<AbortIncompleteMultipartUpload><DaysAfterInitiation>2</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>`,
		`<ID>logs</ID><Filter><Prefix>logs/</Prefix></Filter><Status>Disabled</Status><Expiration><Date>2031-01-01T00:00:00.000Z</Date></Expiration>`,
		`<Filter><Tag><Key>class</Key><Value>tmp</Value></Tag></Filter>`,
		`<Filter><ObjectSizeGreaterThan>1048576</ObjectSizeGreaterThan></Filter>`,
		`<Filter><ObjectSizeLessThan>1024</ObjectSizeLessThan></Filter>`,
		`<Filter><And><Prefix>a/</Prefix><Tag><Key>k1</Key><Value>v1</Value></Tag><Tag><Key>k2</Key><Value></Value></Tag>` +
			`<ObjectSizeGreaterThan>10</ObjectSizeGreaterThan><ObjectSizeLessThan>20</ObjectSizeLessThan></And></Filter>`,
		`<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>`,
		`<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>`,
	} {
		if !strings.Contains(string(out), frag) {
			t.Errorf("Marshal lacks %s\n%s", frag, out)
		}
	}
	if again, err := Parse(out); err != nil || !reflect.DeepEqual(again, want) {
		t.Errorf("Parse(Marshal): %v\n%+v", err, again)
	}
}

// TestParseLifecycleForms: the namespace is optional, white space
// around values is allowed, dates come in ISO 8601's forms, and a rule
// without an ID gets one as S3 makes them.
func TestParseLifecycleForms(t *testing.T) {
	for _, doc := range []string{
		`<LifecycleConfiguration><Rule><ID>r</ID><Filter><Prefix>p</Prefix></Filter><Status>Enabled</Status>` + days3 + `</Rule></LifecycleConfiguration>`,
		`<?xml version="1.0" encoding="UTF-8"?>
<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Rule>
    <ID>r</ID>
    <Filter>
      <Prefix>p</Prefix>
    </Filter>
    <Status> Enabled </Status>
    <Expiration><Days> 3 </Days></Expiration>
  </Rule>
</LifecycleConfiguration>`,
	} {
		c, err := Parse([]byte(doc))
		want := Config{Rules: []Rule{{ID: "r", Enabled: true, Filter: Filter{Prefix: "p"}, Expiration: &Expiration{Days: 3}}}}
		if err != nil || !reflect.DeepEqual(c, want) {
			t.Errorf("Parse(%s) = %+v, %v", doc, c, err)
		}
	}
	midnight := time.Date(2030, 6, 1, 0, 0, 0, 0, time.UTC)
	for _, date := range []string{"2030-06-01T00:00:00Z", "2030-06-01T00:00:00.000Z", "2030-06-01", "2030-06-01T00:00:00",
		"2030-06-01T02:00:00+02:00", " 2030-06-01T00:00:00.000Z "} {
		c, err := Parse(lc(rule("d", "<Filter/>", "<Expiration><Date>"+date+"</Date></Expiration>")))
		if err != nil || !c.Rules[0].Expiration.Date.Equal(midnight) || c.Rules[0].Expiration.Date.Location() != time.UTC {
			t.Errorf("Date %q: %+v, %v", date, c, err)
		}
	}
	for _, b := range []string{"true", "1", " true "} {
		c, err := Parse(lc(rule("m", "<Filter/>", "<Expiration><ExpiredObjectDeleteMarker>"+b+"</ExpiredObjectDeleteMarker></Expiration>")))
		if err != nil || !c.Rules[0].Expiration.ExpiredObjectDeleteMarker {
			t.Errorf("ExpiredObjectDeleteMarker %q: %+v, %v", b, c, err)
		}
	}

	c, err := Parse(lc(rule("", "<Filter/>", days3), rule("given", "<Filter><Prefix>a</Prefix></Filter>", days3),
		rule("", "<Filter><Prefix>b</Prefix></Filter>", days3), "<Rule><ID></ID><Filter/><Status>Enabled</Status>"+days3+"</Rule>"))
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for i, r := range c.Rules {
		if seen[r.ID] {
			t.Errorf("rule %d: ID %q twice", i, r.ID)
		}
		seen[r.ID] = true
		if i == 1 {
			if r.ID != "given" {
				t.Errorf("given ID became %q", r.ID)
			}
			continue
		}
		// S3's IDs are the base64 of a UUID.
		raw, err := base64.StdEncoding.DecodeString(r.ID)
		if len(r.ID) != 48 || err != nil || len(raw) != 36 || raw[8] != '-' || raw[14] != '4' {
			t.Errorf("generated ID %q (%q)", r.ID, raw)
		}
	}
}

// TestParseLifecycleLegacy reads the form of PutBucketLifecycle and of
// s3cmd, a prefix directly in each rule, and answers it in that form;
// s3cmd 2.3's own document (a Filter, no ID, no namespace) reads too.
func TestParseLifecycleLegacy(t *testing.T) {
	legacy := `<LifecycleConfiguration><Rule><ID>tmp</ID><Prefix>tmp/</Prefix><Status>Enabled</Status>` +
		`<Expiration><Days>3</Days></Expiration></Rule>` +
		`<Rule><ID>all</ID><Prefix></Prefix><Status>Enabled</Status>` +
		`<NoncurrentVersionExpiration><NoncurrentDays>10</NoncurrentDays></NoncurrentVersionExpiration></Rule></LifecycleConfiguration>`
	c, err := Parse([]byte(legacy))
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Rules: []Rule{
		{ID: "tmp", Enabled: true, Filter: Filter{Prefix: "tmp/", LegacyPrefix: true}, Expiration: &Expiration{Days: 3}},
		{ID: "all", Enabled: true, Filter: Filter{LegacyPrefix: true}, NoncurrentExpiration: &NoncurrentExpiration{Days: 10}},
	}}
	if !reflect.DeepEqual(c, want) {
		t.Fatalf("Parse legacy: %+v", c)
	}
	out, err := Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `<Rule><ID>tmp</ID><Prefix>tmp/</Prefix><Status>Enabled</Status><Expiration><Days>3</Days></Expiration></Rule>`) ||
		!strings.Contains(s, `<Rule><ID>all</ID><Prefix></Prefix><Status>Enabled</Status>`) || strings.Contains(s, "Filter") {
		t.Errorf("Marshal legacy:\n%s", out)
	}

	s3cmd := `<LifecycleConfiguration>  <Rule>    <Filter>      <Prefix></Prefix>    </Filter>    <Status>Enabled</Status>` +
		`    <Expiration>      <Days>3</Days>    </Expiration>  </Rule></LifecycleConfiguration>`
	c, err = Parse([]byte(s3cmd))
	if err != nil || len(c.Rules) != 1 || c.Rules[0].ID == "" || c.Rules[0].Filter.LegacyPrefix ||
		c.Rules[0].Expiration == nil || c.Rules[0].Expiration.Days != 3 {
		t.Errorf("Parse s3cmd 2.3: %+v, %v", c, err)
	}

	// A legacy prefix with conditions only a Filter holds cannot be
	// written.
	if _, err := Marshal(Config{Rules: []Rule{{ID: "x", Filter: Filter{LegacyPrefix: true, SizeLessThan: 5}, Expiration: &Expiration{Days: 1}}}}); err == nil {
		t.Error("Marshal of a legacy prefix with a size: no error")
	}
}

// TestParseLifecycleErrors refuses each fault once, with S3's code and
// message.
func TestParseLifecycleErrors(t *testing.T) {
	const malformed = "MalformedXML"
	tooMany := make([]string, MaxRules+1)
	for i := range tooMany {
		tooMany[i] = rule(fmt.Sprint("r", i), fmt.Sprintf("<Filter><Prefix>p%d/</Prefix></Filter>", i), days3)
	}
	tag := "<Tag><Key>k</Key><Value>v</Value></Tag>"
	for _, tc := range []struct {
		name, doc, code, msg string
	}{
		// The schema: MalformedXML.
		{"not XML", "<LifecycleConfiguration><Rule>", malformed, ""},
		{"empty", "", malformed, ""},
		{"another document", "<CORSConfiguration/>", malformed, ""},
		{"another namespace", `<LifecycleConfiguration xmlns="urn:x">` + rule("a", "<Filter/>", days3) + `</LifecycleConfiguration>`, malformed, ""},
		{"no rule", string(lc()), malformed, ""},
		{"unknown element", string(lc(rule("a", "<Filter/>", days3+"<Color>red</Color>"))), malformed, ""},
		{"unknown top element", string(lc(rule("a", "<Filter/>", days3), "<Owner/>")), malformed, ""},
		{"no status", string(lc("<Rule><ID>a</ID><Filter/>" + days3 + "</Rule>")), malformed, ""},
		{"bad status", string(lc("<Rule><ID>a</ID><Filter/><Status>enabled</Status>" + days3 + "</Rule>")), malformed, ""},
		{"two IDs", string(lc("<Rule><ID>a</ID><ID>b</ID><Filter/><Status>Enabled</Status>" + days3 + "</Rule>")), malformed, ""},
		{"no filter nor prefix", string(lc(rule("a", "", days3))), malformed, ""},
		{"two filters", string(lc(rule("a", "<Filter/><Filter/>", days3))), malformed, ""},
		{"filter with two predicates", string(lc(rule("a", "<Filter><Prefix>a</Prefix>"+tag+"</Filter>", days3))), malformed, ""},
		{"filter with two tags", string(lc(rule("a", "<Filter>"+tag+tag+"</Filter>", days3))), malformed, ""},
		{"empty And", string(lc(rule("a", "<Filter><And></And></Filter>", days3))), malformed, ""},
		{"And with two prefixes", string(lc(rule("a", "<Filter><And><Prefix>a</Prefix><Prefix>b</Prefix></And></Filter>", days3))), malformed, ""},
		{"tag without value", string(lc(rule("a", "<Filter><Tag><Key>k</Key></Tag></Filter>", days3))), malformed, ""},
		{"tag with empty key", string(lc(rule("a", "<Filter><Tag><Key></Key><Value>v</Value></Tag></Filter>", days3))), malformed, ""},
		{"size not a number", string(lc(rule("a", "<Filter><ObjectSizeLessThan>1k</ObjectSizeLessThan></Filter>", days3))), malformed, ""},
		{"days not a number", string(lc(rule("a", "<Filter/>", "<Expiration><Days>three</Days></Expiration>"))), malformed, ""},
		{"days over an int", string(lc(rule("a", "<Filter/>", "<Expiration><Days>3000000000</Days></Expiration>"))), malformed, ""},
		{"empty expiration", string(lc(rule("a", "<Filter/>", "<Expiration></Expiration>"))), malformed, ""},
		{"days and date", string(lc(rule("a", "<Filter/>", "<Expiration><Days>3</Days><Date>2030-01-01T00:00:00Z</Date></Expiration>"))), malformed, ""},
		{"marker with days", string(lc(rule("a", "<Filter/>", "<Expiration><Days>3</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))), malformed, ""},
		{"marker with date", string(lc(rule("a", "<Filter/>", "<Expiration><Date>2030-01-01T00:00:00Z</Date><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))), malformed, ""},
		{"marker not a boolean", string(lc(rule("a", "<Filter/>", "<Expiration><ExpiredObjectDeleteMarker>yes</ExpiredObjectDeleteMarker></Expiration>"))), malformed, ""},
		{"date not a date", string(lc(rule("a", "<Filter/>", "<Expiration><Date>tomorrow</Date></Expiration>"))), malformed, ""},
		{"two expirations", string(lc(rule("a", "<Filter/>", days3+days3))), malformed, ""},
		{"noncurrent without days", string(lc(rule("a", "<Filter/>", "<NoncurrentVersionExpiration><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))), malformed, ""},
		{"abort without days", string(lc(rule("a", "<Filter/>", "<AbortIncompleteMultipartUpload></AbortIncompleteMultipartUpload>"))), malformed, ""},

		// S3's rules.
		{"too many rules", string(lc(tooMany...)), "InvalidRequest", "The number of lifecycle rules must not exceed the allowed limit of 1000 rules."},
		{"ID too long", string(lc(rule(strings.Repeat("é", 256), "<Filter/>", days3))), "InvalidArgument", "ID length should not exceed allowed limit of 255"},
		{"duplicate IDs", string(lc(rule("a", "<Filter><Prefix>x</Prefix></Filter>", days3), rule("a", "<Filter><Prefix>y</Prefix></Filter>", days3))),
			"InvalidArgument", "Rule ID must be unique. Found same ID for more than one rule"},
		{"no action", string(lc(rule("a", "<Filter/>", ""))), "InvalidRequest", "At least one action needs to be specified in a rule"},
		{"days zero", string(lc(rule("a", "<Filter/>", "<Expiration><Days>0</Days></Expiration>"))), "InvalidArgument", "'Days' for Expiration action must be a positive integer"},
		{"date not midnight", string(lc(rule("a", "<Filter/>", "<Expiration><Date>2030-01-01T12:00:00Z</Date></Expiration>"))), "InvalidArgument", "'Date' must be at midnight GMT"},
		{"date midnight elsewhere", string(lc(rule("a", "<Filter/>", "<Expiration><Date>2030-01-01T00:00:00+01:00</Date></Expiration>"))), "InvalidArgument", "'Date' must be at midnight GMT"},
		{"noncurrent days negative", string(lc(rule("a", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>-1</NoncurrentDays></NoncurrentVersionExpiration>"))),
			"InvalidArgument", "'NoncurrentDays' for NoncurrentVersionExpiration action must be a positive integer"},
		{"newer versions zero", string(lc(rule("a", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>0</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
			"InvalidArgument", "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must be a positive integer"},
		{"newer versions over 100", string(lc(rule("a", "<Filter/>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>101</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
			"InvalidArgument", "'NewerNoncurrentVersions' for NoncurrentVersionExpiration action must not be greater than 100"},
		{"abort days zero", string(lc(rule("a", "<Filter/>", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>0</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))),
			"InvalidArgument", "'DaysAfterInitiation' for AbortIncompleteMultipartUpload action must be a positive integer"},
		{"marker with a tag", string(lc(rule("a", "<Filter>"+tag+"</Filter>", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))),
			"InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."},
		{"marker with tags in And", string(lc(rule("a", "<Filter><And><Prefix>p</Prefix>"+tag+"</And></Filter>", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))),
			"InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Tags."},
		{"marker with a size", string(lc(rule("a", "<Filter><ObjectSizeGreaterThan>5</ObjectSizeGreaterThan></Filter>", "<Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration>"))),
			"InvalidRequest", "ExpiredObjectDeleteMarker cannot be specified with Object Size."},
		{"abort with a tag", string(lc(rule("a", "<Filter>"+tag+"</Filter>", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))),
			"InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Tags."},
		{"abort with a size", string(lc(rule("a", "<Filter><ObjectSizeLessThan>5</ObjectSizeLessThan></Filter>", "<AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))),
			"InvalidRequest", "AbortIncompleteMultipartUpload cannot be specified with Object Size."},
		{"filter and prefix", string(lc(rule("a", "<Prefix>x</Prefix><Filter/>", days3))),
			"InvalidRequest", "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter."},
		{"prefix after a filter", string(lc(rule("a", "<Filter/>", days3), rule("b", "<Prefix>x</Prefix>", days3))),
			"InvalidRequest", "Base level prefix cannot be used in Lifecycle V2, prefixes are only supported in the Filter."},
		{"filter after a prefix", string(lc(rule("a", "<Prefix>x</Prefix>", days3), rule("b", "<Filter/>", days3))),
			"InvalidRequest", "Filter element can only be used in Lifecycle V2."},
		{"newer versions in the legacy form", string(lc(rule("a", "<Prefix>x</Prefix>", "<NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
			"InvalidRequest", "NewerNoncurrentVersions element can only be used in Lifecycle V2."},
		{"overlapping legacy prefixes", string(lc(rule("a", "<Prefix>logs/</Prefix>", days3), rule("b", "<Prefix>tmp/</Prefix>", days3), rule("c", "<Prefix>logs/old/</Prefix>", days3))),
			"InvalidRequest", "Found overlapping prefixes 'logs/' and 'logs/old/' for same action type 'Expiration'"},
		{"duplicate tag keys", string(lc(rule("a", "<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>k</Key><Value>2</Value></Tag></And></Filter>", days3))),
			"InvalidRequest", "Duplicate Tag Keys are not allowed."},
		{"size bounds inverted", string(lc(rule("a", "<Filter><And><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan><ObjectSizeLessThan>100</ObjectSizeLessThan></And></Filter>", days3))),
			"InvalidRequest", "'ObjectSizeLessThan' has to be a value greater than 'ObjectSizeGreaterThan'."},
		{"size greater than negative", string(lc(rule("a", "<Filter><ObjectSizeGreaterThan>-1</ObjectSizeGreaterThan></Filter>", days3))),
			"InvalidRequest", "'ObjectSizeGreaterThan' should be between 0 and 1099511627776000."},
		{"size less than zero", string(lc(rule("a", "<Filter><ObjectSizeLessThan>0</ObjectSizeLessThan></Filter>", days3))),
			"InvalidRequest", "'ObjectSizeLessThan' should be between 1 and 1099511627776000."},
		{"transition", string(lc(rule("a", "<Filter/>", "<Transition><Days>30</Days><StorageClass>GLACIER</StorageClass></Transition>"))),
			"InvalidRequest", errTransition.Message},
		{"noncurrent transition", string(lc(rule("a", "<Filter/>", days3+"<NoncurrentVersionTransition><NoncurrentDays>30</NoncurrentDays><StorageClass>GLACIER</StorageClass></NoncurrentVersionTransition>"))),
			"InvalidRequest", errTransition.Message},
	} {
		_, err := Parse([]byte(tc.doc))
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: error %v, want %s", tc.name, err, tc.code)
			continue
		}
		if e.Code != tc.code || tc.msg != "" && e.Message != tc.msg {
			t.Errorf("%s: %s %q, want %s %q", tc.name, e.Code, e.Message, tc.code, tc.msg)
		}
	}
	if !strings.Contains(errTransition.Message, "one storage class") {
		t.Errorf("transition message %q does not say why", errTransition.Message)
	}
}

// TestLifecycleRoundTrip: Parse, Marshal and Parse again give the same
// configuration, whatever form each rule took.
func TestLifecycleRoundTrip(t *testing.T) {
	for _, doc := range lifecycleSeeds {
		c, err := Parse([]byte(doc))
		if err != nil {
			t.Fatalf("%s: %v", doc, err)
		}
		checkRoundTrip(t, c)
	}
}

func checkRoundTrip(t *testing.T, c Config) {
	t.Helper()
	out, err := Marshal(c)
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", c, err)
	}
	again, err := Parse(out)
	if err != nil {
		t.Fatalf("Parse(Marshal(%+v)): %v\n%s", c, err, out)
	}
	if !reflect.DeepEqual(again, c) {
		t.Fatalf("round trip:\n got %+v\nwant %+v\n%s", again, c, out)
	}
}

// lifecycleSeeds are valid documents of every form.
var lifecycleSeeds = []string{
	string(lc(rule("a", "<Filter/>", days3))),
	string(lc(rule("", "<Filter><Prefix>logs/</Prefix></Filter>", "<Expiration><Date>2030-01-01T00:00:00.000Z</Date></Expiration>"))),
	string(lc(rule("t", "<Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter>",
		"<NoncurrentVersionExpiration><NoncurrentDays>4</NoncurrentDays><NewerNoncurrentVersions>3</NewerNoncurrentVersions></NoncurrentVersionExpiration>"))),
	string(lc(rule("and", "<Filter><And><Prefix>a</Prefix><ObjectSizeGreaterThan>1</ObjectSizeGreaterThan></And></Filter>", days3),
		rule("one", "<Filter><And><Prefix>b</Prefix></And></Filter>", days3),
		rule("m", "<Filter><Prefix>c</Prefix></Filter>", "<Expiration><ExpiredObjectDeleteMarker>false</ExpiredObjectDeleteMarker></Expiration>"+
			"<AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload>"))),
	`<LifecycleConfiguration><Rule><ID>x</ID><Prefix>x/</Prefix><Status>Disabled</Status><Expiration><Days>1</Days></Expiration></Rule>` +
		`<Rule><Prefix>y/</Prefix><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule></LifecycleConfiguration>`,
	string(lc(rule("sp", "<Filter><Prefix> a &amp; b &lt;c&gt; </Prefix></Filter>", days3))),
}

// FuzzParseLifecycle: Parse never panics, refuses only with *Error, and
// what it accepts survives Marshal and Parse unchanged.
func FuzzParseLifecycle(f *testing.F) {
	for _, s := range lifecycleSeeds {
		f.Add([]byte(s))
	}
	f.Add([]byte(lc(rule("a", "<Prefix>x</Prefix><Filter/>", days3))))
	f.Add([]byte(lc(rule("a", "<Filter><And><Tag><Key>k</Key><Value>1</Value></Tag><Tag><Key>j</Key><Value>2</Value></Tag></And></Filter>",
		"<Transition><Days>1</Days></Transition>"))))
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Code == "" || e.Message == "" {
				t.Fatalf("Parse error %v is not an S3 error", err)
			}
			return
		}
		if len(c.Rules) == 0 || len(c.Rules) > MaxRules {
			t.Fatalf("accepted %d rules", len(c.Rules))
		}
		for _, r := range c.Rules {
			if r.ID == "" || r.Expiration == nil && r.NoncurrentExpiration == nil && r.AbortIncompleteDays == 0 {
				t.Fatalf("accepted rule %+v", r)
			}
		}
		checkRoundTrip(t, c)
	})
}
