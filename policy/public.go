package policy

import "strings"

// fixingKeys are the condition keys that, given fixed values, restrict a
// statement for everyone to known parties ("The meaning of public" in
// the S3 User Guide).
var fixingKeys = map[string]bool{
	"aws:sourceip":         true,
	"aws:sourcearn":        true,
	"aws:sourcevpc":        true,
	"aws:sourcevpce":       true,
	"aws:sourceowner":      true,
	"aws:sourceaccount":    true,
	"aws:userid":           true,
	"aws:principalaccount": true,
	"aws:principalorgid":   true,
	"s3:x-amz-server-side-encryption-aws-kms-key-id": true,
}

// Public reports whether p grants anything to everyone: an Allow
// statement whose principal is "*" with no condition that fixes who may
// use it (a CIDR set on aws:SourceIp other than /0, or a fixed value of
// one of the keys S3 names). This is what BlockPublicPolicy refuses and
// GetBucketPolicyStatus reports.
func (p *Policy) Public() bool {
	if p == nil {
		return false
	}
	for i := range p.Statements {
		st := &p.Statements[i]
		if st.Effect == Allow && st.Principal != nil && st.Principal.Everyone && !fixed(st.Conditions) {
			return true
		}
	}
	return false
}

// fixed reports whether some condition limits a statement to fixed
// sources.
func fixed(conds []Condition) bool {
	for _, c := range conds {
		if !fixingKeys[c.Key] || c.op.negated || c.op.null || c.ifExists || c.set == "forallvalues" {
			continue
		}
		ok := true
		for _, v := range c.Values {
			if strings.ContainsAny(v, "*?") || strings.Contains(v, "${") {
				ok = false
			}
			if c.Key == "aws:sourceip" {
				if pfx, err := parsePrefix(v); err != nil || pfx.Bits() == 0 {
					ok = false
				}
			}
		}
		if ok {
			return true
		}
	}
	return false
}
