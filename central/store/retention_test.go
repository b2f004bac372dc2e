package store

import (
	"context"
	"database/sql"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestHeldRecordingsCountsRows(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0, 1)
	putChunks(t, e.s, "box-2", "rec-2", pcmMono, 1600, 0)

	held, err := e.s.HeldRecordings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(held) != 2 {
		t.Fatalf("HeldRecordings = %d recordings, want 2", len(held))
	}
	h := held[0]
	if h.ID != "rec-1" || h.Chunks != 2 || h.Events != 1 || h.Segments != 0 {
		t.Errorf("HeldRecordings()[0] = %+v, want rec-1 with 2 chunks and 1 event", h)
	}
	if h.SealedBytes <= 2*1600*2 {
		t.Errorf("SealedBytes = %d, want more than the %d bytes of plain audio", h.SealedBytes, 2*1600*2)
	}
	if want := time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC); !h.Start().Equal(want) {
		t.Errorf("Start() = %v, want the consent time %v (earlier than first seen %v)", h.Start(), want, h.FirstSeen)
	}
	if !held[1].Start().Equal(held[1].FirstSeen) {
		t.Errorf("Start() without consent = %v, want first seen %v", held[1].Start(), held[1].FirstSeen)
	}
	if h.Period != "2026-12-11T17:00:00Z" {
		t.Errorf("Period = %s, want 2026-12-11T17:00:00Z", h.Period)
	}
}

func TestPeriodOfOption(t *testing.T) {
	e := newEnv(t)
	e.s.Close()
	s, err := Open(e.path, e.keys, &Options{Now: e.clock.Now, PeriodOf: func(time.Time) string { return "custom-period" }})
	if err != nil {
		t.Fatal(err)
	}
	e.s = s
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0)

	periods, err := e.s.PeriodKeys(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"custom-period"}, periods); diff != "" {
		t.Errorf("PeriodKeys (-want +got):\n%s", diff)
	}
}

func TestDeleteRecordingsBatch(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for _, rec := range []string{"rec-1", "rec-2", "rec-3"} {
		putChunks(t, e.s, "box-1", rec, pcmMono, 1600, 0)
	}
	if err := e.s.DeleteRecording(ctx, "rec-3", "manual"); err != nil {
		t.Fatal(err)
	}

	got, err := e.s.DeleteRecordings(ctx, []string{"rec-1", "rec-2", "rec-3", "rec-unknown"}, "wipe")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"rec-1", "rec-2"}, got); diff != "" {
		t.Errorf("DeleteRecordings ids (-want +got):\n%s", diff)
	}
	for _, rec := range []string{"rec-1", "rec-2"} {
		if _, err := e.s.Recording(ctx, rec); !errors.Is(err, ErrDeleted) {
			t.Errorf("Recording(%s) = %v, want ErrDeleted", rec, err)
		}
		if n := countRows(t, e, "chunks", rec); n != 0 {
			t.Errorf("chunks of %s after delete = %d, want 0", rec, n)
		}
		if n := countRows(t, e, "recording_keys", rec); n != 0 {
			t.Errorf("keys of %s after delete = %d, want 0", rec, n)
		}
	}
	if _, err := e.s.DeleteRecordings(ctx, nil, ""); err == nil {
		t.Error("DeleteRecordings without reason = nil error, want an error")
	}
}

func TestLastWipeRunPersists(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	got, err := e.s.LastWipeRun(ctx)
	if err != nil || !got.IsZero() {
		t.Fatalf("LastWipeRun on a new store = %v, %v, want zero time", got, err)
	}

	want := time.Date(2026, 12, 4, 17, 0, 0, 123, time.UTC)
	if err := e.s.SetLastWipeRun(ctx, want); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	if got, err := e.s.LastWipeRun(ctx); err != nil || !got.Equal(want) {
		t.Errorf("LastWipeRun after reopen = %v, %v, want %v", got, err, want)
	}
}

func TestMigrateFromVersion1(t *testing.T) {
	e := newEnv(t)
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0)
	e.s.Close()
	e.s = nil

	db, err := sql.Open("sqlite3", e.path)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(`DROP TABLE settings; DROP TABLE rejections; DROP TABLE diarization; PRAGMA user_version = 1`); err != nil {
		t.Fatal(err)
	}
	db.Close()

	e.open(t)
	ctx := context.Background()
	if err := e.s.SetLastWipeRun(ctx, time.Date(2026, 12, 4, 17, 0, 0, 0, time.UTC)); err != nil {
		t.Errorf("SetLastWipeRun after migration = %v", err)
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 1600); err != nil {
		t.Errorf("ReadAudio after migration = %v", err)
	}
}
