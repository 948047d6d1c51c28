package frontend

import (
	"bytes"
	"io"
	"strconv"

	"github.com/amphora-s3/amphora/store"
)

// A form does not say how long its file is. The first postFilePrefix
// bytes of the file are read first: a file that ends within them is
// stored from memory with its exact size (a conditional or inline write
// wants one). A longer file streams into the store as a body of unknown
// size (store.UnknownSize), read to the end of its part, whatever follows
// it in the form; its length is checked against the policy's
// content-length-range as it streams (too large: refused at the first
// byte over) and once it has ended (too small), before anything commits.

// postFilePrefix is how much of a file is read before it is streamed.
const postFilePrefix = 64 << 10

// openFile returns the file's bytes and their count, store.UnknownSize
// for a file longer than postFilePrefix. Errors: the form's read errors.
func (f *postForm) openFile() (io.Reader, int64, error) {
	head, err := readUpTo(f.file, postFilePrefix+1)
	if err != nil {
		return nil, 0, f.body.explain(err)
	}
	if len(head) <= postFilePrefix {
		return bytes.NewReader(head), int64(len(head)), nil
	}
	return io.MultiReader(bytes.NewReader(head), &formFile{r: f.file, form: f.body}), store.UnknownSize, nil
}

// formFile is the rest of a long file: the part's bytes, its read
// errors explained as the form's.
type formFile struct {
	r    io.Reader
	form *formBody
}

func (f *formFile) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if err != nil && err != io.EOF {
		return n, f.form.explain(err)
	}
	return n, err
}

// lengthBound counts a file of unknown size and refuses it with
// EntityTooLarge as soon as it passes max.
type lengthBound struct {
	r   io.Reader
	n   int64
	max int64
	err func(size int64) error
}

func (l *lengthBound) Read(p []byte) (int, error) {
	n, err := l.r.Read(p)
	l.n += int64(n)
	if l.n > l.max {
		return n, l.err(l.n)
	}
	return n, err
}

// tooLarge is EntityTooLarge for an upload of size bytes over max.
func tooLarge(size, max int64) error {
	return errEntityTooLarge.withMessage("Your proposed upload exceeds the maximum allowed size").with(
		field{"ProposedSize", strconv.FormatInt(size, 10)}, field{"MaxSizeAllowed", strconv.FormatInt(max, 10)})
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
