package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/keyring"
)

// EncryptionConfig configures SSE-S3 and SSE-KMS: the master keys that
// wrap each object's data key (keyring.File; docs/operations.md).
type EncryptionConfig struct {
	// KeyFile is the key file; "" leaves SSE-S3 and SSE-KMS off (501).
	KeyFile string `toml:"key_file"`
}

// validate loads the key file, so that `amphora config check` and
// startup refuse a wrong one with its reason.
func (e EncryptionConfig) validate() []string {
	if e.KeyFile == "" {
		return nil
	}
	if _, _, err := keyring.LoadFile(e.KeyFile); err != nil {
		return []string{"encryption.key_file: " + err.Error()}
	}
	return nil
}

// loadKeyRing is the key ring serve hands the frontend: nil without a
// key file. It logs the keys' ids and check values (fingerprints that
// tell nothing of the secrets), so that an operator can see every
// frontend holds the same keys, and any warning about the file.
func loadKeyRing(e EncryptionConfig, log zerolog.Logger) (keyring.Ring, error) {
	if e.KeyFile == "" {
		return nil, nil
	}
	ring, warnings, err := keyring.LoadFile(e.KeyFile)
	if err != nil {
		return nil, err
	}
	for _, w := range warnings {
		log.Warn().Msg(w)
	}
	ids, checks := ring.IDs()
	keys := make([]string, len(ids))
	for i := range ids {
		keys[i] = ids[i] + " (check " + checks[i] + ")"
	}
	log.Info().Str("default", ring.Default()).Str("keys", strings.Join(keys, ", ")).
		Msg("SSE-S3 and SSE-KMS master keys loaded")
	return ring, nil
}

// keygen prints a new [[key]] entry for a key file.
func keygen(args []string, stdout io.Writer) error {
	fs := flag.NewFlagSet("keygen", flag.ContinueOnError)
	id := fs.String("id", "", "the new master key's id (e.g. 2026-12)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" || fs.NArg() > 0 {
		return fmt.Errorf("usage: amphora keygen -id ID")
	}
	secret, err := keyring.NewSecret()
	if err != nil {
		return err
	}
	// Check the id as a key file would.
	if _, err := keyring.New(keyring.File{Keys: []keyring.FileKey{{ID: *id, Secret: secret}}}); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "[[key]]\nid = %q\nsecret = %q\n", *id, secret)
	return nil
}
