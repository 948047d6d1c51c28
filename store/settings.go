package store

// BucketSettings are a bucket's settings, by name, each encoded as its
// own package decides: one home for every setting, read with the bucket
// and cached with it. A setting that is absent has its default.
type BucketSettings map[string]string

// The settings a bucket has.
const (
	SettingACL       = "acl"       // ACL.Encode; absent: private to the owner
	SettingOwnership = "ownership" // Object Ownership; absent: the server's default
)

// ACL is the bucket's ACL, its owner's private one when none was set.
func (b Bucket) ACL() (ACL, error) {
	a, err := DecodeACL(b.Settings[SettingACL])
	if err != nil {
		return ACL{}, err
	}
	return a.OrPrivate(b.Owner), nil
}
