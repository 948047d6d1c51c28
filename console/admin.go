package console

import (
	"errors"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/store"
)

// The account pages. S3 has no API for accounts and keys, so these call
// the account functions `amphora admin` calls (Options.Admin), for
// administrators only: the signed-in key's account must be marked admin
// (`amphora admin account admin ID on`) and the key not restricted to
// buckets. Everyone else gets 403 whatever they ask.

type accountJSON struct {
	ID          string    `json:"id"`
	DisplayName string    `json:"displayName"`
	Email       string    `json:"email,omitempty"`
	Admin       bool      `json:"admin"`
	Created     time.Time `json:"created"`
}

type keyJSON struct {
	AccessKey string            `json:"accessKey"`
	SecretKey string            `json:"secretKey,omitempty"` // only when created
	Account   string            `json:"account"`
	Disabled  bool              `json:"disabled"`
	Created   time.Time         `json:"created"`
	Buckets   map[string]string `json:"buckets,omitempty"`
}

func toKeyJSON(k store.AccessKey, withSecret bool) keyJSON {
	j := keyJSON{AccessKey: k.ID, Account: k.Account, Disabled: k.Disabled, Created: k.Created.UTC()}
	if withSecret {
		j.SecretKey = k.Secret
	}
	for b, p := range k.Buckets {
		if j.Buckets == nil {
			j.Buckets = map[string]string{}
		}
		j.Buckets[b] = string(p)
	}
	return j
}

// adminOnly runs h for administrators and refuses everyone else.
func (c *Console) adminOnly(h func(http.ResponseWriter, *http.Request, session)) func(http.ResponseWriter, *http.Request, session) {
	return func(w http.ResponseWriter, r *http.Request, s session) {
		a, ok := c.account(r, s)
		if !ok || !c.isAdmin(a, s) {
			writeError(w, http.StatusForbidden, "only an administrator's unrestricted key manages accounts and keys")
			return
		}
		h(w, r, s)
	}
}

func (c *Console) listAccounts(w http.ResponseWriter, r *http.Request, _ session) {
	as, err := c.admin.ListAccounts(r.Context())
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	out := make([]accountJSON, len(as))
	for i, a := range as {
		out[i] = accountJSON{a.ID, a.DisplayName, a.Email, a.Admin, a.Created.UTC()}
	}
	writeJSON(w, http.StatusOK, out)
}

type createAccountRequest struct {
	DisplayName string `json:"displayName"`
	Email       string `json:"email"`
	Admin       bool   `json:"admin"`
}

func (c *Console) createAccount(w http.ResponseWriter, r *http.Request, s session) {
	var req createAccountRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	req.DisplayName, req.Email = strings.TrimSpace(req.DisplayName), strings.TrimSpace(req.Email)
	if req.DisplayName == "" {
		writeError(w, http.StatusBadRequest, "an account needs a name")
		return
	}
	if req.Email != "" && !strings.Contains(req.Email, "@") {
		writeError(w, http.StatusBadRequest, "not an e-mail address: "+req.Email)
		return
	}
	a, err := c.admin.CreateAccount(r.Context(), store.Account{DisplayName: req.DisplayName, Email: req.Email, Admin: req.Admin})
	if errors.Is(err, store.ErrAccountExists) {
		writeError(w, http.StatusConflict, "an account with this e-mail address exists")
		return
	}
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	c.log.Info().Str("access_key", s.key.ID).Str("account", a.ID).Msg("console: account created")
	writeJSON(w, http.StatusCreated, accountJSON{a.ID, a.DisplayName, a.Email, a.Admin, a.Created.UTC()})
}

func (c *Console) listKeys(w http.ResponseWriter, r *http.Request, _ session) {
	account := r.URL.Query().Get("account")
	if _, err := c.accounts.Account(r.Context(), account); err != nil {
		c.adminFailure(w, r, err)
		return
	}
	ks, err := c.admin.ListKeys(r.Context(), account)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	sort.Slice(ks, func(i, j int) bool { return ks[i].Created.Before(ks[j].Created) })
	out := make([]keyJSON, len(ks))
	for i, k := range ks {
		out[i] = toKeyJSON(k, false)
	}
	writeJSON(w, http.StatusOK, out)
}

type createKeyRequest struct {
	Account string `json:"account"`
	// Buckets restricts the key: "photos:read,logs:readwrite"; "" none.
	Buckets string `json:"buckets"`
}

func (c *Console) createKey(w http.ResponseWriter, r *http.Request, s session) {
	var req createKeyRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	scope := map[string]store.Permission{}
	for _, item := range strings.Split(req.Buckets, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		name, perm, ok := strings.Cut(item, ":")
		p, err := store.ParsePermission(perm)
		if !ok || name == "" || err != nil {
			writeError(w, http.StatusBadRequest, "bucket restriction "+item+": want NAME:read, NAME:write or NAME:readwrite")
			return
		}
		scope[name] = p
	}
	k, err := c.admin.CreateKey(r.Context(), store.AccessKey{Account: req.Account, Buckets: scope})
	if err != nil {
		c.adminFailure(w, r, err)
		return
	}
	c.log.Info().Str("access_key", s.key.ID).Str("new_key", k.ID).Str("account", k.Account).Msg("console: key created")
	writeJSON(w, http.StatusCreated, toKeyJSON(k, true))
}

type keyStateRequest struct {
	AccessKey string `json:"accessKey"`
	Disabled  bool   `json:"disabled"`
}

func (c *Console) setKeyState(w http.ResponseWriter, r *http.Request, s session) {
	var req keyStateRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if err := c.admin.SetKeyDisabled(r.Context(), req.AccessKey, req.Disabled); err != nil {
		c.adminFailure(w, r, err)
		return
	}
	c.log.Info().Str("access_key", s.key.ID).Str("key", req.AccessKey).Bool("disabled", req.Disabled).Msg("console: key state changed")
	w.WriteHeader(http.StatusNoContent)
}

// adminFailure answers the store's "no such" errors as 404.
func (c *Console) adminFailure(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, store.ErrNoSuchAccount):
		writeError(w, http.StatusNotFound, "no such account")
	case errors.Is(err, store.ErrNoSuchAccessKey):
		writeError(w, http.StatusNotFound, "no such access key")
	default:
		c.serverError(w, r, err)
	}
}
