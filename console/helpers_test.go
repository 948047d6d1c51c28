package console

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/amphora-s3/amphora/frontend"
	"github.com/amphora-s3/amphora/store"
	"github.com/amphora-s3/amphora/store/memstore"
)

const (
	testRegion = "us-east-1"

	// aliceKey is a config file key; the others live in the account store.
	aliceKey, aliceSecret = "AKALICE", "alice-secret-0123456789"
	bobKey, bobSecret     = "AKBOB", "bob-secret-0123456789"
	adminKey, adminSecret = "AKADMIN", "admin-secret-0123456789"
	// scopedKey belongs to the admin account but may only read "shared".
	scopedKey, scopedSecret = "AKSCOPED", "scoped-secret-0123456789"
)

// world is an S3 frontend over memstore and the console over it, each
// behind an httptest.Server, as `amphora serve` wires them.
type world struct {
	s3      *httptest.Server
	console *httptest.Server
	c       *Console
	accts   *fakeAccounts
	logs    *strings.Builder
	now     func() time.Time
}

func newWorld(t *testing.T) *world {
	t.Helper()
	accts := newFakeAccounts()
	accts.add(store.Account{ID: "tenant-alice", DisplayName: "Alice"})
	accts.add(store.Account{ID: "bob-id", DisplayName: "Bob"})
	accts.add(store.Account{ID: "admin-id", DisplayName: "Root", Admin: true})
	accts.addKey(store.AccessKey{ID: bobKey, Secret: bobSecret, Account: "bob-id"})
	accts.addKey(store.AccessKey{ID: adminKey, Secret: adminSecret, Account: "admin-id"})
	accts.addKey(store.AccessKey{ID: scopedKey, Secret: scopedSecret, Account: "admin-id",
		Buckets: map[string]store.Permission{"shared": store.PermRead}})
	w := &world{accts: accts, logs: &strings.Builder{}}
	var mu sync.Mutex
	logw := writerFunc(func(p []byte) (int, error) { mu.Lock(); defer mu.Unlock(); return w.logs.Write(p) })
	s3h, err := frontend.New(frontend.Options{
		Store:       memstore.New(),
		Credentials: []frontend.Credential{{AccessKey: aliceKey, SecretKey: aliceSecret, Tenant: "tenant-alice", DisplayName: "Alice"}},
		Accounts:    accts,
		Region:      testRegion,
		Logger:      zerolog.New(logw),
	})
	if err != nil {
		t.Fatal(err)
	}
	w.s3 = httptest.NewServer(s3h)
	t.Cleanup(w.s3.Close)
	w.c, err = New(Options{
		S3: s3h, Keys: frontend.KeyLookup(s3h), Accounts: accts, Admin: accts,
		Region: testRegion, S3URL: w.s3.URL, Logger: zerolog.New(logw),
		Now: func() time.Time { return w.clock() },
	})
	if err != nil {
		t.Fatal(err)
	}
	w.console = httptest.NewServer(w.c)
	t.Cleanup(w.console.Close)
	return w
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// clock is the console's clock: w.now when a test sets it.
func (w *world) clock() time.Time {
	if w.now != nil {
		return w.now()
	}
	return time.Now()
}

// browser is a client of the console with a cookie jar, sending the
// headers a same-origin page sends.
type browser struct {
	t      *testing.T
	w      *world
	client *http.Client
	csrf   string
}

func (w *world) browser(t *testing.T) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, w: w, client: &http.Client{Jar: jar}}
}

// do sends a request to the console with the page's Origin and CSRF
// token; hdr adds or, with "", removes headers.
func (b *browser) do(method, path string, body io.Reader, hdr ...string) (*http.Response, string) {
	b.t.Helper()
	req, err := http.NewRequest(method, b.w.console.URL+path, body)
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Origin", b.w.console.URL)
	if b.csrf != "" {
		req.Header.Set(csrfHeader, b.csrf)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		if hdr[i+1] == "" {
			req.Header.Del(hdr[i])
		} else {
			req.Header.Set(hdr[i], hdr[i+1])
		}
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatal(err)
	}
	return resp, string(out)
}

