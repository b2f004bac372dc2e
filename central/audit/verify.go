package audit

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/tink-crypto/tink-go/v2/tink"
)

// BreakKind classifies a break in the chain.
type BreakKind string

// Kinds of breaks that Verify reports.
const (
	// BreakEdited: an entry's fields no longer match its hash.
	BreakEdited BreakKind = "edited"
	// BreakMissing: sequence numbers are missing between two entries.
	BreakMissing BreakKind = "missing"
	// BreakReordered: two neighbouring entries swapped places.
	BreakReordered BreakKind = "reordered"
	// BreakUnlinked: an entry does not link to the entry before it, because
	// that entry was edited and rehashed, or entries were replaced or moved.
	BreakUnlinked BreakKind = "unlinked"
	// BreakTruncated: entries covered by a signed head are gone from the end.
	BreakTruncated BreakKind = "truncated"
	// BreakHeadMismatch: the chain differs from what a signed head covers.
	BreakHeadMismatch BreakKind = "head_mismatch"
	// BreakBadSignature: a head or the checkpoint has an invalid signature.
	BreakBadSignature BreakKind = "bad_signature"
	// BreakUnreadable: a row cannot be decoded.
	BreakUnreadable BreakKind = "unreadable"
)

// Break is one place where the chain breaks.
type Break struct {
	Seq     uint64    `json:"seq"`
	Kind    BreakKind `json:"kind"`
	Message string    `json:"message"`
}

// maxBreaks is how many breaks Verify lists before it only counts them.
const maxBreaks = 100

// Result is the outcome of Verify.
type Result struct {
	Entries       int64     `json:"entries"`
	FirstSeq      uint64    `json:"first_seq"`
	LastSeq       uint64    `json:"last_seq"`
	CheckpointSeq uint64    `json:"checkpoint_seq"`
	SignedHeads   int       `json:"signed_heads"`
	LastSignedSeq uint64    `json:"last_signed_seq"`
	LastSignedAt  time.Time `json:"last_signed_at"`
	// Unsigned counts the entries after the last signed head. They are
	// chained but a rewrite of them together with their hashes is only
	// detected once a head covers them.
	Unsigned uint64  `json:"unsigned"`
	Breaks   []Break `json:"breaks"`
	// MoreBreaks counts breaks beyond the first maxBreaks.
	MoreBreaks int `json:"more_breaks,omitempty"`
}

// OK reports whether the chain is intact.
func (r Result) OK() bool { return len(r.Breaks) == 0 }

// String returns a report for people, one finding per line.
func (r Result) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "entries: %d (seq %d to %d)\n", r.Entries, r.FirstSeq, r.LastSeq)
	if r.CheckpointSeq > 0 {
		fmt.Fprintf(&b, "pruned up to seq %d behind a signed checkpoint\n", r.CheckpointSeq)
	}
	if r.SignedHeads > 0 {
		fmt.Fprintf(&b, "signed heads: %d, last at seq %d, %s\n", r.SignedHeads, r.LastSignedSeq, r.LastSignedAt.UTC().Format(time.RFC3339))
	} else {
		fmt.Fprintln(&b, "signed heads: none")
	}
	if r.Unsigned > 0 {
		fmt.Fprintf(&b, "entries after the last signed head: %d\n", r.Unsigned)
	}
	for _, br := range r.Breaks {
		fmt.Fprintf(&b, "BREAK at seq %d (%s): %s\n", br.Seq, br.Kind, br.Message)
	}
	if r.MoreBreaks > 0 {
		fmt.Fprintf(&b, "and %d more breaks\n", r.MoreBreaks)
	}
	if r.OK() {
		fmt.Fprintln(&b, "chain intact")
	}
	return b.String()
}

func (r *Result) add(seq uint64, kind BreakKind, format string, args ...any) {
	if len(r.Breaks) >= maxBreaks {
		r.MoreBreaks++
		return
	}
	r.Breaks = append(r.Breaks, Break{Seq: seq, Kind: kind, Message: fmt.Sprintf(format, args...)})
}

