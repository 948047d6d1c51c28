// Package schema holds Amphora's Cassandra schema as versioned CQL files,
// embedded in the binary and applied in order by cassandra.ApplySchema.
//
// Each file cql/NNNN_name.cql is one migration. Its statements are
// idempotent (CREATE ... IF NOT EXISTS, ALTER TABLE ... ADD IF NOT
// EXISTS) so a migration interrupted half way can simply be applied again. Statements carry placeholders that the
// applier fills in with Render:
//
//	{{keyspace}}    the keyspace name (a validated CQL identifier)
//	{{replication}} the replication map, e.g. {'class': 'NetworkTopologyStrategy', 'dc1': 3}
//	{{id}}          a table id derived from keyspace and table name
//
// Why {{id}}: two processes that create the same table at the same time on
// different coordinators would otherwise each pick a random table id, and
// Cassandra (before 5.1's transactional metadata) can keep both, losing the
// writes made to one of them (CASSANDRA-10699, CASSANDRA-15844). With the
// id a pure function of the names, concurrent creations describe the very
// same table and converge.
//
// Migrations are append-only: never edit a released file, add a new one.
package schema

import (
	"crypto/sha1"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

//go:embed cql/*.cql
var files embed.FS

// Migration is one versioned CQL file.
type Migration struct {
	Version    int    // from the file name's numeric prefix; strictly increasing
	Name       string // the rest of the file name, without extension
	Statements []string
}

var fileName = regexp.MustCompile(`^(\d{4})_([a-z0-9_]+)\.cql$`)

// Migrations returns every embedded migration in version order.
func Migrations() ([]Migration, error) {
	return parseFS(files, "cql")
}

func parseFS(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var ms []Migration
	for _, e := range entries {
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migration file %q: name must look like 0001_name.cql", e.Name())
		}
		v, _ := strconv.Atoi(m[1])
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", e.Name(), err)
		}
		stmts, err := Split(string(b))
		if err != nil {
			return nil, fmt.Errorf("migration %s: %w", e.Name(), err)
		}
		if len(stmts) == 0 {
			return nil, fmt.Errorf("migration %s: no statements", e.Name())
		}
		ms = append(ms, Migration{Version: v, Name: m[2], Statements: stmts})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].Version < ms[j].Version })
	for i := range ms {
		if ms[i].Version < 1 {
			return nil, fmt.Errorf("migration %04d_%s: versions start at 1", ms[i].Version, ms[i].Name)
		}
		if i > 0 && ms[i].Version == ms[i-1].Version {
			return nil, fmt.Errorf("migration version %d used twice", ms[i].Version)
		}
	}
	return ms, nil
}

// Split cuts CQL text into statements at semicolons outside string
// literals, dropping "--" and "//" line comments and surrounding space.
// Block comments are not supported.
func Split(text string) ([]string, error) {
	var (
		stmts []string
		cur   strings.Builder
		inStr bool
	)
	flush := func() {
		if s := strings.TrimSpace(cur.String()); s != "" {
			stmts = append(stmts, s)
		}
		cur.Reset()
	}
	for i := 0; i < len(text); i++ {
		c := text[i]
		switch {
		case inStr:
			cur.WriteByte(c)
			if c == '\'' {
				if i+1 < len(text) && text[i+1] == '\'' { // escaped quote
					cur.WriteByte('\'')
					i++
				} else {
					inStr = false
				}
			}
		case c == '\'':
			inStr = true
			cur.WriteByte(c)
		case (c == '-' || c == '/') && i+1 < len(text) && text[i+1] == c:
			for i < len(text) && text[i] != '\n' {
				i++
			}
			cur.WriteByte('\n')
		case c == ';':
			flush()
		default:
			cur.WriteByte(c)
		}
	}
	if inStr {
		return nil, fmt.Errorf("unterminated string literal")
	}
	flush()
	return stmts, nil
}

var (
	identifier = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]{0,47}$`)
	createdTbl = regexp.MustCompile(`(?is)^CREATE\s+TABLE\s+IF\s+NOT\s+EXISTS\s+\{\{keyspace\}\}\.([A-Za-z0-9_]+)`)
)

// ValidKeyspace reports whether name can be used unquoted as a keyspace:
// a letter, then up to 47 letters, digits or underscores.
func ValidKeyspace(name string) bool { return identifier.MatchString(name) }

// Render returns m's statements with the placeholders filled in.
// replication is the CQL map literal for CREATE KEYSPACE.
func (m Migration) Render(keyspace, replication string) ([]string, error) {
	if !ValidKeyspace(keyspace) {
		return nil, fmt.Errorf("invalid keyspace name %q", keyspace)
	}
	out := make([]string, 0, len(m.Statements))
	for _, s := range m.Statements {
		if strings.Contains(s, "{{id}}") {
			t := createdTbl.FindStringSubmatch(s)
			if t == nil {
				return nil, fmt.Errorf("migration %d: {{id}} outside CREATE TABLE IF NOT EXISTS {{keyspace}}.name", m.Version)
			}
			s = strings.ReplaceAll(s, "{{id}}", TableID(keyspace, t[1]))
		}
		s = strings.ReplaceAll(s, "{{keyspace}}", keyspace)
		s = strings.ReplaceAll(s, "{{replication}}", replication)
		if i := strings.Index(s, "{{"); i >= 0 {
			return nil, fmt.Errorf("migration %d: unknown placeholder near %q", m.Version, s[i:min(len(s), i+20)])
		}
		out = append(out, s)
	}
	return out, nil
}

// TableID is the deterministic id given to table in keyspace: a
// name-based (version 5 style) UUID over "amphora:<keyspace>.<table>".
func TableID(keyspace, table string) string {
	h := sha1.Sum([]byte("amphora:" + keyspace + "." + table))
	h[6] = h[6]&0x0f | 0x50 // version 5
	h[8] = h[8]&0x3f | 0x80 // RFC 4122 variant
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
