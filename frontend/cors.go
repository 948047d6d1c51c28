package frontend

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/amphora-s3/amphora/store"
)

// Bucket CORS configuration: Put/Get/DeleteBucketCors. The rules are kept
// in the bucket's settings (store.SettingCORS, read and cached with the
// bucket); cors_match.go decides requests on them, cors_preflight.go
// answers OPTIONS and cors_headers.go adds the headers to actual
// responses.
//
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketCors.html
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_CORSRule.html

// S3's limits on a configuration.
const (
	maxCORSRules = 100
	maxCORSBody  = 64 << 10 // "The document is limited to 64 KB in size."
	maxCORSIDLen = 255      // characters
)

// corsMethods are the methods a rule may allow, as S3 spells them.
var corsMethods = map[string]bool{
	http.MethodGet: true, http.MethodPut: true, http.MethodHead: true,
	http.MethodPost: true, http.MethodDelete: true,
}

var errNoSuchCORS = &Error{"NoSuchCORSConfiguration", http.StatusNotFound, "The CORS configuration does not exist", nil, ""}

// corsRule is one rule as stored (JSON in the bucket's settings) and as
// matched: the values exactly as they were put, in order.
type corsRule struct {
	ID      string   `json:"id,omitempty"`
	Origins []string `json:"origins"`
	Methods []string `json:"methods"`
	Headers []string `json:"headers,omitempty"`
	Expose  []string `json:"expose,omitempty"`
	MaxAge  *int64   `json:"maxAge,omitempty"`
}

// corsDoc is the CORSConfiguration document GetBucketCors answers.
type corsDoc struct {
	XMLName xml.Name     `xml:"http://s3.amazonaws.com/doc/2006-03-01/ CORSConfiguration"`
	Rules   []corsRuleEl `xml:"CORSRule"`
}

type corsRuleEl struct {
	ID            string   `xml:"ID,omitempty"`
	AllowedHeader []string `xml:"AllowedHeader"`
	AllowedMethod []string `xml:"AllowedMethod"`
	AllowedOrigin []string `xml:"AllowedOrigin"`
	ExposeHeader  []string `xml:"ExposeHeader"`
	MaxAgeSeconds *int64   `xml:"MaxAgeSeconds,omitempty"`
}

// corsIn reads a CORSConfiguration with or without S3's namespace. The
// single-valued elements are lists so that a repeated one is seen, and
// any element S3's schema does not name lands in Other: both are
// MalformedXML, as S3 validates the document against its schema.
type corsIn struct {
	XMLName xml.Name `xml:"CORSConfiguration"`
	Rules   []struct {
		ID            []string
		AllowedOrigin []string
		AllowedMethod []string
		AllowedHeader []string
		ExposeHeader  []string
		MaxAgeSeconds []string
		Other         []xmlAny `xml:",any"`
	} `xml:"CORSRule"`
	Other []xmlAny `xml:",any"`
}

// xmlAny is an element nothing else in the document's type expects.
type xmlAny struct{ XMLName xml.Name }

// parseCORS reads a CORSConfiguration document and applies S3's rules to
// it: MalformedXML for what breaks the schema (no rule, more than 100, a
// rule without an origin or a method, a repeated ID or MaxAgeSeconds, an
// element S3 does not know, a MaxAgeSeconds that is not an integer),
// then InvalidRequest for a method S3 does not allow or an origin or
// header with more than one wildcard, InvalidArgument for a long ID.
func parseCORS(data []byte) ([]corsRule, error) {
	var doc corsIn
	empty, err := decodeXML(data, maxCORSBody, &doc)
	if err != nil {
		return nil, err
	}
	if empty || len(doc.Rules) == 0 || len(doc.Rules) > maxCORSRules || len(doc.Other) > 0 {
		return nil, errMalformedXML
	}
	if ns := doc.XMLName.Space; ns != "" && ns != s3NS {
		return nil, errMalformedXML
	}
	rules := make([]corsRule, 0, len(doc.Rules))
	for _, in := range doc.Rules {
		if len(in.AllowedOrigin) == 0 || len(in.AllowedMethod) == 0 || len(in.ID) > 1 ||
			len(in.MaxAgeSeconds) > 1 || len(in.Other) > 0 {
			return nil, errMalformedXML
		}
		rule := corsRule{Origins: in.AllowedOrigin, Methods: in.AllowedMethod, Headers: in.AllowedHeader, Expose: in.ExposeHeader}
		if len(in.ID) == 1 {
			rule.ID = in.ID[0]
		}
		if len(in.MaxAgeSeconds) == 1 {
			// xsd:int: leading and trailing white space allowed.
			n, err := strconv.ParseInt(strings.TrimSpace(in.MaxAgeSeconds[0]), 10, 32)
			if err != nil {
				return nil, errMalformedXML
			}
			rule.MaxAge = &n
		}
		rules = append(rules, rule)
	}
	for _, rule := range rules {
		if err := checkCORSRule(rule); err != nil {
			return nil, err
		}
	}
	return rules, nil
}

