package frontend

import (
	"bytes"
	"errors"
	"io"
)

// The store takes an object's size before its bytes (store.PutInput.Size),
// and a form does not say how long its file is. So the first
// postFilePrefix bytes of the file are read first: a file that ends
// within them is stored from memory, whatever follows it in the form. A
// longer file is sized from the request's Content-Length, the file's
// offset in the body and the closing boundary line every client ends a
// form with ("\r\n--" boundary "--\r\n"), and streamed; when the form
// goes on after such a file, the store's read fails (errFileNotLast) as
// it reaches the size, and nothing is stored: never a file cut short.

// postFilePrefix is how much of a file is read before it is sized.
const postFilePrefix = 64 << 10

var errFileNotLast = errNotImplemented.withMessage("A file over 64 KiB must be the last field of the form, followed only by the closing boundary: Amphora sizes it from the request's Content-Length")

// openFile returns the file's bytes and their count. Errors: 411
// MissingContentLength (a file over postFilePrefix in a request without
// Content-Length), errFileNotLast, and the form's read errors.
func (f *postForm) openFile(contentLength int64) (io.Reader, int64, error) {
	head, err := readUpTo(f.file, postFilePrefix+1)
	if err != nil {
		return nil, 0, f.body.explain(err)
	}
	if len(head) <= postFilePrefix {
		return bytes.NewReader(head), int64(len(head)), nil
	}
	if contentLength < 0 {
		return nil, 0, errMissingContentLength
	}
	size := contentLength - f.start - int64(len(f.boundary)+len("\r\n----\r\n"))
	if size < int64(len(head)) {
		return nil, 0, errFileNotLast
	}
	rest := &exactEnd{r: f.file, left: size - int64(len(head)), form: f.body}
	return io.MultiReader(bytes.NewReader(head), rest), size, nil
}

// readUpTo reads at most max bytes of r, growing its buffer as they come
// (a small file costs a small buffer).
func readUpTo(r io.Reader, max int) ([]byte, error) {
	buf := make([]byte, 0, min(max, 4<<10))
	for len(buf) < max {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(2*cap(buf), max))
			copy(grown, buf)
			buf = grown
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
	return buf, nil
}

// exactEnd is the rest of a file sized from Content-Length: it yields
// exactly left bytes, and fails with errFileNotLast, as the store reads
// its last byte, unless the file part ends right there.
type exactEnd struct {
	r    io.Reader
	left int64
	form *formBody
}

func (e *exactEnd) Read(p []byte) (int, error) {
	if e.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	switch {
	case err == io.EOF && e.left > 0:
		return n, errFileNotLast // the file ended early: fields follow it
	case err != nil && err != io.EOF:
		return n, e.form.explain(err)
	case e.left == 0 && err == nil:
		var one [1]byte
		m, err := io.ReadFull(e.r, one[:])
		switch {
		case m > 0:
			return n, errFileNotLast // more file than Content-Length said
		case errors.Is(err, io.EOF):
		default:
			return n, e.form.explain(err)
		}
	}
	return n, nil
}
