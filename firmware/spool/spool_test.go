package spool_test

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// clock is a settable time source.
type clock struct{ t time.Time }

func (c *clock) Now() time.Time { return c.t }

func openSpool(t *testing.T, path string, c *clock) *spool.Spool {
	t.Helper()
	if path == "" {
		path = filepath.Join(t.TempDir(), "spool.db")
	}
	opts := &spool.Options{Logger: slog.New(slog.DiscardHandler)}
	if c != nil {
		opts.Now = c.Now
	}
	s, err := spool.Open(path, opts)
	if err != nil {
		t.Fatalf("Open(%s): %v", path, err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// payload returns deterministic bytes for an item, so a reader can check
// that what it got back is intact.
func payload(rec string, kind spool.Kind, seq uint64, size int) []byte {
	out := make([]byte, 0, size)
	h := sha256.Sum256([]byte(fmt.Sprintf("%s/%s/%d", rec, kind, seq)))
	for len(out) < size {
		out = append(out, h[:]...)
		h = sha256.Sum256(h[:])
	}
	return out[:size]
}

type itemKey struct {
	Kind spool.Kind
	Rec  string
	Seq  uint64
}

func pendingKeys(t *testing.T, s *spool.Spool) []itemKey {
	t.Helper()
	items, err := s.Pending(0, 1000)
	if err != nil {
		t.Fatalf("Pending: %v", err)
	}
	var out []itemKey
	for _, it := range items {
		out = append(out, itemKey{it.Kind, it.RecordingID, it.Seq})
	}
	return out
}

func mustAddEvent(t *testing.T, s *spool.Spool, rec string, seq uint64) {
	t.Helper()
	if err := s.AddEvent(rec, seq, payload(rec, spool.KindEvent, seq, 100)); err != nil {
		t.Fatalf("AddEvent(%s, %d): %v", rec, seq, err)
	}
}

func mustAddChunk(t *testing.T, s *spool.Spool, rec string, seq uint64) {
	t.Helper()
	if err := s.AddChunk(rec, seq, seq*80000, 80000, payload(rec, spool.KindChunk, seq, 1000)); err != nil {
		t.Fatalf("AddChunk(%s, %d): %v", rec, seq, err)
	}
}

func TestAddPendingAcknowledge(t *testing.T) {
	c := &clock{time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	s := openSpool(t, "", c)

	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 1)
	mustAddEvent(t, s, "rec-2", 0)
	mustAddChunk(t, s, "rec-1", 2)

	items, err := s.Pending(0, 10)
	if err != nil {
		t.Fatal(err)
	}
	want := []itemKey{
		{spool.KindEvent, "rec-1", 0},
		{spool.KindChunk, "rec-1", 0},
		{spool.KindChunk, "rec-1", 1},
		{spool.KindEvent, "rec-2", 0},
		{spool.KindChunk, "rec-1", 2},
	}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending order (-want +got):\n%s", diff)
	}
	for _, it := range items {
		size := 1000
		if it.Kind == spool.KindEvent {
			size = 100
		}
		if !bytes.Equal(it.Payload, payload(it.RecordingID, it.Kind, it.Seq, size)) {
			t.Errorf("Pending payload of %s %s %d differs from what was added", it.RecordingID, it.Kind, it.Seq)
		}
		if !it.CreatedAt.Equal(c.t) {
			t.Errorf("Pending CreatedAt = %v, want %v", it.CreatedAt, c.t)
		}
	}

	// Paging: the next page starts after the last ID seen.
	page, err := s.Pending(items[1].ID, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(page) != 2 || page[0].ID != items[2].ID || page[1].ID != items[3].ID {
		t.Errorf("Pending(after %d, 2) = %d items, want items 3 and 4", items[1].ID, len(page))
	}

	n, err := s.Acknowledge("rec-1", spool.KindChunk, []protocol.Range{{First: 0, Last: 1}})
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("Acknowledge(chunks 0-1) deleted %d, want 2", n)
	}
	want = []itemKey{{spool.KindEvent, "rec-1", 0}, {spool.KindEvent, "rec-2", 0}, {spool.KindChunk, "rec-1", 2}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after ack (-want +got):\n%s", diff)
	}

	if n, err := s.PendingCount("rec-1"); err != nil || n != 2 {
		t.Errorf("PendingCount(rec-1) = %d, %v, want 2", n, err)
	}
	if n, err := s.PendingCount("rec-9"); err != nil || n != 0 {
		t.Errorf("PendingCount(unknown) = %d, %v, want 0", n, err)
	}

	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(spool.Stats{PendingEvents: 2, PendingChunks: 1, PendingBytes: 1200}, st); diff != "" {
		t.Errorf("Stats (-want +got):\n%s", diff)
	}
}

func TestAcknowledgeUnknownIsHarmless(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddChunk(t, s, "rec-1", 0)

	tests := []struct {
		name   string
		rec    string
		kind   spool.Kind
		ranges []protocol.Range
	}{
		{"unknown_recording", "rec-9", spool.KindChunk, []protocol.Range{{First: 0, Last: 5}}},
		{"unsent_seqs", "rec-1", spool.KindChunk, []protocol.Range{{First: 1, Last: 1 << 40}}},
		{"other_kind", "rec-1", spool.KindEvent, []protocol.Range{{First: 0, Last: 0}}},
		{"no_ranges", "rec-1", spool.KindChunk, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := s.Acknowledge(tt.rec, tt.kind, tt.ranges)
			if err != nil {
				t.Fatalf("Acknowledge: %v", err)
			}
			if n != 0 {
				t.Errorf("Acknowledge deleted %d, want 0", n)
			}
		})
	}
	if diff := cmp.Diff([]itemKey{{spool.KindChunk, "rec-1", 0}}, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after harmless acks (-want +got):\n%s", diff)
	}
	if _, err := s.Acknowledge("rec-1", spool.KindChunk, []protocol.Range{{First: 3, Last: 2}}); err == nil {
		t.Error("Acknowledge(range [3, 2]) = nil error, want an error")
	}
}

func TestDuplicateAdd(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 1)
	if _, err := s.Acknowledge("rec-1", spool.KindChunk, []protocol.Range{{First: 0, Last: 0}}); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		add     func() error
		wantErr error
	}{
		{"same_chunk_bytes", func() error {
			return s.AddChunk("rec-1", 1, 80000, 80000, payload("rec-1", spool.KindChunk, 1, 1000))
		}, nil},
		{"same_event_bytes", func() error {
			return s.AddEvent("rec-1", 0, payload("rec-1", spool.KindEvent, 0, 100))
		}, nil},
		{"other_chunk_bytes", func() error {
			return s.AddChunk("rec-1", 1, 80000, 80000, []byte("other"))
		}, spool.ErrDuplicate},
		{"acknowledged_chunk", func() error {
			return s.AddChunk("rec-1", 0, 0, 80000, payload("rec-1", spool.KindChunk, 0, 1000))
		}, spool.ErrDuplicate},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.add()
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("add error = %v, want %v", err, tt.wantErr)
			}
		})
	}

	want := []itemKey{{spool.KindEvent, "rec-1", 0}, {spool.KindChunk, "rec-1", 1}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after duplicates (-want +got):\n%s", diff)
	}
}

