package console

import (
	"embed"
	"io/fs"
	"net/http"
)

// web holds the console's page: HTML, CSS and plain JavaScript modules,
// served as they are (no framework, no build step).
//
//go:embed web
var web embed.FS

// staticHandler serves the page: index.html at /, the rest by name.
func staticHandler() http.Handler {
	sub, err := fs.Sub(web, "web")
	if err != nil {
		panic(err) // the embedded tree always has web/
	}
	files := http.FileServerFS(sub)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		// The page is small and changes with the binary: always revalidate.
		w.Header().Set("Cache-Control", "no-cache")
		files.ServeHTTP(w, r)
	})
}
