package frontend

import (
	"strings"
	"testing"
)

func TestNewValidatesOptions(t *testing.T) {
	_, err := New(Options{Credentials: []Credential{{AccessKey: "a"}, {AccessKey: "b:c", SecretKey: "s", Tenant: "t"}}, VirtualHostDomains: []string{"a:b"}})
	if err == nil {
		t.Fatal("New accepted bad options")
	}
	for _, want := range []string{"no store", "no region", "credential 0", "credential 1", "virtual host domain"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q does not mention %q", err, want)
		}
	}
}
