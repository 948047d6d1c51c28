package frontend

import (
	"bytes"
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
