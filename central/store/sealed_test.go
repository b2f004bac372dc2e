package store

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/keys"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// rawDB opens the store's database file directly, as an attacker with a
// copy of the file would.
func rawDB(t testing.TB, e *env) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite3", e.path+"?_busy_timeout=5000")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

func countRows(t testing.TB, e *env, table, rec string) int {
	t.Helper()
	column := "recording_id"
	if table == "recordings" {
		column = "id"
	}
	var n int
	if err := rawDB(t, e).QueryRow(`SELECT count(*) FROM `+table+` WHERE `+column+` = ?`, rec).Scan(&n); err != nil {
		t.Fatalf("counting %s of %s: %v", table, rec, err)
	}
	return n
}

// fileContents returns the database, WAL and shared-memory files by name.
func fileContents(t testing.TB, e *env) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		b, err := os.ReadFile(e.path + suffix)
		if err != nil && !os.IsNotExist(err) {
			t.Fatal(err)
		}
		out[e.path+suffix] = b
	}
	return out
}

// distinctive returns PCM audio whose bytes spell a marker over and over.
func distinctive(frames int) []byte {
	marker := []byte("PCM-MARKER-7f3a9c")
	out := make([]byte, 0, 2*frames)
	for len(out) < 2*frames {
		out = append(out, marker...)
	}
	return out[:2*frames]
}

func TestContentSealedAtRest(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const frames = 8000
	audio := distinctive(frames)
	text := "Klienten berättade om sin bostadssituation, markör-utskrift-5be1"
	word := "ordmarkör-91cc"

	putEvents(t, e.s, "box-1", "rec-sealed", consent(0, pcmMono))
	h := protocol.ChunkHeader{Format: pcmMono, Frames: frames, CapturedAt: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC)}
	if _, err := e.s.PutChunk(ctx, "box-1", "rec-sealed", 0, h, audio); err != nil {
		t.Fatal(err)
	}
	job, err := e.s.AddJob(ctx, "rec-sealed", 0, frames, frames)
	if err != nil {
		t.Fatal(err)
	}
	segs := []Segment{{Start: 0, End: time.Second / 2, Text: text, Words: []Word{{Text: word, End: time.Second / 4, Probability: 0.9}}, Engine: "test"}}
	if err := e.s.FinishJob(ctx, job.ID, segs); err != nil {
		t.Fatal(err)
	}

	// The files must show the plain metadata, or the scan proves nothing.
	files := fileContents(t, e)
	var all []byte
	for _, b := range files {
		all = append(all, b...)
	}
	if !bytes.Contains(all, []byte("rec-sealed")) {
		t.Fatal("recording id not found in the database files: the scan does not see the data")
	}
	for name, b := range files {
		for _, secret := range [][]byte{audio[:64], []byte("PCM-MARKER"), []byte("markör-utskrift"), []byte("bostadssituation"), []byte(word)} {
			if bytes.Contains(b, secret) {
				t.Errorf("%s contains plaintext %q", name, secret)
			}
		}
	}

	// Reading through the store still works.
	got, err := e.s.Segments(ctx, "rec-sealed")
	if err != nil || len(got) != 1 || got[0].Text != text {
		t.Errorf("Segments = %v, %v, want the stored segment", got, err)
	}
}

func TestDeleteRemovesRowsAndKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0, 1)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 1600, 1600)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.FinishJob(ctx, job.ID, []Segment{{End: time.Second, Text: "hej"}}); err != nil {
		t.Fatal(err)
	}
	putChunks(t, e.s, "box-1", "rec-2", pcmMono, 1600, 0)

	var wrappedKey, sealedChunk []byte
	db := rawDB(t, e)
	if err := db.QueryRow(`SELECT wrapped FROM recording_keys WHERE recording_id = 'rec-1'`).Scan(&wrappedKey); err != nil {
		t.Fatal(err)
	}
	if err := db.QueryRow(`SELECT sealed FROM chunks WHERE recording_id = 'rec-1' AND seq = 0`).Scan(&sealedChunk); err != nil {
		t.Fatal(err)
	}

	if err := e.s.DeleteRecording(ctx, "rec-1", "test"); err != nil {
		t.Fatal(err)
	}

	for _, table := range []string{"recording_keys", "chunks", "events", "jobs", "segments"} {
		if n := countRows(t, e, table, "rec-1"); n != 0 {
			t.Errorf("%d rows of rec-1 left in %s, want 0", n, table)
		}
	}
	var reason string
	if err := db.QueryRow(`SELECT delete_reason FROM recordings WHERE id = 'rec-1' AND deleted_at != 0`).Scan(&reason); err != nil || reason != "test" {
		t.Errorf("tombstone reason = %q, %v, want %q", reason, err, "test")
	}
	for name, b := range fileContents(t, e) {
		if bytes.Contains(b, wrappedKey) {
			t.Errorf("%s still contains the wrapped key of the deleted recording", name)
		}
		if bytes.Contains(b, sealedChunk[:64]) {
			t.Errorf("%s still contains a sealed chunk of the deleted recording", name)
		}
	}

	if _, err := e.s.Recording(ctx, "rec-2"); err != nil {
		t.Errorf("Recording(rec-2) after deleting rec-1 = %v", err)
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-2", 0, 1600); err != nil {
		t.Errorf("ReadAudio(rec-2) after deleting rec-1 = %v", err)
	}
}

