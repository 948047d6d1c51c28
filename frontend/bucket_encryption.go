package frontend

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"

	"github.com/amphora-s3/amphora/store"
)

// Bucket default encryption: Put/Get/DeleteBucketEncryption. The rule is
// one of the bucket's settings (store.SettingEncryption, read and cached
// with the bucket); writeKey applies it to every write that asks for no
// encryption of its own.
// https://docs.aws.amazon.com/AmazonS3/latest/API/API_PutBucketEncryption.html

var errNoSuchEncryption = &Error{"ServerSideEncryptionConfigurationNotFoundError", http.StatusNotFound,
	"The server side encryption configuration was not found", nil, ""}

// maxEncryptionBody bounds the document (a rule is a few hundred bytes).
const maxEncryptionBody = 16 << 10

// encryptionRule is the bucket's default encryption as stored (JSON).
type encryptionRule struct {
	Algorithm string `json:"alg"` // sseAES256 or sseKMS
	KMSKeyID  string `json:"kmsKeyId,omitempty"`
	BucketKey bool   `json:"bucketKey,omitempty"`
}

type encryptionDoc struct {
	XMLName xml.Name `xml:"http://s3.amazonaws.com/doc/2006-03-01/ ServerSideEncryptionConfiguration"`
	Rule    struct {
		Default struct {
			SSEAlgorithm   string
			KMSMasterKeyID string `xml:",omitempty"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled bool
	}
}

// encryptionIn reads the document with or without S3's namespace; lists
// so that a repeated element is seen, Other so that an unknown one is.
type encryptionIn struct {
	XMLName xml.Name `xml:"ServerSideEncryptionConfiguration"`
	Rules   []struct {
		Default []struct {
			SSEAlgorithm   []string
			KMSMasterKeyID []string
			Other          []xmlAny `xml:",any"`
		} `xml:"ApplyServerSideEncryptionByDefault"`
		BucketKeyEnabled []string
		Other            []xmlAny `xml:",any"`
	} `xml:"Rule"`
	Other []xmlAny `xml:",any"`
}

// parseEncryption validates a ServerSideEncryptionConfiguration.
func parseEncryption(data []byte) (encryptionRule, error) {
	var in encryptionIn
	if empty, err := decodeXML(data, maxEncryptionBody, &in); err != nil {
		return encryptionRule{}, err
	} else if empty {
		return encryptionRule{}, errMalformedXML
	}
	if len(in.Other) > 0 || len(in.Rules) != 1 {
		return encryptionRule{}, errMalformedXML
	}
	rule := in.Rules[0]
	if len(rule.Other) > 0 || len(rule.Default) != 1 || len(rule.BucketKeyEnabled) > 1 {
		return encryptionRule{}, errMalformedXML
	}
	d := rule.Default[0]
	if len(d.Other) > 0 || len(d.SSEAlgorithm) != 1 || len(d.KMSMasterKeyID) > 1 {
		return encryptionRule{}, errMalformedXML
	}
	out := encryptionRule{Algorithm: strings.TrimSpace(d.SSEAlgorithm[0])}
	switch out.Algorithm {
	case sseAES256, sseKMS:
	case sseDSSE:
		return encryptionRule{}, errSSEDSSE
	default:
		return encryptionRule{}, errMalformedXML
	}
	if len(d.KMSMasterKeyID) == 1 {
		if out.Algorithm != sseKMS {
			return encryptionRule{}, errInvalidArgument.withMessage("a KMSMasterKeyID is not applicable if the default sse algorithm is not aws:kms")
		}
		if out.KMSKeyID = kmsKeyID(d.KMSMasterKeyID[0]); out.KMSKeyID == "" {
			return encryptionRule{}, errKMSNotFound.withMessage("Invalid keyId " + d.KMSMasterKeyID[0])
		}
	}
	if len(rule.BucketKeyEnabled) == 1 {
		switch strings.TrimSpace(rule.BucketKeyEnabled[0]) {
		case "true":
			out.BucketKey = out.Algorithm == sseKMS // S3 keeps it for SSE-KMS only
		case "false":
		default:
			return encryptionRule{}, errMalformedXML
		}
	}
	return out, nil
}

// decodeEncryption reads a stored rule; ok is false when none is set.
func decodeEncryption(v string) (rule encryptionRule, ok bool, err error) {
	if v == "" {
		return rule, false, nil
	}
	if err := json.Unmarshal([]byte(v), &rule); err != nil {
		return rule, false, fmt.Errorf("stored bucket encryption: %w", err)
	}
	return rule, true, nil
}

// bucketDefaultEncryption is the managed encryption b's default rule
// gives a write that asks for none (nil when b has no rule).
func bucketDefaultEncryption(b store.Bucket) (*managedChoice, error) {
	rule, ok, err := decodeEncryption(b.Settings[store.SettingEncryption])
	if err != nil || !ok {
		return nil, err
	}
	c := &managedChoice{mode: store.SSEModeS3}
	if rule.Algorithm == sseKMS {
		c = &managedChoice{mode: store.SSEModeKMS, keyID: rule.KMSKeyID, bucketKey: rule.BucketKey}
	}
	return c, nil
}

func (s *server) getBucketEncryption(w http.ResponseWriter, r *http.Request) error {
	b := info(r).bucket
	rule, ok, err := decodeEncryption(b.Settings[store.SettingEncryption])
	if err != nil {
		return err
	}
	if !ok {
		return errNoSuchEncryption.with(field{"BucketName", b.Name})
	}
	var doc encryptionDoc
	doc.Rule.Default.SSEAlgorithm = rule.Algorithm
	doc.Rule.Default.KMSMasterKeyID = rule.KMSKeyID
	doc.Rule.BucketKeyEnabled = rule.BucketKey
	writeXML(w, http.StatusOK, doc)
	return nil
}

// putBucketEncryption sets the bucket's default encryption. Its master
// key must be in the key ring now (a key named later would fail every
// write), and without a key ring there is nothing to encrypt with: 501.
func (s *server) putBucketEncryption(w http.ResponseWriter, r *http.Request) error {
	data, err := readConfigBody(r, maxEncryptionBody)
	if err != nil {
		return err
	}
	rule, err := parseEncryption(data)
	if err != nil {
		return err
	}
	if s.keys == nil {
		return errSSENoRing
	}
	if rule.KMSKeyID != "" && !s.keys.Has(rule.KMSKeyID) {
		return errKMSNotFound.withMessage("Invalid keyId " + rule.KMSKeyID)
	}
	enc, err := json.Marshal(rule)
	if err != nil {
		return err
	}
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingEncryption, string(enc)); err != nil {
		return fmt.Errorf("put bucket encryption: %w", err)
	}
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusOK)
	return nil
}

func (s *server) deleteBucketEncryption(w http.ResponseWriter, r *http.Request) error {
	if err := s.store.SetBucketSetting(r.Context(), info(r).bucket.Name, store.SettingEncryption, ""); err != nil {
		return fmt.Errorf("delete bucket encryption: %w", err)
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