// Verify checks the chain of the open log. Entries appended while it runs
// may or may not be included.
func (l *Log) Verify(ctx context.Context) (Result, error) {
	return verify(ctx, l.read, l.verifier)
}

// VerifyFile checks the chain of the access log at path, opened read-only,
// with the public key v (see ReadVerifier). It returns an error only when it
// cannot read the file; breaks are in the Result.
func VerifyFile(ctx context.Context, path string, v tink.Verifier) (Result, error) {
	if _, err := os.Stat(path); err != nil {
		return Result{}, fmt.Errorf("opening audit log: %w", err)
	}
	db, err := sql.Open("sqlite3", "file:"+path+"?mode=ro&_query_only=1&_busy_timeout=10000")
	if err != nil {
		return Result{}, fmt.Errorf("opening audit log %s: %w", path, err)
	}
	defer db.Close()
	return verify(ctx, db, v)
}

type head struct {
	hash     []byte
	signedAt int64
}

func verify(ctx context.Context, db *sql.DB, v tink.Verifier) (Result, error) {
	var res Result
	prev := genesis[:]

	var cpSeq, cpAt int64
	var cpHash, cpSig []byte
	err := db.QueryRowContext(ctx, `SELECT seq, hash, signed_at, signature FROM checkpoint WHERE id = 1`).Scan(&cpSeq, &cpHash, &cpAt, &cpSig)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return Result{}, fmt.Errorf("reading checkpoint: %w", err)
	default:
		res.CheckpointSeq, prev = uint64(cpSeq), cpHash
		if err := v.Verify(cpSig, checkpointMessage(uint64(cpSeq), cpHash, cpAt)); err != nil {
			res.add(uint64(cpSeq), BreakBadSignature, "the checkpoint of the pruned entries up to seq %d has an invalid signature", cpSeq)
		}
	}

	heads, err := readHeads(ctx, db, v, &res)
	if err != nil {
		return Result{}, err
	}

	res.LastSeq = res.CheckpointSeq
	if err := walk(ctx, db, prev, heads, &res); err != nil {
		return Result{}, err
	}

	if res.LastSignedSeq > res.LastSeq {
		res.add(res.LastSeq+1, BreakTruncated, "entries %d to %d are missing from the end: a head signed at %s covers seq %d",
			res.LastSeq+1, res.LastSignedSeq, res.LastSignedAt.UTC().Format(time.RFC3339), res.LastSignedSeq)
	} else {
		res.Unsigned = res.LastSeq - max(res.LastSignedSeq, res.CheckpointSeq)
	}
	return res, nil
}

// readHeads returns the signed heads after the checkpoint by seq, recording
// invalid signatures as breaks and leaving those heads out.
func readHeads(ctx context.Context, db *sql.DB, v tink.Verifier, res *Result) (map[uint64]head, error) {
	rows, err := db.QueryContext(ctx, `SELECT seq, hash, signed_at, signature FROM heads WHERE seq > ? ORDER BY seq`, int64(res.CheckpointSeq))
	if err != nil {
		return nil, fmt.Errorf("reading signed heads: %w", err)
	}
	defer rows.Close()

	heads := make(map[uint64]head)
	for rows.Next() {
		var seq, at int64
		var hash, sig []byte
		if err := rows.Scan(&seq, &hash, &at, &sig); err != nil {
			return nil, fmt.Errorf("reading signed heads: %w", err)
		}
		if err := v.Verify(sig, headMessage(uint64(seq), hash, at)); err != nil {
			res.add(uint64(seq), BreakBadSignature, "the head signed for seq %d has an invalid signature", seq)
			continue
		}
		heads[uint64(seq)] = head{hash: hash, signedAt: at}
		res.SignedHeads++
		if uint64(seq) >= res.LastSignedSeq {
			res.LastSignedSeq, res.LastSignedAt = uint64(seq), time.Unix(0, at).UTC()
		}
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading signed heads: %w", err)
	}
	return heads, nil
}

