package integration

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// chromiumPath is Debian's chromium, which scripts/test-deps.sh installs.
const chromiumPath = "/usr/bin/chromium"

// newBrowser starts a headless Chromium of the test's own and returns a
// context to drive a tab of it with chromedp; the browser stops when the
// test ends. The browser enforces CORS and submits forms itself, so what
// a test sees through it is what a web page would see.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if _, err := exec.LookPath(chromiumPath); err != nil {
		t.Fatalf("chromium not installed (scripts/test-deps.sh installs it): %v", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromiumPath),
		chromedp.Flag("headless", "new"),
		chromedp.NoSandbox, // tests may run as root
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelTab(); cancelAlloc() })
	// Start the browser now (the first Run on ctx allocates it and must
	// not carry a deadline: its end would stop the browser), so that a
	// broken install fails here.
	if _, err := chromedp.Run(ctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	return ctx
}

// navigate loads url in the tab and waits for the page to load.
func navigate(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	browse(t, ctx, chromedp.Navigate(url))
}

// browse runs an action in the tab with a deadline, failing the test on
// error, and returns its value.
func browse[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// evalJS evaluates a script expression in the page, waiting for it when
// it is a promise, and decodes its (JSON) value.
func evalJS[T any](t *testing.T, ctx context.Context, expr string) T {
	t.Helper()
	return browse(t, ctx, chromedp.Evaluate[T](expr, chromedp.EvalAwaitPromise))
}

// serveSite serves h on a port of its own on 127.0.0.1 and returns its
// origin ("http://127.0.0.1:PORT"): a page from there is cross-origin to
// the Amphora server under test (same host, another port).
func serveSite(t *testing.T, h http.Handler) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Close() })
	return "http://" + l.Addr().String()
}

// TestBrowserStarts proves the browser harness itself: Chromium starts,
// loads a page from a test site and runs its script.
func TestBrowserStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("starts chromium")
	}
	site := serveSite(t, http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(`<!doctype html><title>t</title><script>document.title = "ran " + (1 + 1)</script>`))
	}))
	ctx := newBrowser(t)
	navigate(t, ctx, site+"/")
	title := browse(t, ctx, chromedp.Title())
	if title != "ran 2" {
		t.Fatalf("title %q, want %q", title, "ran 2")
	}
	if got := evalJS[int](t, ctx, `Promise.resolve(40 + 2)`); got != 42 {
		t.Fatalf("evalJS: %d, want 42", got)
	}
}
