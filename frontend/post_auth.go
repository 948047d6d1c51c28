package frontend

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/amphora-s3/amphora/sigv2"
	"github.com/amphora-s3/amphora/sigv4"
	"github.com/amphora-s3/amphora/store"
)

// A browser upload (POST object) carries everything a PUT carries in
// headers as form fields, its credentials too: V2 (AWSAccessKeyId,
// signature) or V4 (x-amz-algorithm, x-amz-credential, x-amz-date,
// x-amz-signature) over its policy, or none at all for an anonymous
// upload. authenticateForm reads the form up to its file, checks the
// signature and the policy, and hands the rest of the request chain a
// request whose headers are the form's: refusing features, deciding
// access (authorize, for the key the form names) and storing then work
// as they do for PUT.

// postFormKey carries the form from authenticateForm to postObject.
type postFormKey struct{}

// postUpload is what authenticateForm learnt for postObject.
type postUpload struct {
	form   *postForm
	policy *postPolicy // nil when the form has none
	key    string
	tags   store.Tags
}

var errNoPostKey = postFieldMissing("key")

// postFieldMissing is S3's answer to a form without a field it needs
// (or with it after the file, where S3 does not look).
func postFieldMissing(name string) *Error {
	return errInvalidArgument.withMessage(fmt.Sprintf("Bucket POST must contain a field named '%s'.  If it is specified, please check the order of the fields.", name)).
		with(field{"ArgumentName", name}, field{"ArgumentValue", ""})
}

// authenticateForm authenticates a POST upload from its form and returns
// the request the chain goes on with (see above); ri.ident is the form's
// signer, or anonymous. Errors are S3's for every fault of the form, its
// signature or its policy.
func (s *server) authenticateForm(r *http.Request) (*http.Request, error) {
	ri := info(r)
	ri.ident = identity{Anonymous: true}
	boundary, err := formBoundary(r.Header.Get("Content-Type"))
	if err != nil {
		return nil, err
	}
	if sigv4.IsV4(r) || sigv2.IsV2(r) {
		return nil, errInvalidRequest.withMessage("A POST upload carries its credentials in its form fields, never in an Authorization header or the query string")
	}
	form, err := readPostForm(r, boundary)
	if err != nil {
		return nil, err
	}
	if form.hasFilename {
		// "${filename} is recognized by all form fields", before the
		// policy is checked.
		for k, v := range form.fields {
			form.fields[k] = strings.ReplaceAll(v, "${filename}", form.filename)
		}
	}
	key, err := uploadKey(form, ri.addr.Bucket)
	if err != nil {
		return nil, err
	}
	if _, ok := form.fields["x-amz-security-token"]; ok || r.Header.Get("X-Amz-Security-Token") != "" {
		return nil, errNotImplemented.withMessage("Session credentials (x-amz-security-token) are not supported").
			with(field{"Header", "x-amz-security-token"})
	}
	id, v4, err := s.formIdentity(r.Context(), form)
	if err != nil {
		return nil, err
	}
	up := &postUpload{form: form, key: key}
	if up.policy, err = s.formPolicy(form, ri.addr.Bucket); err != nil {
		return nil, err
	}
	h, err := formHeaders(r.Header, form)
	if err != nil {
		return nil, err
	}
	fr := r.WithContext(context.WithValue(r.Context(), postFormKey{}, up))
	fr.Header = h
	if up.tags, err = formTags(fr, form); err != nil {
		return nil, err
	}
	if len(up.tags) > 0 {
		h.Set("X-Amz-Tagging", up.tags.Encode()) // for the policy keys s3:RequestObjectTag/*
	}
	if err := refuseFeatureHeaders("PutObject", fr); err != nil {
		return nil, err
	}
	ri.ident, ri.access, ri.v4 = id, id.AccessKey, v4
	ri.addr.Key = key // authorize decides s3:PutObject on bucket/key
	return fr, nil
}