// login signs in and keeps the session's CSRF token.
func (b *browser) login(ak, sk string) (*http.Response, sessionJSON) {
	b.t.Helper()
	body, _ := json.Marshal(loginRequest{AccessKey: ak, SecretKey: sk})
	resp, out := b.do(http.MethodPost, "/api/login", strings.NewReader(string(body)), "Content-Type", "application/json")
	var s sessionJSON
	if resp.StatusCode == http.StatusOK {
		if err := json.Unmarshal([]byte(out), &s); err != nil {
			b.t.Fatalf("login answer %q: %v", out, err)
		}
		b.csrf = s.CSRF
	}
	return resp, s
}

func (b *browser) mustLogin(ak, sk string) sessionJSON {
	b.t.Helper()
	resp, s := b.login(ak, sk)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("login %s: %d", ak, resp.StatusCode)
	}
	return s
}

// s3 sends an S3 request through the console and fails the test unless
// it gets want.
func (b *browser) s3(want int, method, path string, body string, hdr ...string) string {
	b.t.Helper()
	resp, out := b.do(method, "/api/s3"+path, reader(body), hdr...)
	if resp.StatusCode != want {
		b.t.Fatalf("%s /api/s3%s: %d, want %d: %s", method, path, resp.StatusCode, want, out)
	}
	return out
}

// fakeAccounts is an account store with the admin functions: what
// cassandra.Store is to `amphora serve`.
type fakeAccounts struct {
	mu       sync.Mutex
	accounts map[string]store.Account
	keys     map[string]store.AccessKey
	n        int
}

func newFakeAccounts() *fakeAccounts {
	return &fakeAccounts{accounts: map[string]store.Account{}, keys: map[string]store.AccessKey{}}
}

func (f *fakeAccounts) add(a store.Account) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.accounts[a.ID] = a
}

func (f *fakeAccounts) addKey(k store.AccessKey) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.keys[k.ID] = k
}

func (f *fakeAccounts) AccessKey(_ context.Context, id string) (store.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return k, fmt.Errorf("key %q: %w", id, store.ErrNoSuchAccessKey)
	}
	k.Buckets = maps.Clone(k.Buckets)
	return k, nil
}

func (f *fakeAccounts) Account(_ context.Context, id string) (store.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	a, ok := f.accounts[id]
	if !ok {
		return a, fmt.Errorf("account %q: %w", id, store.ErrNoSuchAccount)
	}
	return a, nil
}

func (f *fakeAccounts) AccountByEmail(_ context.Context, email string) (store.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, a := range f.accounts {
		if a.Email != "" && strings.EqualFold(a.Email, email) {
			return a, nil
		}
	}
	return store.Account{}, store.ErrNoSuchAccount
}

func (f *fakeAccounts) ListAccounts(context.Context) ([]store.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := slices.Collect(maps.Values(f.accounts))
	slices.SortFunc(out, func(a, b store.Account) int { return strings.Compare(a.ID, b.ID) })
	return out, nil
}

func (f *fakeAccounts) CreateAccount(_ context.Context, a store.Account) (store.Account, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.n++
	a.ID, a.Created = fmt.Sprintf("acct-%d", f.n), time.Now()
	f.accounts[a.ID] = a
	return a, nil
}

func (f *fakeAccounts) ListKeys(_ context.Context, account string) ([]store.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []store.AccessKey
	for _, k := range f.keys {
		if k.Account == account {
			k.Secret = ""
			out = append(out, k)
		}
	}
	return out, nil
}

func (f *fakeAccounts) CreateKey(_ context.Context, k store.AccessKey) (store.AccessKey, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, ok := f.accounts[k.Account]; !ok {
		return k, store.ErrNoSuchAccount
	}
	f.n++
	k.ID, k.Secret, k.Created = fmt.Sprintf("AKNEW%d", f.n), fmt.Sprintf("new-secret-%d-0123456789", f.n), time.Now()
	f.keys[k.ID] = k
	return k, nil
}

func (f *fakeAccounts) SetKeyDisabled(_ context.Context, id string, disabled bool) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	k, ok := f.keys[id]
	if !ok {
		return store.ErrNoSuchAccessKey
	}
	k.Disabled = disabled
	f.keys[id] = k
	return nil
}

// setSecret gives a key a new secret (what rotating it would do).
func (f *fakeAccounts) setSecret(id, secret string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	k := f.keys[id]
	k.Secret = secret
	f.keys[id] = k
}
