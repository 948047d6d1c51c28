package policy

import "strings"

// resourceKind is what an action's resource ARN names.
type resourceKind byte

const (
	kindBucket resourceKind = 'b' // arn:aws:s3:::bucket
	kindObject resourceKind = 'o' // arn:aws:s3:::bucket/key
	kindAny    resourceKind = '*'
)

// actions are the S3 actions a bucket policy may name, lowercased, with
// the resource each applies to (the IAM service authorization reference
// for Amazon S3). Names not listed are refused as S3 refuses them, so a
// typo never becomes a statement that silently matches nothing.
var actions = map[string]resourceKind{
	"s3:abortmultipartupload":             kindObject,
	"s3:bypassgovernanceretention":        kindObject,
	"s3:createbucket":                     kindBucket,
	"s3:deletebucket":                     kindBucket,
	"s3:deletebucketownershipcontrols":    kindBucket,
	"s3:deletebucketpolicy":               kindBucket,
	"s3:deletebucketwebsite":              kindBucket,
	"s3:deleteobject":                     kindObject,
	"s3:deleteobjecttagging":              kindObject,
	"s3:deleteobjectversion":              kindObject,
	"s3:deleteobjectversiontagging":       kindObject,
	"s3:getaccelerateconfiguration":       kindBucket,
	"s3:getanalyticsconfiguration":        kindBucket,
	"s3:getbucketacl":                     kindBucket,
	"s3:getbucketcors":                    kindBucket,
	"s3:getbucketlocation":                kindBucket,
	"s3:getbucketlogging":                 kindBucket,
	"s3:getbucketnotification":            kindBucket,
	"s3:getbucketobjectlockconfiguration": kindBucket,
	"s3:getbucketownershipcontrols":       kindBucket,
	"s3:getbucketpolicy":                  kindBucket,
	"s3:getbucketpolicystatus":            kindBucket,
	"s3:getbucketpublicaccessblock":       kindBucket,
	"s3:getbucketrequestpayment":          kindBucket,
	"s3:getbuckettagging":                 kindBucket,
	"s3:getbucketversioning":              kindBucket,
	"s3:getbucketwebsite":                 kindBucket,
	"s3:getencryptionconfiguration":       kindBucket,
	"s3:getinventoryconfiguration":        kindBucket,
	"s3:getlifecycleconfiguration":        kindBucket,
	"s3:getmetricsconfiguration":          kindBucket,
	"s3:getobject":                        kindObject,
	"s3:getobjectacl":                     kindObject,
	"s3:getobjectattributes":              kindObject,
	"s3:getobjectlegalhold":               kindObject,
	"s3:getobjectretention":               kindObject,
	"s3:getobjecttagging":                 kindObject,
	"s3:getobjecttorrent":                 kindObject,
	"s3:getobjectversion":                 kindObject,
	"s3:getobjectversionacl":              kindObject,
	"s3:getobjectversionattributes":       kindObject,
	"s3:getobjectversiontagging":          kindObject,
	"s3:getreplicationconfiguration":      kindBucket,
	"s3:listallmybuckets":                 kindAny,
	"s3:listbucket":                       kindBucket,
	"s3:listbucketmultipartuploads":       kindBucket,
	"s3:listbucketversions":               kindBucket,
	"s3:listmultipartuploadparts":         kindObject,
	"s3:putaccelerateconfiguration":       kindBucket,
	"s3:putanalyticsconfiguration":        kindBucket,
	"s3:putbucketacl":                     kindBucket,
	"s3:putbucketcors":                    kindBucket,
	"s3:putbucketlogging":                 kindBucket,
	"s3:putbucketnotification":            kindBucket,
	"s3:putbucketobjectlockconfiguration": kindBucket,
	"s3:putbucketownershipcontrols":       kindBucket,
	"s3:putbucketpolicy":                  kindBucket,
	"s3:putbucketpublicaccessblock":       kindBucket,
	"s3:putbucketrequestpayment":          kindBucket,
	"s3:putbuckettagging":                 kindBucket,
	"s3:putbucketversioning":              kindBucket,
	"s3:putbucketwebsite":                 kindBucket,
	"s3:putencryptionconfiguration":       kindBucket,
	"s3:putinventoryconfiguration":        kindBucket,
	"s3:putlifecycleconfiguration":        kindBucket,
	"s3:putmetricsconfiguration":          kindBucket,
	"s3:putobject":                        kindObject,
	"s3:putobjectacl":                     kindObject,
	"s3:putobjectlegalhold":               kindObject,
	"s3:putobjectretention":               kindObject,
	"s3:putobjecttagging":                 kindObject,
	"s3:putobjectversionacl":              kindObject,
	"s3:putobjectversiontagging":          kindObject,
	"s3:putreplicationconfiguration":      kindBucket,
	"s3:replicateobject":                  kindObject,
	"s3:restoreobject":                    kindObject,
}

// validAction accepts a lowercased action: a known S3 action, or a
// pattern with wildcards in the s3 namespace ("s3:*", "s3:Get*", "*").
func validAction(a string) bool {
	if a == "*" {
		return true
	}
	if _, ok := actions[a]; ok {
		return true
	}
	name, ok := strings.CutPrefix(a, "s3:")
	return ok && name != "" && strings.ContainsAny(name, "*?")
}

// kindOf is what a resource pattern names.
func kindOf(resource string) resourceKind {
	if resource == "*" {
		return kindAny
	}
	rest := strings.TrimPrefix(resource, "arn:aws:s3:::")
	if strings.Contains(rest, "/") {
		return kindObject
	}
	if strings.HasSuffix(rest, "*") {
		return kindAny // "bucket*" also matches "bucket/key"
	}
	return kindBucket
}

// actionsFitResources reports whether some action applies to some
// resource, as S3 requires of each statement.
func actionsFitResources(acts, resources []string) bool {
	for _, a := range acts {
		ak, known := actions[a]
		if !known {
			return true // a wildcard pattern: it may name either kind
		}
		for _, r := range resources {
			rk := kindOf(r)
			if ak == kindAny || rk == kindAny || ak == rk {
				return true
			}
		}
	}
	return false
}