// uploadKey is the key the form names, in the bucket it was posted to.
func uploadKey(f *postForm, bucket string) (string, error) {
	key := f.fields["key"]
	switch {
	case key == "":
		return "", errNoPostKey
	case len(key) > maxKeyLen:
		return "", errKeyTooLong.with(field{"Size", strconv.Itoa(len(key))}, field{"MaxSizeAllowed", strconv.Itoa(maxKeyLen)})
	case !utf8.ValidString(key):
		return "", errInvalidArgument.withMessage("The key must be UTF-8").with(field{"ArgumentName", "key"})
	}
	if b, ok := f.fields["bucket"]; ok && b != bucket {
		return "", errInvalidArgument.withMessage("The bucket field names another bucket than the one the form was posted to").
			with(field{"ArgumentName", "bucket"}, field{"ArgumentValue", b})
	}
	return key, nil
}

// formPolicy parses the form's policy, if it has one, and checks the
// form's fields against it; the bucket the form was posted to is the
// field "bucket" when the form has none. An unsigned policy binds an
// anonymous form all the same.
func (s *server) formPolicy(f *postForm, bucket string) (*postPolicy, error) {
	doc, ok := f.fields["policy"]
	if !ok {
		return nil, nil
	}
	p, err := parsePostPolicy(doc)
	if err != nil {
		return nil, err
	}
	fields := f.fields
	if _, ok := fields["bucket"]; !ok {
		fields = maps.Clone(f.fields)
		fields["bucket"] = bucket
	}
	return p, p.checkFields(fields, f.names, f.sent, s.now())
}

// formIdentity checks the form's signature and returns its signer (and
// the V4 result, for the policy keys), anonymous when the form has no
// signature fields.
func (s *server) formIdentity(ctx context.Context, f *postForm) (identity, *sigv4.Result, error) {
	has := func(name string) bool { _, ok := f.fields[name]; return ok }
	v4 := has("x-amz-algorithm") || has("x-amz-credential") || has("x-amz-signature")
	v2 := has("awsaccesskeyid") || has("signature")
	need := func(names ...string) error {
		for _, n := range names {
			if !has(strings.ToLower(n)) {
				return postFieldMissing(n)
			}
		}
		return nil
	}
	keys := s.newKeyLookup(ctx)
	switch {
	case v4 && v2:
		return identity{}, nil, errInvalidArgument.withMessage("Only one auth mechanism allowed; a POST form is signed with AWSAccessKeyId and signature or with the X-Amz-* fields")
	case v4:
		if err := need("X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Signature", "Policy"); err != nil {
			return identity{}, nil, err
		}
		res, err := sigv4.VerifyPost(sigv4.PostForm{
			Algorithm: f.fields["x-amz-algorithm"], Credential: f.fields["x-amz-credential"], Date: f.fields["x-amz-date"],
			Signature: f.fields["x-amz-signature"], Policy: f.fields["policy"],
		}, sigv4.Options{Region: s.region, Service: "s3", Secret: keys.secret})
		signer := func() (identity, *sigv4.Result, error) {
			id, err := keys.identity(res.AccessKey)
			return id, &res, err
		}
		var fe *sigv4.PostFieldError
		switch {
		case err == nil, keys.err != nil:
			return signer()
		case errors.As(err, &fe):
			e := errInvalidArgument.withMessage(fe.Reason).with(field{"ArgumentName", fe.Field}, field{"ArgumentValue", fe.Value})
			if fe.Region != "" {
				e = e.with(field{"Region", fe.Region})
			}
			return identity{}, nil, e
		case errors.Is(err, sigv4.ErrInvalidAccessKeyID):
			return identity{}, nil, errInvalidAccessKeyID.with(field{"AWSAccessKeyId", res.AccessKey})
		}
		return identity{}, nil, policySignatureMismatch(res.AccessKey, f.fields["policy"], res.Signature)
	case v2:
		if err := need("AWSAccessKeyId", "Signature", "Policy"); err != nil {
			return identity{}, nil, err
		}
		ak, sig, doc := f.fields["awsaccesskeyid"], f.fields["signature"], f.fields["policy"]
		secret, ok := keys.secret(ak)
		switch {
		case !ok && keys.err != nil:
			id, err := keys.identity(ak)
			return id, nil, err
		case !ok:
			return identity{}, nil, errInvalidAccessKeyID.with(field{"AWSAccessKeyId", ak})
		}
		if sigv2.VerifyPolicy(doc, sig, secret) != nil {
			return identity{}, nil, policySignatureMismatch(ak, doc, sig)
		}
		id, err := keys.identity(ak)
		return id, nil, err
	}
	return identity{Anonymous: true}, nil, nil
}

