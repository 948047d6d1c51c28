package store

import (
	"encoding/json"
	"fmt"
)

// BucketSettings are a bucket's settings, by name, each encoded as its
// own package decides: one home for every setting, read with the bucket
// and cached with it. A setting that is absent has its default.
type BucketSettings map[string]string

// The settings a bucket has.
const (
	SettingACL       = "acl"       // ACL.Encode; absent: private to the owner
	SettingOwnership = "ownership" // Object Ownership; absent: the server's default
	// SettingPolicy is the bucket policy document as it was put; absent:
	// none.
	SettingPolicy = "policy"
	// SettingPublicAccessBlock is the PublicAccessBlock configuration
	// (PublicAccessBlock.Encode); absent: none, nothing blocked.
	SettingPublicAccessBlock = "publicAccessBlock"
	// SettingTagging is the bucket's tag set (Tags.Encode); absent: none.
	SettingTagging = "tagging"
	// SettingCORS is the bucket's CORS rules, encoded by the frontend
	// (frontend/cors.go); absent: none, no cross-origin request allowed.
	SettingCORS = "cors"
	// SettingLifecycle is the bucket's lifecycle configuration
	// (lifecycle.Config.Encode); absent: none.
	SettingLifecycle = "lifecycle"
	// SettingEncryption is the bucket's default encryption, encoded by
	// the frontend (frontend/bucket_encryption.go); absent: none.
	SettingEncryption = "encryption"
)

// ACL is the bucket's ACL, its owner's private one when none was set.
func (b Bucket) ACL() (ACL, error) {
	a, err := DecodeACL(b.Settings[SettingACL])
	if err != nil {
		return ACL{}, err
	}
	return a.OrPrivate(b.Owner), nil
}

// PublicAccessBlock is a bucket's Block Public Access configuration.
type PublicAccessBlock struct {
	// BlockPublicAcls refuses requests that set a public ACL.
	BlockPublicAcls bool
	// IgnorePublicAcls makes public ACL grants count for nothing.
	IgnorePublicAcls bool
	// BlockPublicPolicy refuses a public bucket policy.
	BlockPublicPolicy bool
	// RestrictPublicBuckets lets, while the policy is public, only the
	// bucket owner's principals rely on it.
	RestrictPublicBuckets bool
}

// Encode renders p for storage.
func (p PublicAccessBlock) Encode() string {
	b, _ := json.Marshal(p) // four booleans: cannot fail
	return string(b)
}

// PublicAccessBlock is b's configuration; ok is false when none is set.
func (b Bucket) PublicAccessBlock() (p PublicAccessBlock, ok bool, err error) {
	v := b.Settings[SettingPublicAccessBlock]
	if v == "" {
		return p, false, nil
	}
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return p, false, fmt.Errorf("stored public access block: %w", err)
	}
	return p, true, nil
}