func TestAddInvalid(t *testing.T) {
	s := openSpool(t, "", nil)
	tests := []struct {
		name string
		add  func() error
	}{
		{"bad_recording_id", func() error { return s.AddEvent("Rec/1", 0, []byte("x")) }},
		{"empty_message", func() error { return s.AddChunk("rec-1", 0, 0, 1, nil) }},
		{"negative_frames", func() error { return s.AddChunk("rec-1", 0, 0, -1, []byte("x")) }},
		{"huge_seq", func() error { return s.AddEvent("rec-1", 1<<63, []byte("x")) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.add(); err == nil {
				t.Errorf("add = nil error, want an error")
			}
		})
	}
	if keys := pendingKeys(t, s); len(keys) != 0 {
		t.Errorf("Pending after invalid adds = %v, want nothing", keys)
	}
}

func TestRecordingNumbering(t *testing.T) {
	c := &clock{time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	s := openSpool(t, "", c)

	mustAddEvent(t, s, "rec-1", 0)
	mustAddEvent(t, s, "rec-1", 1)
	mustAddChunk(t, s, "rec-1", 0)
	c.t = c.t.Add(5 * time.Second)
	if err := s.AddChunk("rec-1", 1, 80000, 1234, []byte("last")); err != nil {
		t.Fatal(err)
	}
	c.t = c.t.Add(time.Minute)
	mustAddEvent(t, s, "rec-2", 0)

	got, err := s.OpenRecordings()
	if err != nil {
		t.Fatal(err)
	}
	want := []spool.Recording{
		{ID: "rec-1", CreatedAt: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC), NextEventSeq: 2, NextChunkSeq: 2, Frames: 81234,
			LastAddedAt: time.Date(2026, 12, 4, 10, 0, 5, 0, time.UTC)},
		{ID: "rec-2", CreatedAt: time.Date(2026, 12, 4, 10, 1, 5, 0, time.UTC), NextEventSeq: 1,
			LastAddedAt: time.Date(2026, 12, 4, 10, 1, 5, 0, time.UTC)},
	}
	if diff := cmp.Diff(want, got, cmpopts.EquateApproxTime(0)); diff != "" {
		t.Errorf("OpenRecordings (-want +got):\n%s", diff)
	}

	// The numbering survives acks of everything while the recording is open.
	if _, err := s.Acknowledge("rec-1", spool.KindChunk, []protocol.Range{{First: 0, Last: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Acknowledge("rec-1", spool.KindEvent, []protocol.Range{{First: 0, Last: 1}}); err != nil {
		t.Fatal(err)
	}
	r, err := s.Recording("rec-1")
	if err != nil {
		t.Fatalf("Recording(rec-1) after acks: %v", err)
	}
	if r.NextChunkSeq != 2 || r.NextEventSeq != 2 || r.Frames != 81234 {
		t.Errorf("Recording(rec-1) = %+v, want the numbering kept while open", r)
	}
}

func TestCloseRecording(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddEvent(t, s, "rec-1", 1)
	if err := s.CloseRecording("rec-1"); err != nil {
		t.Fatal(err)
	}

	if err := s.AddChunk("rec-1", 1, 80000, 10, []byte("late")); !errors.Is(err, spool.ErrRecordingClosed) {
		t.Errorf("AddChunk after close error = %v, want ErrRecordingClosed", err)
	}
	if err := s.AddEvent("rec-1", 2, []byte("late")); !errors.Is(err, spool.ErrRecordingClosed) {
		t.Errorf("AddEvent after close error = %v, want ErrRecordingClosed", err)
	}
	if open, _ := s.OpenRecordings(); len(open) != 0 {
		t.Errorf("OpenRecordings after close = %v, want none", open)
	}
	if err := s.CloseRecording("rec-9"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("CloseRecording(unknown) error = %v, want ErrNotFound", err)
	}

	// Acknowledging the last items of a closed recording removes its row.
	if _, err := s.Acknowledge("rec-1", spool.KindEvent, []protocol.Range{{First: 0, Last: 1}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recording("rec-1"); err != nil {
		t.Errorf("Recording(rec-1) with a chunk left: %v, want the row kept", err)
	}
	if _, err := s.Acknowledge("rec-1", spool.KindChunk, []protocol.Range{{First: 0, Last: 0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Recording("rec-1"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Recording(rec-1) after the last ack error = %v, want ErrNotFound", err)
	}
}

func TestRejectKeepsButNeverResends(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 1)

	if err := s.Reject("rec-1", spool.KindChunk, 0, "does not decrypt"); err != nil {
		t.Fatal(err)
	}
	if err := s.Reject("rec-9", spool.KindChunk, 0, "unknown"); err != nil {
		t.Errorf("Reject(unknown item) = %v, want nil", err)
	}

	if diff := cmp.Diff([]itemKey{{spool.KindChunk, "rec-1", 1}}, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after reject (-want +got):\n%s", diff)
	}
	st, err := s.Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.Rejected != 1 || st.PendingChunks != 1 {
		t.Errorf("Stats = %+v, want 1 rejected and 1 pending chunk", st)
	}
}

func TestDropChunksOnWithdrawal(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 1)
	mustAddChunk(t, s, "rec-2", 0)

	n, err := s.DropChunks("rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("DropChunks deleted %d, want 2", n)
	}
	mustAddEvent(t, s, "rec-1", 1) // the withdraw event still goes out

	if err := s.AddChunk("rec-1", 2, 160000, 10, []byte("after withdrawal")); !errors.Is(err, spool.ErrWithdrawn) {
		t.Errorf("AddChunk after DropChunks error = %v, want ErrWithdrawn", err)
	}
	want := []itemKey{{spool.KindEvent, "rec-1", 0}, {spool.KindChunk, "rec-2", 0}, {spool.KindEvent, "rec-1", 1}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after withdrawal (-want +got):\n%s", diff)
	}
}

func TestDropRecording(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-2", 0)

	n, err := s.DropRecording("rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("DropRecording deleted %d, want 2", n)
	}
	if _, err := s.Recording("rec-1"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Recording after DropRecording error = %v, want ErrNotFound", err)
	}
	if diff := cmp.Diff([]itemKey{{spool.KindChunk, "rec-2", 0}}, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after DropRecording (-want +got):\n%s", diff)
	}
}

func TestWipeOlderThan(t *testing.T) {
	start := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	c := &clock{start}
	s := openSpool(t, "", c)

	mustAddEvent(t, s, "rec-old", 0)
	mustAddChunk(t, s, "rec-old", 0)
	if err := s.CloseRecording("rec-old"); err != nil {
		t.Fatal(err)
	}
	mustAddEvent(t, s, "rec-open", 0)
	c.t = start.Add(72 * time.Hour)
	mustAddChunk(t, s, "rec-open", 0)
	mustAddEvent(t, s, "rec-new", 0)

	n, err := s.WipeOlderThan(c.t.Add(-48 * time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if n != 3 {
		t.Errorf("WipeOlderThan deleted %d, want 3", n)
	}
	want := []itemKey{{spool.KindChunk, "rec-open", 0}, {spool.KindEvent, "rec-new", 0}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after wipe (-want +got):\n%s", diff)
	}
	if _, err := s.Recording("rec-old"); !errors.Is(err, spool.ErrNotFound) {
		t.Errorf("Recording(closed and wiped) error = %v, want ErrNotFound", err)
	}
	if r, err := s.Recording("rec-open"); err != nil || r.NextEventSeq != 1 {
		t.Errorf("Recording(open) = %+v, %v, want its row and numbering kept", r, err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	s, err := spool.Open(path, &spool.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)

	// The WAL holds events in plain text too, so it must be as private as the database.
	for _, p := range []string{path, path + "-wal"} {
		info, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if mode := info.Mode().Perm(); mode != 0o600 {
			t.Errorf("mode of %s = %o, want 600", filepath.Base(p), mode)
		}
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = openSpool(t, path, nil)
	want := []itemKey{{spool.KindEvent, "rec-1", 0}, {spool.KindChunk, "rec-1", 0}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after reopen (-want +got):\n%s", diff)
	}
}

func TestOpenRejectsNonDatabase(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	if err := os.WriteFile(path, bytes.Repeat([]byte("not sqlite "), 1000), 0o600); err != nil {
		t.Fatal(err)
	}
	if s, err := spool.Open(path, nil); err == nil {
		s.Close()
		t.Fatal("Open(garbage file) = nil error, want an error")
	}
}

func TestFullDiskKeepsEarlierItems(t *testing.T) {
	s := openSpool(t, "", nil)
	mustAddEvent(t, s, "rec-1", 0)
	mustAddChunk(t, s, "rec-1", 0)

	lift, err := s.LimitToCurrentSize()
	if err != nil {
		t.Fatal(err)
	}
	big := bytes.Repeat([]byte{0xA5}, 256<<10)
	err = s.AddChunk("rec-1", 1, 80000, 80000, big)
	if err == nil {
		t.Fatal("AddChunk on a full database = nil error, want an error")
	}
	if !strings.Contains(err.Error(), "full") {
		t.Errorf("AddChunk on a full database error = %q, want it to say the disk is full", err)
	}

	want := []itemKey{{spool.KindEvent, "rec-1", 0}, {spool.KindChunk, "rec-1", 0}}
	if diff := cmp.Diff(want, pendingKeys(t, s)); diff != "" {
		t.Errorf("Pending after a failed write (-want +got):\n%s", diff)
	}
	if r, _ := s.Recording("rec-1"); r.NextChunkSeq != 1 {
		t.Errorf("NextChunkSeq after a failed write = %d, want 1", r.NextChunkSeq)
	}

	// Once there is room again, the same chunk goes in.
	if err := lift(); err != nil {
		t.Fatal(err)
	}
	if err := s.AddChunk("rec-1", 1, 80000, 80000, big); err != nil {
		t.Fatalf("AddChunk after freeing space: %v", err)
	}
}

// The child half of TestSIGKILLKeepsCommittedChunks: it adds chunks forever
// and prints each sequence number once AddChunk has returned.
func TestMain(m *testing.M) {
	if path := os.Getenv("SPOOL_TEST_CHILD_PATH"); path != "" {
		runChild(path)
		return
	}
	os.Exit(m.Run())
}

func runChild(path string) {
	s, err := spool.Open(path, &spool.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	out := bufio.NewWriter(os.Stdout)
	if err := s.AddEvent("rec-1", 0, payload("rec-1", spool.KindEvent, 0, 100)); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	for seq := uint64(0); ; seq++ {
		if err := s.AddChunk("rec-1", seq, seq*80000, 80000, payload("rec-1", spool.KindChunk, seq, 40000+int(seq%7)*1000)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Fprintln(out, seq)
		out.Flush()
	}
}

func TestSIGKILLKeepsCommittedChunks(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "SPOOL_TEST_CHILD_PATH="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}

	// Kill the child while it is writing, after it has reported 30 commits.
	lines := bufio.NewScanner(stdout)
	committed := -1
	for lines.Scan() {
		n, err := strconv.Atoi(lines.Text())
		if err != nil {
			t.Fatalf("child output %q: %v", lines.Text(), err)
		}
		committed = n
		if committed == 29 {
			break
		}
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, stdout)
	err = cmd.Wait()
	if committed != 29 {
		t.Fatalf("child reported %d commits before it stopped (%v, stderr %q), want 30", committed+1, err, stderr.String())
	}

	s := openSpool(t, path, nil)
	items, err := s.Pending(0, 10000)
	if err != nil {
		t.Fatal(err)
	}
	chunks := 0
	for _, it := range items {
		if it.Kind != spool.KindChunk {
			continue
		}
		if it.Seq != uint64(chunks) {
			t.Fatalf("chunk %d found where chunk %d was expected: a gap", it.Seq, chunks)
		}
		if want := payload("rec-1", spool.KindChunk, it.Seq, 40000+int(it.Seq%7)*1000); !bytes.Equal(it.Payload, want) {
			t.Errorf("chunk %d payload differs from what the child wrote", it.Seq)
		}
		chunks++
	}
	if chunks < committed+1 {
		t.Errorf("chunks after SIGKILL = %d, want at least the %d the child reported committed", chunks, committed+1)
	}
	open, err := s.OpenRecordings()
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].NextChunkSeq != uint64(chunks) || open[0].Frames != uint64(chunks)*80000 {
		t.Errorf("OpenRecordings after SIGKILL = %+v, want rec-1 with NextChunkSeq %d", open, chunks)
	}
}

func TestParseKind(t *testing.T) {
	for _, k := range []spool.Kind{spool.KindEvent, spool.KindChunk} {
		got, err := spool.ParseKind(k.String())
		if err != nil || got != k {
			t.Errorf("ParseKind(%q) = %v, %v, want %v", k.String(), got, err, k)
		}
	}
	if _, err := spool.ParseKind("meta"); err == nil {
		t.Error(`ParseKind("meta") = nil error, want an error`)
	}
}

// BenchmarkAddChunk measures one durable chunk commit (WAL, synchronous=FULL)
// of a 100 KB payload, about the size of a sealed 5 s FLAC chunk of 16 kHz
// stereo speech, on the file system that holds the test's temporary directory.
func BenchmarkAddChunk(b *testing.B) {
	s, err := spool.Open(filepath.Join(b.TempDir(), "spool.db"), &spool.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	msg := payload("rec-1", spool.KindChunk, 0, 100_000)

	b.ReportAllocs()
	b.SetBytes(int64(len(msg)))
	seq := uint64(0)
	for b.Loop() {
		if err := s.AddChunk("rec-1", seq, seq*80000, 80000, msg); err != nil {
			b.Fatal(err)
		}
		seq++
	}
}

// TestOpenSpoolWithoutLastAdded opens a spool written before recordings
// kept the time of their last item, with a recording a crash left open.
func TestOpenSpoolWithoutLastAdded(t *testing.T) {
	path := filepath.Join(t.TempDir(), "spool.db")
	db, err := sql.Open("sqlite3", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.Exec(`
CREATE TABLE recordings (
	id             TEXT PRIMARY KEY,
	created_at     INTEGER NOT NULL,
	closed         INTEGER NOT NULL DEFAULT 0,
	withdrawn      INTEGER NOT NULL DEFAULT 0,
	next_event_seq INTEGER NOT NULL DEFAULT 0,
	next_chunk_seq INTEGER NOT NULL DEFAULT 0,
	frames         INTEGER NOT NULL DEFAULT 0
) STRICT;
INSERT INTO recordings (id, created_at, next_event_seq, next_chunk_seq, frames) VALUES ('rec-old', 1, 2, 3, 240000);`)
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatalf("write an old spool: %v", err)
	}

	c := &clock{time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	s := openSpool(t, path, c)
	open, err := s.OpenRecordings()
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || open[0].ID != "rec-old" || open[0].Frames != 240000 || !open[0].LastAddedAt.IsZero() {
		t.Fatalf("OpenRecordings of an old spool = %+v, want rec-old with 240000 frames and no last-added time", open)
	}

	mustAddEvent(t, s, "rec-old", 2)
	open, err = s.OpenRecordings()
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 || !open[0].LastAddedAt.Equal(c.t) {
		t.Errorf("OpenRecordings after an add = %+v, want last-added time %v", open, c.t)
	}
}
