package audit

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"time"
)

// ErrChainBroken is returned by Prune when the chain does not verify, so
// pruning would sign over a tampered part of it.
var ErrChainBroken = errors.New("audit chain is broken")

// PruneExpired deletes the entries older than the retention period; see Prune.
func (l *Log) PruneExpired(ctx context.Context) (int64, error) {
	return l.Prune(ctx, l.now().Add(-l.retention))
}

// Prune deletes the entries with a time before cutoff that a signed head
// covers, oldest first, up to the first entry at or after cutoff. It first
// verifies the chain and returns ErrChainBroken without deleting anything
// when it breaks. It then signs a checkpoint with the hash of the last
// deleted entry, which the remaining chain links to, and appends an
// audit_prune entry. It returns how many entries it deleted.
func (l *Log) Prune(ctx context.Context, cutoff time.Time) (int64, error) {
	if err := l.SignHead(ctx); err != nil {
		return 0, fmt.Errorf("pruning audit log: %w", err)
	}
	res, err := l.Verify(ctx)
	if err != nil {
		return 0, fmt.Errorf("pruning audit log: %w", err)
	}
	if !res.OK() {
		return 0, fmt.Errorf("pruning audit log: %w at seq %d (%s): run central audit verify", ErrChainBroken, res.Breaks[0].Seq, res.Breaks[0].Kind)
	}

	l.mu.Lock()
	n, last, err := l.prune(ctx, cutoff)
	l.mu.Unlock()
	if err != nil {
		return 0, fmt.Errorf("pruning audit log: %w", err)
	}
	if n == 0 {
		return 0, nil
	}

	l.log.Info("pruned audit log", "entries", n, "checkpoint_seq", last, "cutoff", cutoff.UTC())
	_, err = l.Append(ctx, Entry{
		Actor: "system", Role: RoleSystem, Action: ActionAuditPrune,
		Detail: map[string]string{
			"entries":        strconv.FormatInt(n, 10),
			"checkpoint_seq": strconv.FormatUint(last, 10),
			"cutoff":         cutoff.UTC().Format(time.RFC3339),
		},
	})
	if err != nil {
		return n, fmt.Errorf("recording the prune of %d entries: %w", n, err)
	}
	return n, nil
}

func (l *Log) prune(ctx context.Context, cutoff time.Time) (int64, uint64, error) {
	tx, err := l.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, 0, err
	}
	defer tx.Rollback()

	// The last entry to delete: before the first entry at or after the
	// cutoff, and covered by the last signed head.
	var last sql.NullInt64
	err = tx.QueryRowContext(ctx, `SELECT max(seq) FROM entries WHERE seq <= ? AND seq < coalesce(
		(SELECT min(seq) FROM entries WHERE at >= ?), (SELECT max(seq) + 1 FROM entries))`,
		int64(l.headSeq), cutoff.UnixNano()).Scan(&last)
	if err != nil {
		return 0, 0, fmt.Errorf("finding entries before %s: %w", cutoff.UTC(), err)
	}
	if !last.Valid {
		return 0, 0, nil
	}
	var hash []byte
	if err := tx.QueryRowContext(ctx, `SELECT hash FROM entries WHERE seq = ?`, last.Int64).Scan(&hash); err != nil {
		return 0, 0, fmt.Errorf("reading entry %d: %w", last.Int64, err)
	}

	now := l.now().UnixNano()
	sig, err := l.signer.Sign(checkpointMessage(uint64(last.Int64), hash, now))
	if err != nil {
		return 0, 0, fmt.Errorf("signing checkpoint at seq %d: %w", last.Int64, err)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO checkpoint (id, seq, hash, signed_at, signature) VALUES (1, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash, signed_at = excluded.signed_at,
		signature = excluded.signature`, last.Int64, hash, now, sig); err != nil {
		return 0, 0, fmt.Errorf("storing checkpoint: %w", err)
	}
	res, err := tx.ExecContext(ctx, `DELETE FROM entries WHERE seq <= ?`, last.Int64)
	if err != nil {
		return 0, 0, fmt.Errorf("deleting entries up to %d: %w", last.Int64, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM heads WHERE seq <= ?`, last.Int64); err != nil {
		return 0, 0, fmt.Errorf("deleting heads up to %d: %w", last.Int64, err)
	}
	if err := tx.Commit(); err != nil {
		return 0, 0, err
	}
	return n, uint64(last.Int64), nil
}
