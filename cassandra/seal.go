package cassandra

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"errors"
	"fmt"
)

// sealer seals secret keys at rest with AES-256-GCM under the master key
// (Config.MasterKey), the access key id as additional data, so a sealed
// secret cannot be moved to another key's row. Without a master key,
// secrets are stored as they are (and serve logs a warning).
type sealer struct {
	aead cipher.AEAD // nil: no master key
}

func newSealer(masterKey []byte) (sealer, error) {
	if len(masterKey) == 0 {
		return sealer{}, nil
	}
	if len(masterKey) != 32 {
		return sealer{}, fmt.Errorf("master key of %d bytes, want 32", len(masterKey))
	}
	block, err := aes.NewCipher(masterKey)
	if err != nil {
		return sealer{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealer{}, err
	}
	return sealer{aead: aead}, nil
}

// seal returns what to store for secret and whether it is sealed.
func (s sealer) seal(id string, secret []byte) ([]byte, bool, error) {
	if s.aead == nil {
		return secret, false, nil
	}
	nonce := make([]byte, s.aead.NonceSize(), s.aead.NonceSize()+len(secret)+s.aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, false, err
	}
	return s.aead.Seal(nonce, nonce, secret, []byte(id)), true, nil
}

var errNoMasterKey = errors.New("secret sealed, but no master key is configured")

// open undoes seal.
func (s sealer) open(id string, sealed []byte) ([]byte, error) {
	if s.aead == nil {
		return nil, errNoMasterKey
	}
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, errors.New("sealed secret too short")
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], []byte(id))
	if err != nil {
		return nil, fmt.Errorf("unseal secret (wrong master key?): %w", err)
	}
	return out, nil
}
