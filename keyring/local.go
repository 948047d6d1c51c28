package keyring

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"

	"github.com/BurntSushi/toml"
)

// File is the key file's format (TOML):
//
//	# The key for new objects; every key objects were written with stays
//	# in the file for as long as they live.
//	default = "2026-12"
//
//	[[key]]
//	id = "2026-11"
//	secret = "base64 of 32 random bytes (amphora keygen)"
//
//	[[key]]
//	id = "2026-12"
//	secret = "..."
type File struct {
	Default string    `toml:"default"`
	Keys    []FileKey `toml:"key"`
}

// FileKey is one master key of a File.
type FileKey struct {
	ID     string `toml:"id"`
	Secret string `toml:"secret"` // base64 (standard) of DataKeySize bytes
}

// validID is what a key id may be: it is kept in object records, shown in
// x-amz-server-side-encryption-aws-kms-key-id and named in requests, so
// no separators, spaces or control characters.
var validID = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._/-]{0,127}$`)

// Local is a Ring of master keys held in memory, from a key file.
type Local struct {
	def  string
	keys map[string]cipher.AEAD
	ids  []string // sorted
	sums map[string]string
}

// LoadFile reads the key file at path. It refuses, naming the problem,
// a file that cannot be read or parsed, a key that is not 32 bytes of
// base64 or has an invalid or repeated id, a default that is not in the
// file, and a file anyone may write. A file anyone may read is loaded
// with a warning.
func LoadFile(path string) (ring *Local, warnings []string, err error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, nil, fmt.Errorf("key file: %w", err)
	}
	if st.Mode().Perm()&0o002 != 0 {
		return nil, nil, fmt.Errorf("key file %s: anyone may write it (mode %v): chmod 600 it", path, st.Mode().Perm())
	}
	if st.Mode().Perm()&0o004 != 0 {
		warnings = append(warnings, fmt.Sprintf("key file %s: anyone may read it (mode %v): chmod 600 it", path, st.Mode().Perm()))
	}
	var f File
	md, err := toml.DecodeFile(path, &f)
	if err != nil {
		return nil, nil, fmt.Errorf("key file %s: %w", path, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		return nil, nil, fmt.Errorf("key file %s: unknown setting %q", path, und[0].String())
	}
	ring, err = New(f)
	if err != nil {
		return nil, nil, fmt.Errorf("key file %s: %w", path, err)
	}
	return ring, warnings, nil
}

// New returns the ring of f's keys (see LoadFile for what it refuses).
func New(f File) (*Local, error) {
	if len(f.Keys) == 0 {
		return nil, errors.New("no [[key]]: at least one master key is needed")
	}
	l := &Local{def: f.Default, keys: map[string]cipher.AEAD{}, sums: map[string]string{}}
	for i, k := range f.Keys {
		if !validID.MatchString(k.ID) {
			return nil, fmt.Errorf("key %d: id %q: 1 to 128 letters, digits and . _ / - (starting with a letter or digit)", i+1, k.ID)
		}
		if _, dup := l.keys[k.ID]; dup {
			return nil, fmt.Errorf("key %q appears twice", k.ID)
		}
		secret, err := base64.StdEncoding.DecodeString(k.Secret)
		if err != nil || len(secret) != DataKeySize {
			return nil, fmt.Errorf("key %q: secret must be the base64 of %d random bytes (amphora keygen makes one)", k.ID, DataKeySize)
		}
		aead, err := gcm(secret)
		if err != nil {
			return nil, fmt.Errorf("key %q: %w", k.ID, err)
		}
		l.keys[k.ID] = aead
		l.ids = append(l.ids, k.ID)
		l.sums[k.ID] = checkValue(secret)
	}
	slices.Sort(l.ids)
	if l.def == "" && len(l.ids) == 1 {
		l.def = l.ids[0]
	}
	if _, ok := l.keys[l.def]; !ok {
		if l.def == "" {
			return nil, errors.New(`no default: set default = "<id>" to the key new objects use`)
		}
		return nil, fmt.Errorf("default key %q is not in the file", l.def)
	}
	return l, nil
}

func gcm(secret []byte) (cipher.AEAD, error) {
	blk, err := aes.NewCipher(secret)
	if err != nil {
		return nil, err
	}
	return cipher.NewGCM(blk)
}

// checkValue is a fingerprint of a secret that reveals nothing of it: an
// operator compares it across frontends to see they hold the same keys.
func checkValue(secret []byte) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("amphora key check value"))
	return hex.EncodeToString(m.Sum(nil)[:6])
}

// Default implements Ring.
func (l *Local) Default() string { return l.def }

// Has implements Ring.
func (l *Local) Has(id string) bool { _, ok := l.keys[id]; return ok }

// IDs returns the ids of the ring's keys, sorted, each with its check
// value (a fingerprint that tells nothing of the secret).
func (l *Local) IDs() (ids, checks []string) {
	for _, id := range l.ids {
		ids = append(ids, id)
		checks = append(checks, l.sums[id])
	}
	return ids, checks
}

// wrapAAD binds a wrapped key to its master key's id and its context.
func wrapAAD(id string, context []byte) []byte {
	return slices.Concat([]byte("amphora keyring v1\x00"), []byte(id), []byte{0}, context)
}

// NewDataKey implements Ring: the wrapped form is a random 12-byte nonce
// followed by the data key sealed with AES-256-GCM under the master key.
func (l *Local) NewDataKey(_ context.Context, id string, context []byte) (plain, wrapped []byte, err error) {
	aead, ok := l.keys[id]
	if !ok {
		return nil, nil, fmt.Errorf("master key %q: %w", id, ErrNoSuchKey)
	}
	buf := make([]byte, DataKeySize+aead.NonceSize())
	if _, err := rand.Read(buf); err != nil {
		return nil, nil, fmt.Errorf("new data key: %w", err)
	}
	plain, nonce := buf[:DataKeySize], buf[DataKeySize:]
	wrapped = aead.Seal(slices.Clone(nonce), nonce, plain, wrapAAD(id, context))
	return plain, wrapped, nil
}

// Unwrap implements Ring.
func (l *Local) Unwrap(_ context.Context, id string, wrapped, context []byte) ([]byte, error) {
	aead, ok := l.keys[id]
	if !ok {
		return nil, fmt.Errorf("master key %q: %w", id, ErrNoSuchKey)
	}
	ns := aead.NonceSize()
	if len(wrapped) < ns {
		return nil, fmt.Errorf("master key %q: %w", id, ErrUnwrap)
	}
	plain, err := aead.Open(nil, wrapped[:ns], wrapped[ns:], wrapAAD(id, context))
	if err != nil || len(plain) != DataKeySize {
		return nil, fmt.Errorf("master key %q: %w", id, ErrUnwrap)
	}
	return plain, nil
}

// NewSecret returns a fresh master key secret, base64 as the key file
// wants it.
func NewSecret() (string, error) {
	b := make([]byte, DataKeySize)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.StdEncoding.EncodeToString(b), nil
}
