package integration

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/chromedp"
)

// The web console of the real binary on Cassandra, driven in headless
// Chromium as a person would: sign in (a wrong secret refused), create a
// bucket, drop two files on the listing (one of 40 MiB, which goes up as
// a multipart upload with its progress shown), open an object's drawer,
// make the object public and read it anonymously, make a share link and
// read it with curl, cancel an upload, delete, visit the account pages,
// sign out. Requests without the session cookie, or with a forged CSRF
// token, are refused. The main pages are saved as docs/console/*.png.

const (
	consoleBucket = "console-e2e"
	bigSize       = 40 << 20
	smallText     = "hello from the Amphora console\n"
)

// bigByte is byte i of the 40 MiB file the page builds (the same formula
// in JavaScript below).
func bigByte(i int) byte { return byte((i*31 + 7) & 255) }

func TestConsole(t *testing.T) {
	if testing.Short() {
		t.Skip("starts chromium")
	}
	s := shared(t)
	ctx := testContext(t, 10*time.Minute)

	// An administrator of the test's own, so the account pages show.
	var accounts []struct {
		ID string `json:"id"`
	}
	s.admin(t, &accounts, "account", "create", "-name", "Console Admin", "-email", "console-admin@example.com", "-admin")
	if len(accounts) != 1 {
		t.Fatalf("account create printed %+v", accounts)
	}
	admin := s.newKey(t, accounts[0].ID)
	sdk := s.sdkClient(t, admin, sdkOpts{})
	t.Cleanup(func() { deleteAllVersions(t, sdk, consoleBucket) })

	b := newBrowser(t)
	browse(t, b, chromedp.EmulateViewport(1280, 800))
	console := s.ConsoleURL()
	navigate(t, b, console+"/")
	waitJS(t, b, `!!document.querySelector("#signin-form")`, 30*time.Second)
	screenshot(t, b, "signin")

	// A wrong secret is refused, and sets no cookie.
	typeInto(t, b, "#access-key", admin.AccessKey)
	typeInto(t, b, "#secret-key", admin.SecretKey+"x")
	click(t, b, "#signin-button")
	waitJS(t, b, `document.querySelector("#signin-error").textContent.includes("wrong")`, 30*time.Second)
	if got := evalJS[bool](t, b, `document.body.dataset.signedIn === "true"`); got {
		t.Fatal("signed in with a wrong secret")
	}

	typeInto(t, b, "#secret-key", admin.SecretKey)
	click(t, b, "#signin-button")
	waitJS(t, b, `document.body.dataset.signedIn === "true" && !!document.querySelector("#create-bucket")`, 30*time.Second)
	// Script errors the page does not handle are collected, and must not happen.
	evalJS[bool](t, b, `(() => {
  window.pageErrors = [];
  addEventListener("error", e => pageErrors.push(String(e.message)));
  addEventListener("unhandledrejection", e => pageErrors.push(String(e.reason)));
  return true;
})()`)
	t.Cleanup(func() {
		if errs := evalJS[[]string](t, b, `window.pageErrors || []`); len(errs) > 0 {
			t.Errorf("script errors in the page: %q", errs)
		}
	})
	if got := evalJS[string](t, b, `document.querySelector("#who-key").textContent`); got != admin.AccessKey {
		t.Errorf("top bar shows key %q", got)
	}

	// Create a bucket.
	typeInto(t, b, "#new-bucket-name", consoleBucket)
	click(t, b, "#create-bucket button[type=submit]")
	waitJS(t, b, fmt.Sprintf(`!!document.querySelector('tr[data-bucket=%q]')`, consoleBucket), 30*time.Second)
	if _, err := sdk.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(consoleBucket)}); err != nil {
		t.Fatalf("the bucket the console created: %s", sdkErr(err))
	}
	screenshot(t, b, "buckets")

	// Drop two files on the bucket's listing.
	click(t, b, fmt.Sprintf(`tr[data-bucket=%q] a.bucket-link`, consoleBucket))
	waitJS(t, b, `!!document.querySelector("#dropzone") && !!document.querySelector("#object-table thead")`, 30*time.Second)
	evalJS[bool](t, b, `(() => {
  window.progressSeen = {};
  new MutationObserver(ms => {
    for (const m of ms) {
      const li = m.target.closest && m.target.closest("li.upload");
      if (li && li.dataset.progress) (window.progressSeen[li.dataset.key] ||= []).push(Number(li.dataset.progress));
    }
  }).observe(document.querySelector("#uploads-list"), {subtree: true, attributes: true, attributeFilter: ["data-progress"]});
  return true;
})()`)
	dropFiles(t, b, "hello.txt", "big.bin", bigSize)
	states := droppedStates(t, b, 4*time.Minute)
	if states["hello.txt"] != "done " || states["big.bin"] != "done " {
		t.Fatalf("uploads: %v", states)
	}
	progress := evalJS[map[string][]int](t, b, `window.progressSeen`)
	between := 0
	for _, p := range progress["big.bin"] {
		if p > 0 && p < 100 {
			between++
		}
	}
	if between < 2 || progress["big.bin"][len(progress["big.bin"])-1] != 100 {
		t.Errorf("progress of big.bin: %v, want values between 0 and 100, then 100", progress["big.bin"])
	}
	waitJS(t, b, `!!document.querySelector('tr[data-key="big.bin"]') && !!document.querySelector('tr[data-key="hello.txt"]')`, 30*time.Second)
	t.Logf("progress of big.bin as shown: %v", progress["big.bin"])

	// A folder, made with the New folder button.
	evalJS[bool](t, b, `(() => { window.prompt = () => "photos"; return true; })()`)
	click(t, b, "#new-folder")
	waitJS(t, b, `!!document.querySelector('tr[data-prefix="photos/"]')`, 30*time.Second)
	screenshot(t, b, "objects")

	// A folder of 120 objects, 50 to a page: one listing page per view,
	// next and previous by continuation token, and prefix search.
	for i := range 120 {
		if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(consoleBucket), Key: aws.String(fmt.Sprintf("photos/img-%03d.jpg", i)),
			Body: strings.NewReader("jpeg")}); err != nil {
			t.Fatalf("PutObject: %s", sdkErr(err))
		}
	}
	click(t, b, `tr[data-prefix="photos/"] a.folder-link`)
	waitJS(t, b, `document.querySelector("#crumbs").textContent.includes("photos") && document.querySelectorAll("#object-table tbody tr[data-key]").length > 0`, 30*time.Second)
	evalJS[bool](t, b, `(() => { const s = document.querySelector("#page-size"); s.value = "50"; s.dispatchEvent(new Event("change")); return true; })()`)
	rows := func() int {
		return evalJS[int](t, b, `document.querySelectorAll("#object-table tbody tr[data-key]").length`)
	}
	pageIs := func(n int) {
		t.Helper()
		waitJS(t, b, fmt.Sprintf(`!!document.querySelector("#page-info")?.textContent.startsWith("Page %d ")`, n), 30*time.Second)
	}
	pageIs(1)
	first := rows() // the folder's own "photos/" object is not shown
	click(t, b, "#next-page")
	pageIs(2)
	if got := rows(); got != 50 || !evalJS[bool](t, b, `!!document.querySelector('tr[data-key="photos/img-050.jpg"]') || !!document.querySelector('tr[data-key="photos/img-049.jpg"]')`) {
		t.Errorf("page 2: %d rows", got)
	}
	click(t, b, "#next-page")
	pageIs(3)
	if got := rows(); first+50+got != 120 || !evalJS[bool](t, b, `document.querySelector("#next-page").disabled && !!document.querySelector('tr[data-key="photos/img-119.jpg"]')`) {
		t.Errorf("pages of %d, 50 and %d rows for 120 objects, or a next page after the last", first, got)
	}
	click(t, b, "#prev-page")
	pageIs(2)
	typeInto(t, b, "#search", "img-11")
	browse(t, b, chromedp.KeyEvent("\r"))
	waitJS(t, b, `document.querySelectorAll("#object-table tbody tr[data-key]").length === 10 && !!document.querySelector('tr[data-key="photos/img-115.jpg"]')`, 30*time.Second)
	pageIs(1)
	click(t, b, `#crumbs a:nth-of-type(2)`)
	waitJS(t, b, `!!document.querySelector('tr[data-key="hello.txt"]')`, 30*time.Second)

	// What S3 stored: the bytes, and big.bin as a multipart object.
	got, err := sdk.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(consoleBucket), Key: aws.String("big.bin")})
	if err != nil {
		t.Fatalf("GetObject big.bin: %s", sdkErr(err))
	}
	h := sha256.New()
	n, err := io.Copy(h, got.Body)
	got.Body.Close()
	want := sha256.New()
	for i := 0; i < bigSize; i++ {
		want.Write([]byte{bigByte(i)})
	}
	if err != nil || n != bigSize || !bytes.Equal(h.Sum(nil), want.Sum(nil)) {
		t.Fatalf("big.bin: %d bytes, %v; digest differs: %v", n, err, !bytes.Equal(h.Sum(nil), want.Sum(nil)))
	}
	if etag := aws.ToString(got.ETag); !strings.HasSuffix(etag, `-5"`) {
		t.Errorf("big.bin ETag %s: want a 5-part multipart ETag (8 MiB parts)", etag)
	}
	if ct := aws.ToString(got.ContentType); ct != "application/octet-stream" {
		t.Errorf("big.bin Content-Type %q", ct)
	}

	// The object drawer; public; read anonymously.
	publicURL := s.URL() + "/" + consoleBucket + "/hello.txt"
	if code, _ := anonymousGet(t, s, publicURL); code != http.StatusForbidden {
		t.Fatalf("anonymous GET before the switch: %d, want 403", code)
	}
	click(t, b, `tr[data-key="hello.txt"] a.object-link`)
	waitJS(t, b, `!!document.querySelector("#public-switch") && !!document.querySelector("#object-overview dl") && !!document.querySelector("#share-create")`, 30*time.Second)
	screenshot(t, b, "object-drawer")
	click(t, b, "#public-switch")
	waitJS(t, b, `!document.querySelector("#public-url").hidden && document.querySelector("#public-switch").checked && !document.querySelector("#public-switch").disabled`, 30*time.Second)
	if shown := evalJS[string](t, b, `document.querySelector("#public-url input").value`); shown != publicURL {
		t.Errorf("the drawer shows the public URL %q, want %q", shown, publicURL)
	}
	resp, err := http.Get(publicURL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || string(body) != smallText {
		t.Fatalf("anonymous GET after the switch: %d %q", resp.StatusCode, body)
	}

	// A share link for an hour, read with curl.
	browse(t, b, chromedp.SetValue(chromedp.CSS("#share-lifetime"), "3600"))
	click(t, b, "#share-create")
	waitJS(t, b, `!!document.querySelector("#share-url") && document.querySelector("#share-url").value.startsWith("http")`, 30*time.Second)
	share := evalJS[string](t, b, `document.querySelector("#share-url").value`)
	if !strings.Contains(share, "X-Amz-Expires=3600") || !strings.Contains(share, "X-Amz-Credential="+admin.AccessKey) {
		t.Errorf("share link %s", share)
	}
	out, err := exec.CommandContext(ctx, "curl", "-sS", "--fail", share).CombinedOutput()
	if err != nil || string(out) != smallText {
		t.Fatalf("curl the share link: %v %q", err, out)
	}
	screenshot(t, b, "object-share")

	// The bucket drawer: turn versioning on.
	click(t, b, "#drawer-close")
	click(t, b, "#bucket-settings")
	waitJS(t, b, `!!document.querySelector("#versioning-switch") && !!document.querySelector("#bucket-policy-text") && !!document.querySelector("#bucket-cors-text")`, 30*time.Second)
	screenshot(t, b, "bucket-drawer")
	click(t, b, "#versioning-switch")
	waitJS(t, b, `document.querySelector("#bucket-versioning").textContent.includes("Status: Enabled")`, 30*time.Second)
	if v, err := sdk.GetBucketVersioning(ctx, &s3.GetBucketVersioningInput{Bucket: aws.String(consoleBucket)}); err != nil || v.Status != "Enabled" {
		t.Fatalf("versioning after the switch: %+v %s", v, sdkErr(err))
	}
	click(t, b, "#drawer-close")

	// A second version of hello.txt shows in its drawer.
	if _, err := sdk.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(consoleBucket), Key: aws.String("hello.txt"),
		Body: strings.NewReader(smallText + "v2\n"), ContentType: aws.String("text/plain")}); err != nil {
		t.Fatalf("PutObject v2: %s", sdkErr(err))
	}
	click(t, b, `tr[data-key="hello.txt"] a.object-link`)
	waitJS(t, b, `document.querySelectorAll("#object-versions tbody tr").length === 2`, 30*time.Second)
	evalJS[bool](t, b, `(() => { document.querySelector("#object-versions").scrollIntoView(); return true; })()`)
	screenshot(t, b, "object-versions")
	click(t, b, "#drawer-close")

	// A file picked with the file input, cancelled while it uploads:
	// nothing is stored and the multipart upload is aborted.
	cancelFile := filepath.Join(t.TempDir(), "cancelled.bin")
	if err := os.WriteFile(cancelFile, bytes.Repeat([]byte("c"), 24<<20), 0o600); err != nil {
		t.Fatal(err)
	}
	evalJS[bool](t, b, `(() => {
  new MutationObserver((ms, obs) => {
    const li = document.querySelector('li.upload[data-key="cancelled.bin"]');
    if (li && Number(li.dataset.progress) > 0) { li.querySelector("button.cancel").click(); obs.disconnect(); }
  }).observe(document.querySelector("#uploads-list"), {subtree: true, attributes: true, childList: true});
  return true;
})()`)
	browse(t, b, chromedp.SetUploadFiles(chromedp.CSS("#file-input"), []string{cancelFile}))
	waitJS(t, b, `document.querySelector('li.upload[data-key="cancelled.bin"]')?.dataset.state === "cancelled"`, time.Minute)
	if _, err := sdk.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(consoleBucket), Key: aws.String("cancelled.bin")}); err == nil {
		t.Error("the cancelled upload was stored")
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ups, err := sdk.ListMultipartUploads(ctx, &s3.ListMultipartUploadsInput{Bucket: aws.String(consoleBucket)})
		if err != nil {
			t.Fatalf("ListMultipartUploads: %s", sdkErr(err))
		}
		if len(ups.Uploads) == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the cancelled upload was not aborted: %d open", len(ups.Uploads))
		}
		time.Sleep(200 * time.Millisecond)
	}

	// Requests from outside the page: no cookie, or a forged CSRF token.
	cookie := sessionCookie(t, b, console)
	csrf := evalJS[string](t, b, `fetch("/api/session").then(r => r.json()).then(s => s.csrf)`)
	if code, _ := consoleCall(t, s, http.MethodGet, "/api/s3/", cookie, "X-Amphora-CSRF", csrf); code != http.StatusOK {
		t.Fatalf("the session's own call: %d", code)
	}
	for _, c := range []struct {
		name, method, path string
		cookie             *http.Cookie
		hdr                []string
		want               int
	}{
		{"no cookie, list buckets", http.MethodGet, "/api/s3/", nil, []string{"X-Amphora-CSRF", csrf}, http.StatusUnauthorized},
		{"no cookie, create a bucket", http.MethodPut, "/api/s3/console-forged", nil, []string{"X-Amphora-CSRF", csrf, "Origin", console}, http.StatusUnauthorized},
		{"forged CSRF token", http.MethodPut, "/api/s3/console-forged", cookie, []string{"X-Amphora-CSRF", strings.Repeat("x", len(csrf)), "Origin", console}, http.StatusForbidden},
		{"no CSRF token", http.MethodDelete, "/api/s3/" + consoleBucket + "/hello.txt", cookie, []string{"Origin", console}, http.StatusForbidden},
		{"another origin", http.MethodPut, "/api/s3/console-forged", cookie, []string{"X-Amphora-CSRF", csrf, "Origin", "http://evil.example"}, http.StatusForbidden},
		{"forged session cookie", http.MethodGet, "/api/s3/", &http.Cookie{Name: "amphora_session", Value: strings.Replace(cookie.Value, "|", "|9", 1)}, []string{"X-Amphora-CSRF", csrf}, http.StatusUnauthorized},
	} {
		if code, out := consoleCall(t, s, c.method, c.path, c.cookie, c.hdr...); code != c.want {
			t.Errorf("%s: %d %s, want %d", c.name, code, out, c.want)
		}
	}
	if _, err := sdk.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String("console-forged")}); err == nil {
		t.Error("a refused request created a bucket")
	}
	if _, err := sdk.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(consoleBucket), Key: aws.String("hello.txt")}); err != nil {
		t.Errorf("a refused request deleted hello.txt: %s", sdkErr(err))
	}
	// The page itself without the token is refused the same way.
	if code := evalJS[int](t, b, `fetch("/api/s3/console-forged", {method: "PUT"}).then(r => r.status)`); code != http.StatusForbidden {
		t.Errorf("a fetch without the CSRF header: %d, want 403", code)
	}

	// Delete both objects and the folder at once.
	evalJS[bool](t, b, `(() => { window.confirm = () => true; return true; })()`)
	click(t, b, `tr[data-key="hello.txt"] td.check input`)
	click(t, b, `tr[data-key="big.bin"] td.check input`)
	click(t, b, `tr[data-prefix="photos/"] td.check input`)
	click(t, b, "#delete-selected")
	waitJS(t, b, `!document.querySelector('tr[data-key="big.bin"]') && !document.querySelector('tr[data-key="hello.txt"]') &&
		!document.querySelector('tr[data-prefix="photos/"]') && !!document.querySelector("#object-table thead")`, time.Minute)
	l, err := sdk.ListObjectsV2(ctx, &s3.ListObjectsV2Input{Bucket: aws.String(consoleBucket)})
	if err != nil || len(l.Contents) != 0 {
		t.Fatalf("after deleting in the console: %v %s", l, sdkErr(err))
	}
	if vs, err := sdk.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(consoleBucket)}); err != nil || len(vs.DeleteMarkers) != 123 {
		t.Errorf("delete markers in the versioned bucket: %v %s, want 123 (hello.txt, big.bin, photos/ and its 120 objects)", vs, sdkErr(err))
	}

	// The account pages.
	navigate(t, b, console+"/#/accounts")
	waitJS(t, b, `!!document.querySelector("#account-list table")`, 30*time.Second)
	if !evalJS[bool](t, b, fmt.Sprintf(`!!document.querySelector('tr[data-account=%q]')`, accounts[0].ID)) {
		t.Error("the account list does not show the administrator's account")
	}
	screenshot(t, b, "accounts")
	navigate(t, b, console+"/#/accounts/"+accounts[0].ID)
	waitJS(t, b, fmt.Sprintf(`!!document.querySelector('tr[data-key=%q]')`, admin.AccessKey), 30*time.Second)
	screenshot(t, b, "keys")

	// Sign out: the page is back at the sign-in form and the browser's
	// session is gone.
	click(t, b, "#signout")
	waitJS(t, b, `!!document.querySelector("#signin-form")`, 30*time.Second)
	if code := evalJS[int](t, b, `fetch("/api/session").then(r => r.status)`); code != http.StatusUnauthorized {
		t.Errorf("after signing out, /api/session: %d, want 401", code)
	}
	var info map[string]any
	if code, out := consoleCall(t, s, http.MethodGet, "/api/session", nil); code != http.StatusUnauthorized || json.Unmarshal([]byte(out), &info) != nil {
		t.Errorf("no cookie: %d %s", code, out)
	}
}
