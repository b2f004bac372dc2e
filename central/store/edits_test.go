package store

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestSegmentEditsKeepHistory(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 16000, 0)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 16000, 16000)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.FinishJob(ctx, job.ID, []Segment{{Start: 0, End: time.Second, Text: " Hon heter Ana."}}); err != nil {
		t.Fatal(err)
	}
	segs, _ := e.s.Segments(ctx, "rec-1")
	seg := segs[0].ID

	if _, err := e.s.EditSegment(ctx, "rec-1", seg, "Hon heter Anna Zetterqvist.", "acc-1"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.EditSegment(ctx, "rec-1", seg, "Hon heter Anna Zätterqvist.", "acc-2"); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	edits, err := e.s.SegmentEdits(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	got := edits[seg]
	if len(got) != 2 || got[0].Text != "Hon heter Anna Zetterqvist." || got[1].Text != "Hon heter Anna Zätterqvist." || got[1].EditedBy != "acc-2" {
		t.Errorf("edits = %+v, want both versions in order", got)
	}
	if segs, _ := e.s.Segments(ctx, "rec-1"); segs[0].Text != " Hon heter Ana." {
		t.Errorf("original text = %q, want the engine's text kept", segs[0].Text)
	}
	for file, content := range fileContents(t, e) {
		if bytes.Contains(content, []byte("Zetterqvist")) {
			t.Errorf("%s holds an edit in plaintext", file)
		}
	}

	for _, bad := range []struct {
		seg  int64
		text string
	}{{seg, ""}, {seg, "  "}, {seg, strings.Repeat("a", MaxSegmentTextLength+1)}, {seg, "a\x00b"}, {999, "x"}} {
		if _, err := e.s.EditSegment(ctx, "rec-1", bad.seg, bad.text, "acc-1"); !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrNotFound) {
			t.Errorf("EditSegment(%d, %.20q) = %v, want ErrInvalid or ErrNotFound", bad.seg, bad.text, err)
		}
	}

	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "segment_edits", "rec-1"); n != 0 {
		t.Errorf("%d edits left after withdrawal, want 0", n)
	}
}