// policySignatureMismatch is S3's 403 for a form whose signature is not
// its policy's: the string to sign is the policy as sent.
func policySignatureMismatch(accessKey, policy, provided string) error {
	return errSignatureDoesNotMatch.with(
		field{"AWSAccessKeyId", accessKey},
		field{"StringToSign", policy},
		field{"SignatureProvided", provided},
		field{"StringToSignBytes", hexBytes(policy)},
	)
}

// formControls are the fields that steer the upload rather than carry a
// header of the object.
var formControls = map[string]bool{
	"key": true, "file": true, "policy": true, "bucket": true, "tagging": true,
	"awsaccesskeyid": true, "signature": true, "x-amz-signature": true, "x-amz-algorithm": true,
	"x-amz-credential": true, "x-amz-date": true, "x-amz-security-token": true,
	"success_action_status": true, "success_action_redirect": true, "redirect": true,
}

// requestOnlyHeaders describe the POST request itself (its multipart
// body, its transfer) and never the object.
var requestOnlyHeaders = []string{
	"Content-Type", "Content-Length", "Content-Md5", "Content-Encoding", "Content-Disposition",
	"Content-Language", "Cache-Control", "Expires", "Transfer-Encoding", "X-Amz-Content-Sha256",
	"X-Amz-Date", "X-Amz-Decoded-Content-Length", "X-Amz-Trailer",
}

// formHeaders are the headers the upload is made with: the request's own
// (but those describing its body), and a header for each field that is
// one (Content-*, Cache-Control, Expires, x-amz-*; acl is x-amz-acl).
// A field and a header of the request that disagree are refused, as S3
// refuses them.
func formHeaders(req http.Header, f *postForm) (http.Header, error) {
	h := req.Clone()
	for _, name := range requestOnlyHeaders {
		delete(h, name)
	}
	for _, lname := range f.names {
		if formControls[lname] || strings.HasPrefix(lname, "x-ignore-") {
			continue
		}
		name := lname
		if name == "acl" {
			name = "x-amz-acl"
		}
		if !strings.HasPrefix(name, "x-amz-") && !strings.HasPrefix(name, "content-") &&
			name != "cache-control" && name != "expires" {
			continue
		}
		v, ck := f.fields[lname], http.CanonicalHeaderKey(name)
		if old, ok := h[ck]; ok && strings.Join(old, ",") != v {
			return nil, errInvalidRequest.withMessage("Conflicting values provided in HTTP headers and POST form fields.")
		}
		h[ck] = []string{v}
	}
	return h, nil
}

// formTags are the tags of the upload: the tagging field's Tagging
// document (S3 takes any root element, and no TagSet as no tags), else
// the request's x-amz-tagging header.
func formTags(r *http.Request, f *postForm) (store.Tags, error) {
	v, ok := f.fields["tagging"]
	if !ok {
		return headerTags(r)
	}
	if _, both := r.Header["X-Amz-Tagging"]; both {
		return nil, errInvalidRequest.withMessage("Conflicting values provided in HTTP headers and POST form fields.")
	}
	var doc struct {
		TagSet *struct {
			Tags []xmlTag `xml:"Tag"`
		} `xml:"TagSet"`
	}
	if err := xml.Unmarshal([]byte(v), &doc); err != nil {
		return nil, errMalformedXML
	}
	if doc.TagSet == nil {
		return nil, nil
	}
	tags := make(store.Tags, 0, len(doc.TagSet.Tags))
	for _, t := range doc.TagSet.Tags {
		tags = append(tags, store.Tag{Key: t.Key, Value: t.Value})
	}
	if err := checkTags(tags, maxObjectTags); err != nil {
		return nil, err
	}
	return tags, nil
}

// opPostObject is the route of browser uploads, which authenticated
// authenticates from their form.
const opPostObject = "PostObject"
