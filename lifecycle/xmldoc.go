package lifecycle

import (
	"encoding/xml"
	"fmt"
)

// The document GetBucketLifecycleConfiguration answers, each rule in the
// form it was put: its prefix directly in the rule (the legacy form) or
// in a Filter, which holds a single predicate alone and several in an
// And.
type (
	// Document is the LifecycleConfiguration element.
	Document struct {
		XMLName xml.Name  `xml:"http://s3.amazonaws.com/doc/2006-03-01/ LifecycleConfiguration"`
		Rules   []ruleOut `xml:"Rule"`
	}
	ruleOut struct {
		ID                             string         `xml:"ID,omitempty"`
		Prefix                         *string        `xml:"Prefix"`
		Filter                         *filterOut     `xml:"Filter"`
		Status                         string         `xml:"Status"`
		Expiration                     *expirationOut `xml:"Expiration"`
		NoncurrentVersionExpiration    *noncurrentOut `xml:"NoncurrentVersionExpiration"`
		AbortIncompleteMultipartUpload *abortOut      `xml:"AbortIncompleteMultipartUpload"`
	}
	filterOut struct {
		predicatesOut
		And *predicatesOut `xml:"And"`
	}
	predicatesOut struct {
		Prefix                *string  `xml:"Prefix"`
		Tag                   []tagOut `xml:"Tag"`
		ObjectSizeGreaterThan *int64   `xml:"ObjectSizeGreaterThan"`
		ObjectSizeLessThan    *int64   `xml:"ObjectSizeLessThan"`
	}
	tagOut struct {
		Key   string `xml:"Key"`
		Value string `xml:"Value"`
	}
	expirationOut struct {
		Date                      string `xml:"Date,omitempty"`
		Days                      int    `xml:"Days,omitempty"`
		ExpiredObjectDeleteMarker *bool  `xml:"ExpiredObjectDeleteMarker"`
	}
	noncurrentOut struct {
		NoncurrentDays          int `xml:"NoncurrentDays"`
		NewerNoncurrentVersions int `xml:"NewerNoncurrentVersions,omitempty"`
	}
	abortOut struct {
		DaysAfterInitiation int `xml:"DaysAfterInitiation"`
	}
)

// dateOut is how S3 writes a Date.
const dateOut = "2006-01-02T15:04:05.000Z"

// Document is c in S3's XML form. It fails only on a rule the model
// holds that no document can say: a legacy prefix with other conditions.
func (c Config) Document() (Document, error) {
	d := Document{Rules: make([]ruleOut, 0, len(c.Rules))}
	for _, r := range c.Rules {
		out := ruleOut{ID: r.ID, Status: "Disabled"}
		if r.Enabled {
			out.Status = "Enabled"
		}
		f := r.Filter
		if f.LegacyPrefix {
			if len(f.Tags) > 0 || f.SizeGreaterThan > 0 || f.SizeLessThan > 0 {
				return Document{}, fmt.Errorf("lifecycle rule %q: a legacy prefix with tags or sizes", r.ID)
			}
			out.Prefix = &f.Prefix
		} else {
			out.Filter = filterDoc(f)
		}
		if e := r.Expiration; e != nil {
			x := &expirationOut{Days: e.Days}
			switch {
			case e.Days > 0:
			case !e.Date.IsZero():
				x.Date = e.Date.UTC().Format(dateOut)
			default:
				x.ExpiredObjectDeleteMarker = &e.ExpiredObjectDeleteMarker
			}
			out.Expiration = x
		}
		if n := r.NoncurrentExpiration; n != nil {
			out.NoncurrentVersionExpiration = &noncurrentOut{NoncurrentDays: n.Days, NewerNoncurrentVersions: n.NewerVersions}
		}
		if r.AbortIncompleteDays > 0 {
			out.AbortIncompleteMultipartUpload = &abortOut{DaysAfterInitiation: r.AbortIncompleteDays}
		}
		d.Rules = append(d.Rules, out)
	}
	return d, nil
}

// filterDoc is a Filter element: one predicate, or an And of several.
// A filter selecting every object is written with an empty Prefix, as
// s3cmd puts it and as it reads it back (`s3cmd info` finds no rule in
// an empty Filter).
func filterDoc(f Filter) *filterOut {
	var p predicatesOut
	n := len(f.Tags)
	if f.Prefix != "" {
		p.Prefix = &f.Prefix
		n++
	}
	for _, t := range f.Tags {
		p.Tag = append(p.Tag, tagOut(t))
	}
	if f.SizeGreaterThan > 0 {
		p.ObjectSizeGreaterThan = &f.SizeGreaterThan
		n++
	}
	if f.SizeLessThan > 0 {
		p.ObjectSizeLessThan = &f.SizeLessThan
		n++
	}
	switch {
	case n == 0:
		p.Prefix = new(string)
	case n > 1:
		return &filterOut{And: &p}
	}
	return &filterOut{predicatesOut: p}
}

// Marshal is c's document as GetBucketLifecycleConfiguration sends it,
// the XML declaration included.
func Marshal(c Config) ([]byte, error) {
	d, err := c.Document()
	if err != nil {
		return nil, err
	}
	b, err := xml.Marshal(d)
	if err != nil {
		return nil, fmt.Errorf("marshal lifecycle configuration: %w", err)
	}
	return append([]byte(xml.Header), b...), nil
}
