package console

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/amphora-s3/amphora/sigv4"
)

// Downloads and share links do not pass through the console: the page
// asks for a pre-signed GET URL of the S3 endpoint, signed by the
// session's key, and the browser (or whoever the link is given to) reads
// the object from S3 directly, which checks the signature and the key's
// rights when the URL is used, like any pre-signed URL.

// maxPresign is SigV4's longest pre-signed lifetime (7 days).
const maxPresign = 7 * 24 * time.Hour

// presignRequest asks for a link to one object (version).
type presignRequest struct {
	Bucket    string `json:"bucket"`
	Key       string `json:"key"`
	VersionID string `json:"versionId,omitempty"`
	// Expires is the link's lifetime in seconds (default 300).
	Expires int64 `json:"expires,omitempty"`
	// Download makes the browser save the object under its base name
	// (response-content-disposition: attachment).
	Download bool `json:"download,omitempty"`
}

type presignJSON struct {
	URL     string    `json:"url"`
	Expires time.Time `json:"expires"`
}

// presign answers a pre-signed GET URL.
func (c *Console) presign(w http.ResponseWriter, r *http.Request, s session) {
	var req presignRequest
	if err := readJSON(w, r, &req); err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	life := time.Duration(req.Expires) * time.Second
	if req.Expires == 0 {
		life = 5 * time.Minute
	}
	if req.Bucket == "" || req.Key == "" || life < time.Second || life > maxPresign {
		writeError(w, http.StatusBadRequest, "a link needs a bucket, a key and a lifetime between 1 second and 7 days")
		return
	}
	base := c.s3Base(r)
	q := []string{}
	if req.VersionID != "" {
		q = append(q, "versionId="+queryEscape(req.VersionID))
	}
	if req.Download {
		disp := mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(req.Key)})
		if disp == "" {
			disp = "attachment"
		}
		q = append(q, "response-content-disposition="+queryEscape(disp))
	}
	u := base.String() + "/" + pathEscape(req.Bucket) + "/" + pathEscape(req.Key)
	if len(q) > 0 {
		u += "?" + strings.Join(q, "&")
	}
	get, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		writeError(w, http.StatusBadRequest, "bad bucket or key: "+err.Error())
		return
	}
	get.Host = base.Host
	now := c.now()
	sigv4.Presign(get, s.key.ID, s.key.Secret, c.region, now, life)
	writeJSON(w, http.StatusOK, presignJSON{URL: get.URL.String(), Expires: now.Add(life).UTC().Truncate(time.Second)})
}

// s3Base is the S3 endpoint as the browser that sent r reaches it:
// Options.S3URL, its empty host replaced by the host r came to.
func (c *Console) s3Base(r *http.Request) *url.URL {
	u := *c.s3URL
	if u.Hostname() == "" {
		host := r.Host
		if h, _, err := net.SplitHostPort(r.Host); err == nil {
			host = h
		}
		if strings.Contains(host, ":") { // IPv6
			host = "[" + host + "]"
		}
		u.Host = host
		if p := c.s3URL.Port(); p != "" {
			u.Host += ":" + p
		}
	}
	return &u
}

// pathEscape escapes a bucket or key for a URL path, keeping its slashes.
func pathEscape(s string) string {
	parts := strings.Split(s, "/")
	for i, p := range parts {
		parts[i] = url.PathEscape(p)
	}
	return strings.Join(parts, "/")
}

// queryEscape escapes a query value as S3 signs it (spaces as %20).
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