// checkCORSRule applies S3's rules on values to one rule.
func checkCORSRule(rule corsRule) error {
	for _, m := range rule.Methods {
		if !corsMethods[m] {
			return errInvalidRequest.withMessage("Found unsupported HTTP method in CORS config. Unsupported method is " + m)
		}
	}
	for _, o := range rule.Origins {
		if strings.Count(o, "*") > 1 {
			return errInvalidRequest.withMessage(fmt.Sprintf("AllowedOrigin %q can not have more than one wildcard.", o))
		}
	}
	for _, h := range rule.Headers {
		if strings.Count(h, "*") > 1 {
			return errInvalidRequest.withMessage(fmt.Sprintf("AllowedHeader %q can not have more than one wildcard.", h))
		}
	}
	if utf8.RuneCountInString(rule.ID) > maxCORSIDLen {
		return errInvalidArgument.withMessage("The ID of a CORS rule cannot be longer than 255 characters.")
	}
	return nil
}

// encodeCORS renders rules for the bucket's settings.
func encodeCORS(rules []corsRule) string {
	b, err := json.Marshal(rules)
	if err != nil {
		panic(fmt.Sprintf("encode CORS rules: %v", err)) // strings and integers only
	}
	return string(b)
}

// decodeCORS reads the rules stored in a bucket's settings; "" is none.
func decodeCORS(enc string) ([]corsRule, error) {
	if enc == "" {
		return nil, nil
	}
	var rules []corsRule
	if err := json.Unmarshal([]byte(enc), &rules); err != nil {
		return nil, fmt.Errorf("stored CORS configuration: %w", err)
	}
	return rules, nil
}

func (s *server) getBucketCors(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	rules, err := decodeCORS(b.Settings[store.SettingCORS])
	if err != nil {
		return err
	}
	if len(rules) == 0 {
		return errNoSuchCORS.with(field{"BucketName", b.Name})
	}
	doc := corsDoc{Rules: make([]corsRuleEl, 0, len(rules))}
	for _, rule := range rules {
		doc.Rules = append(doc.Rules, corsRuleEl{
			ID: rule.ID, AllowedHeader: rule.Headers, AllowedMethod: rule.Methods,
			AllowedOrigin: rule.Origins, ExposeHeader: rule.Expose, MaxAgeSeconds: rule.MaxAge,
		})
	}
	writeXML(w, http.StatusOK, doc)
	return nil
}

// putBucketCors replaces the bucket's CORS configuration. Content-MD5 is
// checked when sent (an x-amz-checksum-* header or trailer is checked by
// the payload as the body is read).
func (s *server) putBucketCors(w http.ResponseWriter, r *http.Request) error {
	data, err := readConfigBody(r, maxCORSBody)
	if err != nil {
		return err
	}
	rules, err := parseCORS(data)
	if err != nil {
		return err
	}
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingCORS, encodeCORS(rules)); err != nil {
		return fmt.Errorf("put bucket cors: %w", err)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deleteBucketCors(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingCORS, ""); err != nil {
		return fmt.Errorf("delete bucket cors: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