func TestInterruptedDeletionFinishesOnOpen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0, 1)

	// A crash after the first step of DeleteRecording leaves the key deleted,
	// the row marked and the content rows in place.
	if err := e.s.inTx(ctx, func(tx *sql.Tx) error { return e.s.tombstone(ctx, tx, "rec-1", "test") }); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "chunks", "rec-1"); n != 2 {
		t.Fatalf("setup: %d chunk rows, want 2", n)
	}

	e.reopen(t)
	for _, table := range []string{"chunks", "events"} {
		if n := countRows(t, e, table, "rec-1"); n != 0 {
			t.Errorf("%d rows of rec-1 left in %s after reopen, want 0", n, table)
		}
	}
	if _, err := e.s.Recording(ctx, "rec-1"); err == nil {
		t.Error("Recording after interrupted deletion = nil error, want ErrDeleted")
	}
}

func TestDestroyPeriodKey(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.clock.Set(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) // wiped on Friday 27 November
	putChunks(t, e.s, "box-1", "rec-old", pcmMono, 1600, 0)
	e.clock.Set(time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)) // wiped on Friday 11 December
	putChunks(t, e.s, "box-1", "rec-new", pcmMono, 1600, 0)

	var wrappedPeriod []byte
	if err := rawDB(t, e).QueryRow(`SELECT wrapped FROM period_keys WHERE period = '2026-11-27T17:00:00Z'`).Scan(&wrappedPeriod); err != nil {
		t.Fatal(err)
	}

	ids, err := e.s.DestroyPeriodKey(ctx, "2026-11-27T17:00:00Z", "wipe")
	if err != nil {
		t.Fatal(err)
	}
	if len(ids) != 1 || ids[0] != "rec-old" {
		t.Errorf("DestroyPeriodKey ids = %v, want [rec-old]", ids)
	}
	if _, err := e.s.Recording(ctx, "rec-old"); err == nil {
		t.Error("Recording(rec-old) after wipe = nil error, want ErrDeleted")
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-new", 0, 1600); err != nil {
		t.Errorf("ReadAudio(rec-new) after wiping another period = %v", err)
	}
	for name, b := range fileContents(t, e) {
		if bytes.Contains(b, wrappedPeriod) {
			t.Errorf("%s still contains the destroyed period key", name)
		}
	}

	// A store restarted without the period key cannot open what a backup holds.
	e.reopen(t)
	if _, _, err := e.s.ReadAudio(ctx, "rec-new", 0, 1600); err != nil {
		t.Errorf("ReadAudio(rec-new) after reopen = %v", err)
	}
}

func TestOpenRejectsOtherMasterKey(t *testing.T) {
	e := newEnv(t)
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0)
	if err := e.s.Close(); err != nil {
		t.Fatal(err)
	}
	e.s = nil

	other, err := keys.Open(filepath.Join(t.TempDir(), "other-keys"), &keys.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	s, err := Open(e.path, other, nil)
	if err == nil {
		s.Close()
		t.Fatal("Open with another master key = nil error, want an error")
	}
	t.Logf("error: %v", err)
}

func TestDatabaseFilesPrivate(t *testing.T) {
	e := newEnv(t)
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0)
	for _, suffix := range []string{"", "-wal", "-shm"} {
		info, err := os.Stat(e.path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != 0o600 {
			t.Errorf("mode of %s = %04o, want 0600", e.path+suffix, got)
		}
	}
}

func TestMovedCiphertextFailsToOpen(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0, 1)
	job, err := e.s.AddJob(ctx, "rec-1", 0, 1600, 1600)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.s.FinishJob(ctx, job.ID, []Segment{{End: time.Second, Text: "ett"}, {Start: time.Second, End: 2 * time.Second, Text: "två"}}); err != nil {
		t.Fatal(err)
	}

	db := rawDB(t, e)
	if _, err := db.Exec(`UPDATE chunks SET sealed = (SELECT sealed FROM chunks WHERE recording_id = 'rec-1' AND seq = 0)
		WHERE recording_id = 'rec-1' AND seq = 1`); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-1", 1600, 3200); err == nil {
		t.Error("ReadAudio of a chunk row holding another row's ciphertext = nil error, want an error")
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 1600); err != nil {
		t.Errorf("ReadAudio of the untouched chunk = %v", err)
	}

	if _, err := db.Exec(`UPDATE segments SET sealed = (SELECT sealed FROM segments WHERE start_ns = 0) WHERE start_ns != 0`); err != nil {
		t.Fatal(err)
	}
	if _, err := e.s.Segments(ctx, "rec-1"); err == nil {
		t.Error("Segments with a segment row holding another row's ciphertext = nil error, want an error")
	}
}
