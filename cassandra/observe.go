package cassandra

import (
	"context"
	"errors"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"
)

// StatementObserver is told of every statement the session runs: each
// attempt (a retried statement is seen once per attempt) and each page of
// a paged read. name is a short, bounded name made from the CQL text
// (StatementName), never from bound values. err is nil for a read that
// found nothing and for a lightweight transaction that did not apply;
// a statement cancelled because its request went away is reported with
// err == nil too (it says nothing about Cassandra). Statements that never
// reach Cassandra (no connection to any host) are not seen.
//
// It is called on the driver's goroutines and must not block.
type StatementObserver interface {
	ObserveStatement(name string, took time.Duration, err error)
}

// maxStatementNames bounds the names cached by statement text; a
// statement beyond it is still named, just not cached. The names
// themselves are bounded by the verbs and tables of the code.
const maxStatementNames = 1024

// statementNames caches StatementName by CQL text.
type statementNames struct {
	m sync.Map // string -> string
	n atomic.Int64
}

func (c *statementNames) name(stmt string) string {
	if v, ok := c.m.Load(stmt); ok {
		return v.(string)
	}
	name := StatementName(stmt)
	if c.n.Load() < maxStatementNames {
		if _, loaded := c.m.LoadOrStore(stmt, name); !loaded {
			c.n.Add(1)
		}
	}
	return name
}

// stmtObserver adapts a StatementObserver to gocql's query and batch
// observers, chained with a test's own observers.
type stmtObserver struct {
	to    StatementObserver // nil: only the test observers
	names statementNames
	query gocql.QueryObserver
	batch gocql.BatchObserver
}

// observers returns the query and batch observers for st's session:
// nil, nil when nobody listens.
func observers(st settings) (gocql.QueryObserver, gocql.BatchObserver) {
	if st.Observer == nil {
		return st.observer, st.batchObserver
	}
	o := &stmtObserver{to: st.Observer, query: st.observer, batch: st.batchObserver}
	return o, o
}

func (o *stmtObserver) ObserveQuery(ctx context.Context, q gocql.ObservedQuery) {
	o.to.ObserveStatement(o.names.name(q.Statement), q.End.Sub(q.Start), observedErr(q.Err))
	if o.query != nil {
		o.query.ObserveQuery(ctx, q)
	}
}

func (o *stmtObserver) ObserveBatch(ctx context.Context, b gocql.ObservedBatch) {
	o.to.ObserveStatement(batchName(b.Statements, &o.names), b.End.Sub(b.Start), observedErr(b.Err))
	if o.batch != nil {
		o.batch.ObserveBatch(ctx, b)
	}
}

// observedErr drops the cancellation of a statement whose request went
// away: it is no fault of Cassandra's.
func observedErr(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}

// batchName is "BATCH" and the sorted tables its statements write, e.g.
// "BATCH gc_queue,objects,versions".
func batchName(stmts []string, names *statementNames) string {
	var tables []string
	for _, s := range stmts {
		_, t, _ := strings.Cut(names.name(s), " ")
		t = strings.TrimSuffix(t, " LWT")
		if t != "" && !slices.Contains(tables, t) {
			tables = append(tables, t)
		}
	}
	sort.Strings(tables)
	if len(tables) == 0 {
		return "BATCH"
	}
	return "BATCH " + strings.Join(tables, ",")
}

// StatementName is a short name for a CQL statement: its verb and the
// table it reads or writes, with " LWT" for a lightweight transaction:
// "SELECT blocks", "INSERT versions", "UPDATE multipart LWT". Keyspace
// qualifiers are dropped except for Cassandra's own system keyspaces
// ("SELECT system_schema.tables"), so names do not vary with the
// configured keyspace. Other statements are named by their first two
// words ("CREATE TABLE", "USE").
func StatementName(cql string) string {
	words := strings.Fields(cql)
	if len(words) == 0 {
		return "EMPTY"
	}
	verb := strings.ToUpper(words[0])
	var table string
	switch verb {
	case "SELECT", "DELETE":
		table = cqlWordAfter(words, "FROM")
	case "INSERT":
		table = cqlWordAfter(words, "INTO")
	case "UPDATE":
		if len(words) > 1 {
			table = words[1]
		}
	case "TRUNCATE":
		table = words[len(words)-1]
		if strings.EqualFold(table, "TABLE") {
			table = ""
		}
	case "BEGIN":
		return "BATCH"
	default:
		if len(words) > 1 && cqlWord(words[1]) {
			return verb + " " + strings.ToUpper(words[1])
		}
		return verb
	}
	if table == "" {
		return verb
	}
	name := verb + " " + cqlTable(table)
	if cqlIsLWT(words) {
		name += " LWT"
	}
	return name
}

// cqlWordAfter is the word following the first keyword kw (any case).
func cqlWordAfter(words []string, kw string) string {
	for i, w := range words[:len(words)-1] {
		if strings.EqualFold(w, kw) {
			return words[i+1]
		}
	}
	return ""
}

// cqlTable strips punctuation, quotes and a non-system keyspace from a
// table reference, and lower-cases it.
func cqlTable(t string) string {
	t, _, _ = strings.Cut(t, "(") // INSERT INTO t(a, b)
	t = strings.ToLower(strings.Trim(t, `";,`))
	if ks, tbl, ok := strings.Cut(t, "."); ok && !strings.HasPrefix(ks, "system") {
		t = tbl
	}
	t = strings.ReplaceAll(t, `"`, "")
	if !cqlWord(strings.ReplaceAll(t, ".", "_")) || len(t) > 96 {
		return "other"
	}
	return t
}

// cqlIsLWT reports a conditional statement: IF NOT EXISTS, IF EXISTS or
// IF followed by conditions.
func cqlIsLWT(words []string) bool {
	for _, w := range words {
		if strings.EqualFold(w, "IF") {
			return true
		}
	}
	return false
}

// cqlWord reports letters, digits and underscores only.
func cqlWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !(r == '_' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}
