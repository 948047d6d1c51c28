package schema

import (
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
)

func TestMigrationsParse(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) == 0 {
		t.Fatal("no migrations embedded")
	}
	if ms[0].Version != 1 {
		t.Errorf("first version = %d, want 1", ms[0].Version)
	}
	for i, m := range ms {
		if i > 0 && m.Version <= ms[i-1].Version {
			t.Errorf("version %d follows %d: not strictly increasing", m.Version, ms[i-1].Version)
		}
		if m.Name == "" {
			t.Errorf("migration %d has no name", m.Version)
		}
		for j, s := range m.Statements {
			if strings.TrimSpace(s) == "" {
				t.Errorf("migration %d statement %d is empty", m.Version, j)
			}
			if strings.HasSuffix(s, ";") {
				t.Errorf("migration %d statement %d keeps its semicolon", m.Version, j)
			}
		}
	}
}

// Every statement must be safe to run twice: that is what makes a
// half-applied migration, or two appliers at once, harmless.
func TestStatementsIdempotent(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	create := regexp.MustCompile(`(?is)^CREATE\s+(KEYSPACE|TABLE|TYPE|INDEX|CUSTOM INDEX)\s+IF\s+NOT\s+EXISTS\s`)
	alter := regexp.MustCompile(`(?is)^ALTER\s+TABLE\s+\{\{keyspace\}\}\.[a-z_]+\s+ADD\s+IF\s+NOT\s+EXISTS\s`)
	for _, m := range ms {
		for _, s := range m.Statements {
			if !create.MatchString(s) && !alter.MatchString(s) {
				t.Errorf("migration %d: statement is neither CREATE ... IF NOT EXISTS nor ALTER TABLE ... ADD IF NOT EXISTS:\n%s", m.Version, s)
			}
			if regexp.MustCompile(`(?is)^CREATE\s+TABLE`).MatchString(s) && !strings.Contains(s, "'{{id}}'") {
				t.Errorf("migration %d: CREATE TABLE without WITH ID = '{{id}}':\n%s", m.Version, s)
			}
		}
	}
}

func TestRender(t *testing.T) {
	ms, err := Migrations()
	if err != nil {
		t.Fatal(err)
	}
	repl := "{'class': 'SimpleStrategy', 'replication_factor': 1}"
	stmts, err := ms[0].Render("amphora_x", repl)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stmts[0], "CREATE KEYSPACE IF NOT EXISTS amphora_x") || !strings.Contains(stmts[0], repl) {
		t.Errorf("keyspace statement not rendered: %s", stmts[0])
	}
	ids := map[string]bool{}
	idRe := regexp.MustCompile(`ID = '([0-9a-f-]{36})'`)
	for _, s := range stmts {
		if strings.Contains(s, "{{") {
			t.Errorf("placeholder left in %s", s)
		}
		if m := idRe.FindStringSubmatch(s); m != nil {
			if ids[m[1]] {
				t.Errorf("table id %s used twice", m[1])
			}
			ids[m[1]] = true
		}
	}
	if len(ids) == 0 {
		t.Error("no table ids rendered")
	}
	if _, err := ms[0].Render("bad-name", repl); err == nil {
		t.Error("Render accepted an invalid keyspace name")
	}
	if _, err := ms[0].Render("x; DROP", repl); err == nil {
		t.Error("Render accepted an injected keyspace name")
	}
}

func TestTableID(t *testing.T) {
	a, b := TableID("ks", "blocks"), TableID("ks", "blocks")
	if a != b {
		t.Fatalf("TableID not deterministic: %s vs %s", a, b)
	}
	if TableID("ks", "blocks") == TableID("ks2", "blocks") || TableID("ks", "blocks") == TableID("ks", "objects") {
		t.Error("TableID collides across names")
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(a) {
		t.Errorf("TableID %s is not a version 5 UUID", a)
	}
}

func TestSplit(t *testing.T) {
	got, err := Split("-- c1\nA 'x;y' ; // c2\nB 'it''s;' ;\n\n  ;C")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"A 'x;y'", "B 'it''s;'", "C"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("Split = %q, want %q", got, want)
	}
	if _, err := Split("A 'open"); err == nil {
		t.Error("unterminated string accepted")
	}
}

func TestParseRejects(t *testing.T) {
	cases := map[string]fstest.MapFS{
		"bad name":     {"cql/1_x.cql": {Data: []byte("CREATE TABLE IF NOT EXISTS a (b int PRIMARY KEY)")}},
		"empty":        {"cql/0001_x.cql": {Data: []byte("-- nothing\n")}},
		"dup version":  {"cql/0001_a.cql": {Data: []byte("X")}, "cql/0001_b.cql": {Data: []byte("Y")}},
		"version zero": {"cql/0000_a.cql": {Data: []byte("X")}},
	}
	for name, fsys := range cases {
		if _, err := parseFS(fsys, "cql"); err == nil {
			t.Errorf("%s: parseFS accepted it", name)
		}
	}
	ms, err := parseFS(fstest.MapFS{
		"cql/0002_b.cql": {Data: []byte("Y1; Y2")},
		"cql/0001_a.cql": {Data: []byte("X")},
	}, "cql")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 || ms[0].Version != 1 || ms[1].Version != 2 || len(ms[1].Statements) != 2 {
		t.Errorf("parseFS = %+v", ms)
	}
}
