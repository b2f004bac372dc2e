package audit

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// swapRows exchanges every column but seq between entries a and b.
func swapRows(a, b int) []string {
	cols := "at, actor, role, action, recording_id, box_id, device, reason, detail, prev_hash, hash"
	return []string{
		`CREATE TEMP TABLE saved AS SELECT * FROM entries WHERE seq IN (` + itoa(a) + `, ` + itoa(b) + `)`,
		`DELETE FROM entries WHERE seq IN (` + itoa(a) + `, ` + itoa(b) + `)`,
		`INSERT INTO entries (seq, ` + cols + `) SELECT CASE seq WHEN ` + itoa(a) + ` THEN ` + itoa(b) + ` ELSE ` + itoa(a) + ` END, ` + cols + ` FROM saved`,
	}
}

func itoa(i int) string { return strconv.Itoa(i) }

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		stmts  []string
		want   []Break // Message is compared only for being non-empty
		signed bool    // whether a head covers every entry before tampering
	}{
		{
			name:  "intact",
			stmts: nil,
		},
		{
			name:  "edited_actor",
			stmts: []string{`UPDATE entries SET actor = 'someone-else' WHERE seq = 5`},
			want:  []Break{{Seq: 5, Kind: BreakEdited}},
		},
		{
			name:  "edited_time",
			stmts: []string{`UPDATE entries SET at = at + 3600000000000 WHERE seq = 3`},
			want:  []Break{{Seq: 3, Kind: BreakEdited}},
		},
		{
			name:  "edited_detail",
			stmts: []string{`UPDATE entries SET detail = '{"chunks":"999"}' WHERE seq = 4`},
			want:  []Break{{Seq: 4, Kind: BreakEdited}},
		},
		{
			name:  "dropped",
			stmts: []string{`DELETE FROM entries WHERE seq = 6`},
			want:  []Break{{Seq: 6, Kind: BreakMissing}},
		},
		{
			name:  "dropped_two",
			stmts: []string{`DELETE FROM entries WHERE seq IN (6, 7)`},
			want:  []Break{{Seq: 6, Kind: BreakMissing}},
		},
		{
			name:  "reordered",
			stmts: swapRows(4, 5),
			want:  []Break{{Seq: 4, Kind: BreakReordered}},
		},
		{
			name:   "truncated_after_signed_head",
			stmts:  []string{`DELETE FROM entries WHERE seq > 7`},
			signed: true,
			want:   []Break{{Seq: 8, Kind: BreakTruncated}},
		},
		{
			name:   "hash_overwritten",
			stmts:  []string{`UPDATE entries SET hash = zeroblob(32) WHERE seq = 10`},
			signed: true,
			want:   []Break{{Seq: 10, Kind: BreakEdited}, {Seq: 10, Kind: BreakHeadMismatch}},
		},
		{
			name:   "forged_head_signature",
			stmts:  []string{`UPDATE heads SET signature = zeroblob(69) WHERE seq = 10`},
			signed: true,
			want:   []Break{{Seq: 10, Kind: BreakBadSignature}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t, &Options{SignEvery: 24 * time.Hour, SignAfter: 1000})
			e.appendN(t, 10)
			if tt.signed {
				if err := e.log.SignHead(context.Background()); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.log.Close(); err != nil {
				t.Fatal(err)
			}
			e.log = nil
			tamper(t, e.path, tt.stmts...)

			res := verifyFile(t, e)
			var got []Break
			for _, b := range res.Breaks {
				if b.Message == "" {
					t.Errorf("break %+v has no message", b)
				}
				got = append(got, Break{Seq: b.Seq, Kind: b.Kind})
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Verify breaks (-want +got):\n%s\nreport:\n%s", diff, res)
			}
			if res.OK() != (len(tt.want) == 0) {
				t.Errorf("OK() = %v, want %v", res.OK(), len(tt.want) == 0)
			}
		})
	}
}

func TestVerifyAppendedAfterTamperingStillBreaks(t *testing.T) {
	e := newEnv(t, nil)
	e.appendN(t, 5)
	e.log.Close()
	e.log = nil
	tamper(t, e.path, `UPDATE entries SET recording_id = 'rec-9' WHERE seq = 2`)
	e.open(t, nil)
	e.appendN(t, 3)

	res, err := e.log.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Breaks) != 1 || res.Breaks[0].Seq != 2 || res.Breaks[0].Kind != BreakEdited {
		t.Errorf("Verify = %+v, want one edited break at seq 2", res.Breaks)
	}
}

