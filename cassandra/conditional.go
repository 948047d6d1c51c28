package cassandra

import (
	"context"
	"encoding/hex"
	"fmt"
	"time"

	gocql "github.com/apache/cassandra-gocql-driver/v2"

	"github.com/amphora-s3/amphora/store"
)

// condition is a conditional write's precondition and, while it is being
// committed, the key lock that serialises it with other conditional
// writers of the key (see doc.go, "Conditional writes").
type condition struct {
	ifNoneMatch, ifMatch string // store.CheckWrite
	lock                 *keyLock
}

func (c condition) set() bool { return c.ifNoneMatch != "" || c.ifMatch != "" }

// check decides c against the key's version rows, newest (current) first.
func (c condition) check(rows []versionRow) error {
	if len(rows) == 0 || rows[0].marker { // behind a delete marker the key does not exist
		return store.CheckWrite(c.ifNoneMatch, c.ifMatch, false, "")
	}
	return store.CheckWrite(c.ifNoneMatch, c.ifMatch, true, rows[0].etag)
}

// keyLock is a held key_locks row.
type keyLock struct {
	bucketID gocql.UUID
	key      string
	holder   string
	taken    time.Time
}

// lockTTL bounds how long a crashed holder blocks conditional writes of
// its key; lockHold is how long after taking the lock a holder may still
// send its commit. The gap covers the commit's own time in flight (see
// doc.go): a lock can never expire while its holder's commit may land.
func (s *Store) lockTTL() time.Duration  { return 30*time.Second + 2*s.timeout() }
func (s *Store) lockHold() time.Duration { return 10 * time.Second }

// lockKey takes key's conditional-write lock with a lightweight
// transaction. Errors: store.ErrConditionalConflict when another writer
// holds it.
func (s *Store) lockKey(ctx context.Context, b bucketInfo, key string) (*keyLock, error) {
	id, err := randomUUID()
	if err != nil {
		return nil, err
	}
	lk := &keyLock{bucketID: b.id, key: key, holder: hex.EncodeToString(id[:]), taken: time.Now()}
	existing := map[string]any{}
	applied, err := s.query(ctx, `INSERT INTO key_locks (bucket_id, key, holder) VALUES (?, ?, ?) IF NOT EXISTS USING TTL ?`,
		b.id, []byte(key), lk.holder, int(s.lockTTL()/time.Second)).
		SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		return nil, fmt.Errorf("lock %q for a conditional write: %w", key, err)
	}
	if !applied {
		return nil, fmt.Errorf("key %q: %w", key, store.ErrConditionalConflict)
	}
	return lk, nil
}

// lockFresh fails when lk (if any) was taken too long ago for its commit
// to be sent safely.
func (s *Store) lockFresh(lk *keyLock) error {
	if lk != nil && time.Since(lk.taken) > s.lockHold() {
		return fmt.Errorf("key %q: lock held %s, too long to commit: %w", lk.key, time.Since(lk.taken).Round(time.Millisecond), store.ErrConditionalConflict)
	}
	return nil
}

// unlockKey releases lk if this writer still holds it, detached from the
// request (whose context may be done); the TTL releases it otherwise.
func (s *Store) unlockKey(lk *keyLock) {
	ctx, cancel := context.WithTimeout(context.Background(), s.timeout())
	defer cancel()
	existing := map[string]any{}
	_, err := s.query(ctx, `DELETE FROM key_locks WHERE bucket_id = ? AND key = ? IF holder = ?`,
		lk.bucketID, []byte(lk.key), lk.holder).SerialConsistency(s.cfg.serial).MapScanCAS(existing)
	if err != nil {
		s.log.Warn().Err(err).Str("key", lk.key).Msg("release conditional-write lock; its TTL will")
	}
}
