package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/amphora-s3/amphora/internal/testcassandra"
)

// adminEnv is a config on a fresh keyspace, schema applied, with one
// config-file key whose account serve and admin bootstrap.
func adminEnv(t *testing.T) string {
	t.Helper()
	hosts := testcassandra.Hosts(t)
	ks := testcassandra.Keyspace(t, hosts)
	quoted := make([]string, len(hosts))
	for i, h := range hosts {
		quoted[i] = fmt.Sprintf("%q", h)
	}
	cfg := writeConfig(t, fmt.Sprintf(`
[cassandra]
hosts = [%s]
keyspace = %q
consistency = "ONE"
serial_consistency = "SERIAL"
[cassandra.replication]
class = "SimpleStrategy"
factor = 1
[accounts]
master_key = %q
key_cache_ttl = "0s"
[[credentials]]
access_key = "AKCONFIG0000000000"
secret_key = "config-secret-0123456789"
tenant = "config-tenant"
display_name = "Config Tenant"
`, strings.Join(quoted, ", "), ks, base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{9}, 32))))
	var out bytes.Buffer
	if err := run(context.Background(), []string{"schema", "apply", "-config", cfg}, &out); err != nil {
		t.Fatal(err)
	}
	return cfg
}

// adm runs `amphora admin -config cfg -json args...` and decodes its JSON
// into a fresh *v (so that fields a reply leaves out read as zero).
func adm[T any](t *testing.T, cfg string, v *T, args ...string) error {
	t.Helper()
	var out bytes.Buffer
	err := run(context.Background(), append([]string{"admin", "-config", cfg, "-json"}, args...), &out)
	if err == nil && v != nil {
		var fresh T
		if jerr := json.Unmarshal(out.Bytes(), &fresh); jerr != nil {
			t.Fatalf("admin %v: output is not JSON: %v\n%s", args, jerr, out.String())
		}
		*v = fresh
	}
	return err
}

func TestAdminCLI(t *testing.T) {
	cfg := adminEnv(t)
	var accts []accountJSON
	if err := adm(t, cfg, &accts, "account", "create", "-name", "Bob", "-email", "bob@example.com"); err != nil {
		t.Fatal(err)
	}
	if len(accts) != 1 || len(accts[0].ID) != 64 || accts[0].Email != "bob@example.com" {
		t.Fatalf("created %+v", accts)
	}
	bob := accts[0].ID
	if err := adm[any](t, cfg, nil, "account", "create", "-name", "Bobby", "-email", "BOB@example.com"); err == nil || !strings.Contains(err.Error(), "exists") {
		t.Errorf("a second account with bob's e-mail: %v", err)
	}
	if err := adm(t, cfg, &accts, "account", "list"); err != nil || len(accts) != 2 {
		t.Errorf("account list (bob and the config file's account): %+v, %v", accts, err)
	}
	if err := adm(t, cfg, &accts, "account", "admin", bob, "on"); err != nil || !accts[0].Admin {
		t.Errorf("account admin on: %+v, %v", accts, err)
	}

	var keys []keyJSON
	if err := adm(t, cfg, &keys, "key", "create", bob, "-bucket", "photos:read", "-bucket", "docs:rw"); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].SecretKey == "" || keys[0].Buckets["photos"] != "read" || keys[0].Buckets["docs"] != "readwrite" {
		t.Fatalf("created key %+v", keys)
	}
	key := keys[0].AccessKey
	if err := adm(t, cfg, &keys, "key", "list", bob); err != nil || len(keys) != 1 || keys[0].SecretKey != "" {
		t.Errorf("key list must not show secrets: %+v, %v", keys, err)
	}
	if err := adm[any](t, cfg, nil, "key", "disable", key); err != nil {
		t.Fatal(err)
	}
	if err := adm(t, cfg, &keys, "key", "show", key); err != nil || !keys[0].Disabled {
		t.Errorf("after disable: %+v, %v", keys, err)
	}
	if err := adm[any](t, cfg, nil, "key", "enable", key); err != nil {
		t.Fatal(err)
	}
	if err := adm(t, cfg, &keys, "key", "unrestrict", key); err != nil || keys[0].Buckets != nil || keys[0].Disabled {
		t.Errorf("after enable and unrestrict: %+v, %v", keys, err)
	}
	if err := adm(t, cfg, &keys, "key", "restrict", key, "-bucket", "photos:write"); err != nil || keys[0].Buckets["photos"] != "write" {
		t.Errorf("after restrict: %+v, %v", keys, err)
	}
	if err := adm[any](t, cfg, nil, "account", "delete", bob); err == nil || !strings.Contains(err.Error(), "keys first") {
		t.Errorf("deleting an account with a key: %v", err)
	}
	if err := adm[any](t, cfg, nil, "key", "delete", key); err != nil {
		t.Fatal(err)
	}
	if err := adm[any](t, cfg, nil, "account", "delete", bob); err != nil {
		t.Fatal(err)
	}

	// Human output: the secret once, in plain words.
	var out bytes.Buffer
	if err := run(context.Background(), []string{"admin", "-config", cfg, "key", "create", "config-tenant"}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "shown this once") || !strings.Contains(out.String(), "config-tenant") {
		t.Errorf("human key create output:\n%s", out.String())
	}

	for _, bad := range []struct {
		args []string
		want string
	}{
		{[]string{"account", "frobnicate"}, "unknown command"},
		{[]string{"account"}, "a command is needed"},
		{[]string{"account", "show"}, "want ACCOUNT"},
		{[]string{"account", "show", "nobody"}, "no such account"},
		{[]string{"account", "create"}, "-name is required"},
		{[]string{"account", "create", "-name", "X", "-email", "not-an-address"}, "not an e-mail address"},
		{[]string{"account", "admin", "config-tenant", "maybe"}, "want on or off"},
		{[]string{"key", "create", "nobody"}, "no such account"},
		{[]string{"key", "create", "config-tenant", "-bucket", "photos"}, "NAME:PERM"},
		{[]string{"key", "create", "config-tenant", "-bucket", "photos:admin"}, "read, write or readwrite"},
		{[]string{"key", "disable", "AKNOPE"}, "no such access key"},
		{[]string{"key", "restrict", "AKNOPE"}, "at least one -bucket"},
	} {
		err := adm[any](t, cfg, nil, bad.args...)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("admin %v: %v, want an error saying %q", bad.args, err, bad.want)
		}
	}
}