// storedEntry is an entries row with its stored links.
type storedEntry struct {
	Entry
	prev, hash []byte
	err        error
}

// walk reads the entries in seq order, one row ahead so that a swapped pair
// is reported as such.
func walk(ctx context.Context, db *sql.DB, prev []byte, heads map[uint64]head, res *Result) error {
	rows, err := db.QueryContext(ctx, `SELECT seq, at, actor, role, action, recording_id, box_id, device, reason,
		detail, prev_hash, hash FROM entries WHERE seq > ? ORDER BY seq`, int64(res.CheckpointSeq))
	if err != nil {
		return fmt.Errorf("reading audit entries: %w", err)
	}
	defer rows.Close()

	next := func() (*storedEntry, error) {
		if !rows.Next() {
			return nil, rows.Err()
		}
		return scanStored(rows)
	}
	cur, err := next()
	if err != nil {
		return fmt.Errorf("reading audit entries: %w", err)
	}

	expect := res.CheckpointSeq + 1
	swapped := false // cur is the second entry of a reported swap
	for cur != nil {
		ahead, err := next()
		if err != nil {
			return fmt.Errorf("reading audit entries: %w", err)
		}
		res.Entries++
		if res.FirstSeq == 0 {
			res.FirstSeq = cur.Seq
		}
		res.LastSeq = cur.Seq
		prev = checkEntry(cur, ahead, prev, expect, heads, &swapped, res)
		expect = cur.Seq + 1
		cur = ahead
	}
	return nil
}

// checkEntry checks one entry against the chain so far and returns the hash
// that the next entry must link to.
func checkEntry(cur, ahead *storedEntry, prev []byte, expect uint64, heads map[uint64]head, swapped *bool, res *Result) []byte {
	seq := cur.Seq
	if cur.err != nil {
		res.add(seq, BreakUnreadable, "entry %d cannot be decoded: %v", seq, cur.err)
		return cur.hash
	}

	gap := seq > expect
	if gap {
		if expect == seq-1 {
			res.add(expect, BreakMissing, "entry %d is missing", expect)
		} else {
			res.add(expect, BreakMissing, "entries %d to %d are missing", expect, seq-1)
		}
	}

	computed := entryHash(cur.prev, &cur.Entry)
	edited := !bytes.Equal(computed[:], cur.hash)
	if edited {
		res.add(seq, BreakEdited, "entry %d was changed after it was written: its fields do not match its hash", seq)
	}

	next := cur.hash
	switch {
	case bytes.Equal(cur.prev, prev), gap, edited:
	case *swapped:
		// The first entry of the pair, now behind this one, is the later one in the chain.
		*swapped = false
		next = prev
	case ahead != nil && bytes.Equal(cur.prev, ahead.hash) && bytes.Equal(ahead.prev, prev):
		res.add(seq, BreakReordered, "entries %d and %d are in each other's place", seq, ahead.Seq)
		*swapped = true
	default:
		res.add(seq, BreakUnlinked, "entry %d does not link to entry %d: that entry was edited and rehashed, or entries were replaced or moved", seq, seq-1)
	}

	if h, ok := heads[seq]; ok && !bytes.Equal(h.hash, cur.hash) {
		res.add(seq, BreakHeadMismatch, "the chain at entry %d differs from the head signed at %s",
			seq, time.Unix(0, h.signedAt).UTC().Format(time.RFC3339))
	}
	return next
}

func scanStored(rows *sql.Rows) (*storedEntry, error) {
	var s storedEntry
	var seq, at int64
	var role, action, detail string
	if err := rows.Scan(&seq, &at, &s.Actor, &role, &action, &s.RecordingID, &s.BoxID, &s.Device, &s.Reason,
		&detail, &s.prev, &s.hash); err != nil {
		return nil, err
	}
	s.Seq, s.Time, s.Role, s.Action = uint64(seq), time.Unix(0, at).UTC(), Role(role), Action(action)
	s.Detail, s.err = decodeDetail(detail)
	return &s, nil
}
