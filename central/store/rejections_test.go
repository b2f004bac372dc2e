package store

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestRejectionsRecordedAndDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	if err := e.s.NoteRejection(ctx, "box-1", "rec-1", "chunk", 3, "decrypt"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.NoteRejection(ctx, "box-1", "rec-1", "chunk", 3, "decrypt"); err != nil {
		t.Fatalf("repeated rejection of the same chunk: %v", err)
	}
	// Another box, or an unknown recording, has nothing to attach to.
	if err := e.s.NoteRejection(ctx, "box-2", "rec-1", "chunk", 4, "decrypt"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.NoteRejection(ctx, "box-1", "rec-unknown", "chunk", 0, "decrypt"); err != nil {
		t.Fatal(err)
	}

	e.reopen(t)
	got, err := e.s.Rejections(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []Rejection{{Kind: "chunk", Seq: 3, Reason: "decrypt"}}
	if diff := cmp.Diff(want, got, cmpopts.IgnoreFields(Rejection{}, "At")); diff != "" {
		t.Errorf("Rejections (-want +got):\n%s", diff)
	}

	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "rejections", "rec-1"); n != 0 {
		t.Errorf("%d rejection rows left after withdrawal, want 0", n)
	}
}

func TestMigrateFromVersion2(t *testing.T) {
	e := newEnv(t)
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	e.s.Close()
	e.s = nil

	db, err := sql.Open("sqlite3", e.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE rejections; DROP TABLE diarization; PRAGMA user_version = 2`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	e.open(t)
	if err := e.s.NoteRejection(context.Background(), "box-1", "rec-1", "chunk", 0, "decrypt"); err != nil {
		t.Errorf("NoteRejection after migration from version 2 = %v", err)
	}
}