func TestPruneKeepsChainVerifiable(t *testing.T) {
	e := newEnv(t, &Options{Retention: 24 * time.Hour})
	ctx := context.Background()
	e.appendN(t, 5) // 09:01..09:05 on 4 December
	e.clock.Advance(48 * time.Hour)
	e.appendN(t, 3)

	n, err := e.log.PruneExpired(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 5 {
		t.Errorf("PruneExpired = %d, want 5", n)
	}
	res := verifyFile(t, e)
	if !res.OK() {
		t.Fatalf("Verify after prune:\n%s", res)
	}
	if res.CheckpointSeq != 5 || res.FirstSeq != 6 || res.LastSeq != 9 {
		t.Errorf("after prune: checkpoint %d, seqs %d..%d, want 5, 6..9 (9 is the prune entry)", res.CheckpointSeq, res.FirstSeq, res.LastSeq)
	}
	got, err := e.log.Query(ctx, Filter{Actions: []Action{ActionAuditPrune}})
	if err != nil || len(got) != 1 || got[0].Detail["entries"] != "5" {
		t.Errorf("prune entries = %+v, %v, want one with entries=5", got, err)
	}

	// Dropping the first kept entry is still detected at the cut.
	e.log.Close()
	e.log = nil
	tamper(t, e.path, `DELETE FROM entries WHERE seq = 6`)
	if res := verifyFile(t, e); res.OK() || res.Breaks[0].Seq != 6 || res.Breaks[0].Kind != BreakMissing {
		t.Errorf("Verify after dropping the first kept entry = %+v, want missing at 6", res.Breaks)
	}
}

func TestPruneEverything(t *testing.T) {
	e := newEnv(t, &Options{Retention: time.Hour})
	e.appendN(t, 3)
	e.clock.Advance(2 * time.Hour)
	if _, err := e.log.PruneExpired(context.Background()); err != nil {
		t.Fatal(err)
	}
	e.reopen(t, nil)
	e.appendN(t, 1)
	if res, err := e.log.Verify(context.Background()); err != nil || !res.OK() || res.LastSeq != 5 {
		t.Errorf("Verify after pruning all and appending = %+v, %v, want intact up to seq 5", res, err)
	}
}

func TestPruneRefusesBrokenChain(t *testing.T) {
	e := newEnv(t, &Options{Retention: time.Hour})
	e.appendN(t, 3)
	e.log.Close()
	e.log = nil
	tamper(t, e.path, `UPDATE entries SET actor = 'x' WHERE seq = 1`)
	e.open(t, &Options{Retention: time.Hour})
	e.clock.Advance(2 * time.Hour)

	if _, err := e.log.PruneExpired(context.Background()); !errors.Is(err, ErrChainBroken) {
		t.Fatalf("PruneExpired on a broken chain = %v, want ErrChainBroken", err)
	}
	if res := verifyFile(t, e); res.CheckpointSeq != 0 || res.Entries != 3 {
		t.Errorf("after refused prune: checkpoint %d, %d entries, want 0 and 3", res.CheckpointSeq, res.Entries)
	}
}

func TestVerifyDetectsRehashedEdit(t *testing.T) {
	e := newEnv(t, &Options{SignEvery: 24 * time.Hour})
	e.appendN(t, 10)
	e.log.Close()
	e.log = nil

	// Edit the last entry and recompute its hash, as someone familiar with
	// the format would. Only the signed head still reveals the edit.
	db, err := sql.Open("sqlite3", e.path)
	if err != nil {
		t.Fatal(err)
	}
	rows, err := db.Query(`SELECT seq, at, actor, role, action, recording_id, box_id, device, reason, detail, prev_hash, hash
		FROM entries WHERE seq = 10`)
	if err != nil {
		t.Fatal(err)
	}
	rows.Next()
	last, err := scanStored(rows)
	rows.Close()
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	last.Actor = "someone-else"
	h := entryHash(last.prev, &last.Entry)
	tamper(t, e.path, `UPDATE entries SET actor = 'someone-else', hash = X'`+hex.EncodeToString(h[:])+`' WHERE seq = 10`)

	res := verifyFile(t, e)
	if len(res.Breaks) != 1 || res.Breaks[0].Kind != BreakHeadMismatch || res.Breaks[0].Seq != 10 {
		t.Errorf("Verify after a rehashed edit = %+v, want one head mismatch at 10", res.Breaks)
	}
}
