package frontend

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
)

// A browser upload is a multipart/form-data body: fields, then the part
// named "file", whose bytes are the object; S3 ignores whatever follows
// it. readPostForm reads the fields, at most maxPostPreData bytes of them
// (boundaries and part headers included, as S3 counts), and stops at the
// head of the file part, so that the file streams from the request
// straight into the store.

// maxPostPreData is S3's limit on the bytes of a form before its file's.
const maxPostPreData = 20480

var (
	errNotMultipart  = errPreconditionFailed.with(field{"Condition", "Bucket POST must be of the enclosure-type multipart/form-data"})
	errMalformedPOST = &Error{"MalformedPOSTRequest", http.StatusBadRequest, "The body of your POST request is not well-formed multipart/form-data.", nil, ""}
	// S3 answers the code without the "Error" its documentation gives it.
	errPreDataTooLarge = (&Error{"MaxPostPreDataLengthExceeded", http.StatusBadRequest, "Your POST request fields preceeding the upload file was too large.", nil, ""}).
				with(field{"MaxPostPreDataLengthBytes", strconv.Itoa(maxPostPreData)})
	errNoFile = errInvalidArgument.withMessage("POST requires exactly one file upload per request.").
			with(field{"ArgumentName", "file"}, field{"ArgumentValue", "0"})
)

// postForm is a form read up to its file.
type postForm struct {
	// fields are the fields before the file by lower-case name; a name
	// sent more than once has its values joined with ",", as S3 does.
	fields map[string]string
	// names are the lower-case names in the order they came first, and
	// sent each one as the form spelt it then.
	names []string
	sent  map[string]string

	file *multipart.Part
	// filename is the file part's file name without any directory (the
	// text after the last / or \); hasFilename is false when the part
	// has no filename parameter at all.
	filename    string
	hasFilename bool
	// start is the offset in the body of the file's first byte, and
	// boundary the form's, from which the file's size is worked out
	// (post_file.go).
	start    int64
	boundary string
	body     *formBody
}

// formBoundary is the boundary of a multipart/form-data Content-Type.
// Errors: 412 PreconditionFailed (another type), 400 MalformedPOSTRequest.
func formBoundary(contentType string) (string, error) {
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil || !strings.EqualFold(mt, "multipart/form-data") {
		return "", errNotMultipart
	}
	boundary := params["boundary"]
	if boundary == "" || len(boundary) > 70 {
		return "", errMalformedPOST
	}
	return boundary, nil
}

// readPostForm reads r's form, whose boundary is boundary, up to the head
// of its file part. Errors: 400 MalformedPOSTRequest,
// MaxPostPreDataLengthExceeded, InvalidArgument (no file), and the body's
// own failures (IncompleteBody, RequestTimeout).
func readPostForm(r *http.Request, boundary string) (*postForm, error) {
	body := r.Body
	if body == nil {
		body = http.NoBody
	}
	fb := &formBody{r: bufio.NewReaderSize(body, 32<<10), slow: true}
	f := &postForm{fields: map[string]string{}, sent: map[string]string{}, boundary: boundary, body: fb}
	mr := multipart.NewReader(fb, boundary)
	for {
		p, err := mr.NextPart()
		if err != nil {
			if err == io.EOF { // the closing boundary, and no file before it
				return nil, errNoFile
			}
			return nil, fb.explain(err)
		}
		name, file, filename, hasFilename, err := partName(p)
		if err != nil {
			return nil, err
		}
		if file {
			fb.slow = false
			f.file, f.filename, f.hasFilename, f.start = p, filename, hasFilename, fb.n
			return f, nil
		}
		v, err := io.ReadAll(p)
		if err != nil {
			return nil, fb.explain(err)
		}
		f.add(name, string(v))
	}
}

// add records a field.
func (f *postForm) add(name, value string) {
	lname := strings.ToLower(name)
	if old, ok := f.fields[lname]; ok {
		f.fields[lname] = old + "," + value
		return
	}
	f.fields[lname] = value
	f.sent[lname] = name
	f.names = append(f.names, lname)
}

// partName reads a part's Content-Disposition: its field name, and
// whether it is the file (a form-data part named "file", whatever the
// case) with its file name.
func partName(p *multipart.Part) (name string, file bool, filename string, hasFilename bool, err error) {
	disp, params, err := mime.ParseMediaType(p.Header.Get("Content-Disposition"))
	if err != nil || params["name"] == "" {
		return "", false, "", false, errMalformedPOST
	}
	name = params["name"]
	if !strings.EqualFold(disp, "form-data") || !strings.EqualFold(name, "file") {
		return name, false, "", false, nil
	}
	filename, hasFilename = params["filename"]
	if i := strings.LastIndexAny(filename, `/\`); i >= 0 {
		filename = filename[i+1:]
	}
	return name, true, filename, hasFilename, nil
}

// formBody is the request body under the multipart reader. Until the
// file part is found it hands out one byte per Read, so that the reader
// never holds bytes it has not parsed: the count of bytes handed out is
// then exactly the offset of the file's first byte once its head is
// parsed, and the bytes before the file can be held to maxPostPreData.
type formBody struct {
	r    io.Reader
	n    int64 // bytes handed out
	slow bool  // before the file: one byte at a time, at most maxPostPreData
	err  error // the body's own failure, if any
	// limited is set once the fields reached maxPostPreData (the
	// multipart reader does not always pass the error on: a header line
	// cut short reads as a malformed one).
	limited bool
}

// errPreDataLimit stops the multipart reader at maxPostPreData.
var errPreDataLimit = errors.New("form fields over the limit")

func (b *formBody) Read(p []byte) (int, error) {
	if b.slow {
		if b.n >= maxPostPreData {
			b.limited = true
			return 0, errPreDataLimit
		}
		p = p[:min(len(p), 1)]
	}
	n, err := b.r.Read(p)
	b.n += int64(n)
	if err != nil && err != io.EOF {
		b.err = err
	}
	return n, err
}

// explain turns a failure of the multipart reader into S3's answer: the
// body's own failure as it is (a client that went away or stalled), the
// limit as MaxPostPreDataLengthExceeded, anything else malformed.
func (b *formBody) explain(err error) error {
	switch {
	case b.err != nil:
		return fmt.Errorf("read form: %w", b.err)
	case b.limited:
		return errPreDataTooLarge
	}
	return errMalformedPOST
}
