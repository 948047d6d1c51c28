package integration

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
)

// Helpers of the web console's browser test (console_test.go).

// ConsoleURL is the web console's address.
func (s *server) ConsoleURL() string { return "http://" + s.ConsoleAddr }

// click clicks the first element matching the CSS selector sel, once it
// is visible.
func click(t *testing.T, b context.Context, sel string) {
	t.Helper()
	browse(t, b, chromedp.Steps(chromedp.WaitVisible(chromedp.CSS(sel)), chromedp.Click(chromedp.CSS(sel))))
}

// typeInto replaces the value of the input sel with text, as typed.
func typeInto(t *testing.T, b context.Context, sel, text string) {
	t.Helper()
	browse(t, b, chromedp.WaitVisible(chromedp.CSS(sel)))
	evalJS[bool](t, b, fmt.Sprintf(`(() => { document.querySelector(%q).value = ""; return true; })()`, sel))
	browse(t, b, chromedp.SendKeys(chromedp.CSS(sel), text))
}

// waitJS waits until the script expression is truthy in the page, for at
// most d, and fails the test with what the page shows otherwise.
func waitJS(t *testing.T, b context.Context, expr string, d time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(b, d)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(d), chromedp.WithPollingInterval(100*time.Millisecond))); err != nil {
		page, _ := chromedp.Run(b, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
		t.Fatalf("waiting for %s: %v\npage text:\n%s", expr, err, page)
	}
}

// screenshot saves the viewport as NAME.png in the directory
// AMPHORA_SCREENSHOTS names (`make screenshots` sets it to docs/console,
// the pictures the README shows), else in a directory of the run's own,
// logged, so that a test run leaves the working tree alone.
func screenshot(t *testing.T, b context.Context, name string) {
	t.Helper()
	dir := os.Getenv("AMPHORA_SCREENSHOTS")
	if dir == "" {
		dir = filepath.Join(os.TempDir(), "amphora-console-screenshots")
		t.Logf("screenshot %s.png in %s (AMPHORA_SCREENSHOTS=docs/console to refresh the README's)", name, dir)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	evalJS[bool](t, b, `(() => { document.querySelector("#toast").hidden = true; return true; })()`)
	png := browse(t, b, chromedp.CaptureScreenshot())
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// sessionCookie is the console's session cookie in the browser (it is
// HttpOnly: the page's scripts cannot read it, the DevTools protocol can).
func sessionCookie(t *testing.T, b context.Context, consoleURL string) *http.Cookie {
	t.Helper()
	cookies := browse(t, b, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		r, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{URLs: []string{consoleURL}})
		return r.Cookies, err
	}))
	for _, c := range cookies {
		if c.Name == "amphora_session" {
			if !c.HTTPOnly || c.SameSite != network.CookieSameSiteStrict {
				t.Errorf("session cookie %+v: want HttpOnly and SameSite=Strict", c)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("no session cookie among %d", len(cookies))
	return nil
}

// consoleCall sends one request to the console from outside the browser
// (as a page of another site, or a script, would) and returns its status
// and body.
func consoleCall(t *testing.T, s *server, method, path string, cookie *http.Cookie, hdr ...string) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, s.ConsoleURL()+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := (&http.Client{Timeout: time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(body)
}

// deleteAllVersions removes every version and delete marker of a
// (versioned) bucket, then the bucket.
func deleteAllVersions(t *testing.T, c *s3.Client, bucket string) {
	ctx := testContext(t, time.Minute)
	vs, err := c.ListObjectVersions(ctx, &s3.ListObjectVersionsInput{Bucket: aws.String(bucket)})
	if err != nil {
		return
	}
	for _, v := range vs.Versions {
		c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: v.Key, VersionId: v.VersionId})
	}
	for _, m := range vs.DeleteMarkers {
		c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(bucket), Key: m.Key, VersionId: m.VersionId})
	}
	if _, err := c.DeleteBucket(ctx, &s3.DeleteBucketInput{Bucket: aws.String(bucket)}); err != nil {
		t.Errorf("delete bucket %s: %s", bucket, sdkErr(err))
	}
}

// dropFiles drops two files on the open bucket's listing, as a person
// dragging them from their desktop would: small, holding smallText, and
// big, of size bytes whose byte i is bigByte(i).
func dropFiles(t *testing.T, b context.Context, small, big string, size int) {
	t.Helper()
	evalJS[bool](t, b, fmt.Sprintf(`(() => {
  const big = new Uint8Array(%d);
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 255;
  const dt = new DataTransfer();
  dt.items.add(new File([%q], %q, {type: "text/plain"}));
  dt.items.add(new File([big], %q, {type: "application/octet-stream"}));
  const zone = document.querySelector("#dropzone");
  zone.dispatchEvent(new DragEvent("dragover", {dataTransfer: dt, bubbles: true, cancelable: true}));
  zone.dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
  return true;
})()`, size, smallText, small, big))
}

// droppedStates waits up to d for the two files dropFiles dropped to
// finish uploading, and returns each one's state and error ("done " when
// it went up), by key.
func droppedStates(t *testing.T, b context.Context, d time.Duration) map[string]string {
	t.Helper()
	waitJS(t, b, `document.querySelectorAll('#uploads-list li[data-state="running"], #uploads-list li[data-state="queued"]').length === 0 &&
		document.querySelectorAll('#uploads-list li').length === 2`, d)
	return evalJS[map[string]string](t, b, `Object.fromEntries([...document.querySelectorAll("#uploads-list li")].map(li => [li.dataset.key, li.dataset.state + " " + li.title]))`)
}
