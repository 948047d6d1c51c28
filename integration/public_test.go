package integration

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// anonymousGet fetches url with no credentials at all, as a browser or
// curl would.
func anonymousGet(t *testing.T, s *server, url string) (int, []byte) {
	t.Helper()
	c := &http.Client{Transport: s.transport(), Timeout: time.Minute}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// The s3cmd users' path to a public URL and back: put --acl-public
// prints a public URL that answers an anonymous GET with the bytes;
// setacl --acl-private makes it 403 again, --acl-public 200;
// --acl-grant=read:<e-mail> lets another account read it; info shows
// the ACL. And the aws cli's get-object-acl / put-object-acl agree.
func TestPublicURLS3cmd(t *testing.T) {
	s := newServer(t, defaultOptions())
	// A second account with an e-mail address, and its key.
	var accts []struct {
		ID string `json:"id"`
	}
	s.admin(t, &accts, "account", "create", "-name", "Carol", "-email", "carol@example.com")
	carol := s.newKey(t, accts[0].ID)
	carol.Name = accts[0].ID

	c := newS3cmd(t, s, tenantA, false)
	const bucket = "public-url"
	c.run(t, "mb", "s3://"+bucket)
	local := c.path("picture.jpg")
	want := writeFile(t, local, nil, 31, 5000)
	out := c.run(t, "put", "--acl-public", local, "s3://"+bucket+"/picture.jpg")
	m := regexp.MustCompile(`Public URL of the object is: (\S+)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("s3cmd put --acl-public printed no public URL:\n%s", out)
	}
	url := m[1]
	if status, body := anonymousGet(t, s, url); status != http.StatusOK || md5Hex(body) != want.MD5 {
		t.Fatalf("anonymous GET of the public URL %s: %d, %d bytes", url, status, len(body))
	}

	c.run(t, "setacl", "--acl-private", "s3://"+bucket+"/picture.jpg")
	if status, _ := anonymousGet(t, s, url); status != http.StatusForbidden {
		t.Errorf("anonymous GET after --acl-private: %d, want 403", status)
	}
	c.run(t, "setacl", "--acl-public", "s3://"+bucket+"/picture.jpg")
	if status, _ := anonymousGet(t, s, url); status != http.StatusOK {
		t.Errorf("anonymous GET after --acl-public: %d, want 200", status)
	}
	c.run(t, "setacl", "--acl-private", "s3://"+bucket+"/picture.jpg")

	other := newS3cmd(t, s, carol, false)
	back := other.path("back.jpg")
	if _, err := other.try("get", "s3://"+bucket+"/picture.jpg", back); err == nil {
		t.Fatal("carol reads a private object of tenant A")
	}
	c.run(t, "setacl", "--acl-grant=read:carol@example.com", "s3://"+bucket+"/picture.jpg")
	other.run(t, "get", "--force", "s3://"+bucket+"/picture.jpg", back)
	if got := fileDigest(t, back).MD5; got != want.MD5 {
		t.Errorf("carol's copy: md5 %s, want %s", got, want.MD5)
	}
	info := c.run(t, "info", "s3://"+bucket+"/picture.jpg")
	if !strings.Contains(info, "Carol: READ") && !strings.Contains(info, carol.Name+": READ") {
		t.Errorf("s3cmd info does not show carol's grant:\n%s", info)
	}

	aws := newAWSCLI(t, s, tenantA, awsOpts{})
	var acl struct {
		Grants []struct {
			Grantee    struct{ ID, URI string }
			Permission string
		}
	}
	aws.run(t, "s3api", "put-object-acl", "--bucket", bucket, "--key", "picture.jpg", "--acl", "public-read")
	aws.json(t, &acl, "s3api", "get-object-acl", "--bucket", bucket, "--key", "picture.jpg")
	var public bool
	for _, g := range acl.Grants {
		public = public || g.Grantee.URI == "http://acs.amazonaws.com/groups/global/AllUsers" && g.Permission == "READ"
	}
	if !public {
		t.Errorf("get-object-acl after put-object-acl public-read: %+v", acl)
	}
	// Virtual-hosted style, as the bucket's own host name serves it.
	vurl := "http://" + bucket + ".localhost:" + s.port() + "/picture.jpg"
	if status, body := anonymousGet(t, s, vurl); status != http.StatusOK || md5Hex(body) != want.MD5 {
		t.Errorf("anonymous virtual-host GET %s: %d", vurl, status)
	}
}
