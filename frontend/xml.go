package frontend

import (
	"bytes"
	"crypto/md5"
	"encoding/xml"
	"io"
	"net/http"
	"strconv"
	"time"
)

// s3NS is the namespace of every S3 XML document.
const s3NS = "http://s3.amazonaws.com/doc/2006-03-01/"

// iso8601 is how S3 XML bodies write times.
const iso8601 = "2006-01-02T15:04:05.000Z"

func xmlTime(t time.Time) string { return t.UTC().Format(iso8601) }

// writeXML writes v as an XML document with status. Documents are small
// (a listing page is at most 1000 entries), so it marshals first and sets
// Content-Length, and a marshalling bug becomes an InternalError rather
// than half a document.
func writeXML(w http.ResponseWriter, status int, v any) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(v); err != nil {
		// Only a programming error gets here: every document is plain
		// structs of strings and numbers.
		buf.Reset()
		buf.WriteString(xml.Header + "<Error><Code>InternalError</Code></Error>")
		status = http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/xml")
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// readXML decodes a request body of at most limit bytes into v. A body
// over the limit is MaxMessageLengthExceeded, a body that does not parse
// is MalformedXML, and an empty body leaves v untouched and reports
// empty = true.
func readXML(r io.Reader, limit int64, v any) (empty bool, err error) {
	data, err := io.ReadAll(io.LimitReader(r, limit+1))
	if err != nil {
		return false, err
	}
	return decodeXML(data, limit, v)
}

// readConfigXML is readXML for a configuration PUT (object lock,
// retention, legal hold...): Content-MD5, when sent, must be the body's
// (an x-amz-checksum-* header or trailer is checked by the payload as the
// body is read).
func readConfigXML(r *http.Request, limit int64, v any) (empty bool, err error) {
	data, err := readConfigBody(r, limit)
	if err != nil {
		return false, err
	}
	return decodeXML(data, limit, v)
}

// readConfigBody is readConfigXML for a document its package decodes
// (lifecycle): the body of at most limit bytes (else
// MaxMessageLengthExceeded), Content-MD5 checked when sent.
func readConfigBody(r *http.Request, limit int64) ([]byte, error) {
	sum, err := contentMD5(r.Header)
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(r.Body, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, errMaxMessageLength
	}
	if sum != nil {
		if got := md5.Sum(data); !bytes.Equal(got[:], sum) {
			return nil, errBadDigest
		}
	}
	return data, nil
}

// decodeXML is readXML on bytes already read.
func decodeXML(data []byte, limit int64, v any) (empty bool, err error) {
	if int64(len(data)) > limit {
		return false, errMaxMessageLength
	}
	if len(bytes.TrimSpace(data)) == 0 {
		return true, nil
	}
	if err := xml.Unmarshal(data, v); err != nil {
		return false, errMalformedXML
	}
	return false, nil
}

// owner is the Owner element of listings and ACLs.
type owner struct {
	ID          string
	DisplayName string
}
