package keyring

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func secret(t *testing.T) string {
	t.Helper()
	s, err := NewSecret()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestWrapUnwrap(t *testing.T) {
	ctx := context.Background()
	r, err := New(File{Default: "b", Keys: []FileKey{{"a", secret(t)}, {"b", secret(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Default() != "b" || !r.Has("a") || r.Has("c") {
		t.Fatalf("default %q, has a %v, has c %v", r.Default(), r.Has("a"), r.Has("c"))
	}
	plain, wrapped, err := r.NewDataKey(ctx, "a", []byte("ctx"))
	if err != nil {
		t.Fatal(err)
	}
	if len(plain) != DataKeySize || bytes.Contains(wrapped, plain) {
		t.Fatalf("data key of %d bytes, wrapped %x", len(plain), wrapped)
	}
	got, err := r.Unwrap(ctx, "a", wrapped, []byte("ctx"))
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("unwrap: %x, %v", got, err)
	}
	// Another key id, another context, a flipped byte: none opens.
	for name, try := range map[string]func() error{
		"other id":      func() error { _, err := r.Unwrap(ctx, "b", wrapped, []byte("ctx")); return err },
		"other context": func() error { _, err := r.Unwrap(ctx, "a", wrapped, []byte("ctx2")); return err },
		"flipped": func() error {
			w := bytes.Clone(wrapped)
			w[len(w)-1] ^= 1
			_, err := r.Unwrap(ctx, "a", w, []byte("ctx"))
			return err
		},
		"short": func() error { _, err := r.Unwrap(ctx, "a", wrapped[:5], []byte("ctx")); return err },
	} {
		if err := try(); !errors.Is(err, ErrUnwrap) {
			t.Errorf("%s: %v, want ErrUnwrap", name, err)
		}
	}
	if _, err := r.Unwrap(ctx, "zz", wrapped, nil); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("unknown id: %v", err)
	}
	if _, _, err := r.NewDataKey(ctx, "zz", nil); !errors.Is(err, ErrNoSuchKey) {
		t.Errorf("new data key, unknown id: %v", err)
	}
	// Two data keys differ.
	p2, w2, _ := r.NewDataKey(ctx, "a", []byte("ctx"))
	if bytes.Equal(p2, plain) || bytes.Equal(w2, wrapped) {
		t.Error("two data keys are equal")
	}
}

// A rotation is a new file with one more key and a new default: what the
// old ring wrapped, the new one unwraps.
func TestRotation(t *testing.T) {
	ctx := context.Background()
	s1 := secret(t)
	old, err := New(File{Keys: []FileKey{{"k1", s1}}})
	if err != nil {
		t.Fatal(err)
	}
	if old.Default() != "k1" {
		t.Fatalf("single key's default %q", old.Default())
	}
	plain, wrapped, _ := old.NewDataKey(ctx, old.Default(), nil)
	rotated, err := New(File{Default: "k2", Keys: []FileKey{{"k1", s1}, {"k2", secret(t)}}})
	if err != nil {
		t.Fatal(err)
	}
	got, err := rotated.Unwrap(ctx, "k1", wrapped, nil)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("old key after rotation: %v", err)
	}
	// The same id with another secret refuses rather than returning garbage.
	wrong, _ := New(File{Keys: []FileKey{{"k1", secret(t)}}})
	if _, err := wrong.Unwrap(ctx, "k1", wrapped, nil); !errors.Is(err, ErrUnwrap) {
		t.Fatalf("another secret under the same id: %v", err)
	}
	ids, checks := rotated.IDs()
	if strings.Join(ids, ",") != "k1,k2" || len(checks) != 2 || checks[0] == checks[1] {
		t.Fatalf("ids %v checks %v", ids, checks)
	}
	if _, c := old.IDs(); c[0] != checks[0] {
		t.Fatal("check value of one secret differs between rings")
	}
}

func TestLoadFileRefuses(t *testing.T) {
	good := secret(t)
	for _, tc := range []struct{ name, body, want string }{
		{"empty", ``, "no [[key]]"},
		{"bad toml", `default = `, "key file"},
		{"unknown setting", "defualt = \"a\"\n[[key]]\nid = \"a\"\nsecret = \"" + good + "\"\n", "unknown setting"},
		{"short secret", "[[key]]\nid = \"a\"\nsecret = \"c2hvcnQ=\"\n", "base64 of 32"},
		{"not base64", "[[key]]\nid = \"a\"\nsecret = \"!!\"\n", "base64 of 32"},
		{"bad id", "[[key]]\nid = \"a b\"\nsecret = \"" + good + "\"\n", "id \"a b\""},
		{"colon id", "[[key]]\nid = \"a:b\"\nsecret = \"" + good + "\"\n", "id \"a:b\""},
		{"duplicate", "default = \"a\"\n[[key]]\nid = \"a\"\nsecret = \"" + good + "\"\n[[key]]\nid = \"a\"\nsecret = \"" + good + "\"\n", "twice"},
		{"default missing", "default = \"b\"\n[[key]]\nid = \"a\"\nsecret = \"" + good + "\"\n", `default key "b" is not in the file`},
		{"no default of two", "[[key]]\nid = \"a\"\nsecret = \"" + good + "\"\n[[key]]\nid = \"b\"\nsecret = \"" + good + "\"\n", "no default"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "keys.toml")
			if err := os.WriteFile(p, []byte(tc.body), 0o600); err != nil {
				t.Fatal(err)
			}
			_, _, err := LoadFile(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one saying %q", err, tc.want)
			}
			if strings.Contains(err.Error(), good) {
				t.Fatalf("error shows the secret: %v", err)
			}
		})
	}
	if _, _, err := LoadFile(filepath.Join(t.TempDir(), "none.toml")); err == nil {
		t.Fatal("missing file loaded")
	}
}

func TestLoadFileModes(t *testing.T) {
	body := "[[key]]\nid = \"a\"\nsecret = \"" + secret(t) + "\"\n"
	p := filepath.Join(t.TempDir(), "keys.toml")
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, warn, err := LoadFile(p); err != nil || len(warn) != 0 {
		t.Fatalf("0600: %v %v", warn, err)
	}
	os.Chmod(p, 0o644)
	if _, warn, err := LoadFile(p); err != nil || len(warn) != 1 {
		t.Fatalf("0644: want one warning, got %v %v", warn, err)
	}
	os.Chmod(p, 0o666)
	if _, _, err := LoadFile(p); err == nil || !strings.Contains(err.Error(), "anyone may write") {
		t.Fatalf("0666: %v", err)
	}
}
