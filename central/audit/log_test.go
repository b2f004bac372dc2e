package audit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestAppendAssignsSeqAndTime(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()

	first, err := e.log.Append(ctx, readEntry("anna", "rec-1"))
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2026, 12, 3, 8, 0, 0, 0, time.UTC)
	second := readEntry("bo", "rec-2")
	second.Time = at
	second, err = e.log.Append(ctx, second)
	if err != nil {
		t.Fatal(err)
	}

	if first.Seq != 1 || second.Seq != 2 {
		t.Errorf("seqs = %d, %d, want 1, 2", first.Seq, second.Seq)
	}
	if !first.Time.Equal(e.clock.Now()) {
		t.Errorf("time of entry without time = %v, want the clock's %v", first.Time, e.clock.Now())
	}
	if !second.Time.Equal(at) {
		t.Errorf("time of entry with time = %v, want %v", second.Time, at)
	}

	got, err := e.log.Query(ctx, Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]Entry{first, second}, got); diff != "" {
		t.Errorf("Query (-want +got):\n%s", diff)
	}
}

func TestAppendRejectsInvalidEntries(t *testing.T) {
	valid := readEntry("anna", "rec-1")
	tests := []struct {
		name   string
		change func(*Entry)
	}{
		{"missing_actor", func(e *Entry) { e.Actor = "" }},
		{"unknown_action", func(e *Entry) { e.Action = "peek" }},
		{"unknown_role", func(e *Entry) { e.Role = "boss" }},
		{"actor_with_space", func(e *Entry) { e.Actor = "Anna Andersson" }},
		{"long_recording_id", func(e *Entry) { e.RecordingID = strings.Repeat("a", MaxIDLen+1) }},
		{"reason_with_newline", func(e *Entry) { e.Reason = "sjukfrånvaro\nrad två" }},
		{"long_reason", func(e *Entry) { e.Reason = strings.Repeat("x", MaxReasonLen+1) }},
		{"detail_sentence", func(e *Entry) { e.Detail = map[string]string{"query": "klienten berättade om"} }},
		{"detail_bad_key", func(e *Entry) { e.Detail = map[string]string{"Query Text": "x"} }},
		{"detail_newline", func(e *Entry) { e.Detail = map[string]string{"note": "a\nb"} }},
	}
	e := newEnv(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			entry := valid
			tt.change(&entry)
			_, err := e.log.Append(context.Background(), entry)
			if !errors.Is(err, ErrInvalidEntry) {
				t.Errorf("Append(%s) = %v, want ErrInvalidEntry", tt.name, err)
			}
		})
	}
	if got, err := e.log.Query(context.Background(), Filter{}); err != nil || len(got) != 0 {
		t.Errorf("entries after rejected appends = %d, %v, want 0", len(got), err)
	}
}

func TestAppendBatchIsAtomic(t *testing.T) {
	e := newEnv(t, nil)
	ctx := context.Background()
	bad := readEntry("bo", "rec-2")
	bad.Action = "peek"

	if _, err := e.log.AppendBatch(ctx, []Entry{readEntry("anna", "rec-1"), bad}); err == nil {
		t.Fatal("AppendBatch with an invalid entry = nil error, want an error")
	}
	out, err := e.log.AppendBatch(ctx, []Entry{readEntry("anna", "rec-1"), readEntry("bo", "rec-2")})
	if err != nil {
		t.Fatal(err)
	}
	if out[0].Seq != 1 || out[1].Seq != 2 {
		t.Errorf("seqs after a rejected batch = %d, %d, want 1, 2", out[0].Seq, out[1].Seq)
	}
}

func TestReopenContinuesChain(t *testing.T) {
	e := newEnv(t, nil)
	e.appendN(t, 3)
	e.reopen(t, nil)
	e.appendN(t, 2)

	res, err := e.log.Verify(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !res.OK() || res.Entries != 5 || res.LastSeq != 5 {
		t.Errorf("Verify after reopen = %+v, want 5 intact entries", res)
	}
}

func TestHeadsSignedPeriodicallyAndAtClose(t *testing.T) {
	e := newEnv(t, &Options{SignEvery: time.Hour, SignAfter: 10})
	ctx := context.Background()

	// The first append signs at once, because no head is signed yet.
	e.appendN(t, 1)
	if res, _ := e.log.Verify(ctx); res.LastSignedSeq != 1 {
		t.Errorf("last signed seq after first append = %d, want 1", res.LastSignedSeq)
	}

	e.appendN(t, 10) // entries 2..11, one minute apart: the 11th is 10 behind the head
	if res, _ := e.log.Verify(ctx); res.LastSignedSeq != 11 {
		t.Errorf("last signed seq after 11 entries = %d, want 11 (SignAfter)", res.LastSignedSeq)
	}

	e.appendN(t, 2)
	e.clock.Advance(time.Hour)
	e.appendN(t, 1) // an hour after the last head
	if res, _ := e.log.Verify(ctx); res.LastSignedSeq != 14 {
		t.Errorf("last signed seq after an hour = %d, want 14 (SignEvery)", res.LastSignedSeq)
	}

	e.appendN(t, 2)
	if res, _ := e.log.Verify(ctx); res.Unsigned != 2 {
		t.Errorf("unsigned entries before Close = %d, want 2", res.Unsigned)
	}
	e.reopen(t, nil)
	if res, _ := e.log.Verify(ctx); res.Unsigned != 0 || res.LastSignedSeq != 16 {
		t.Errorf("after Close: unsigned = %d, last signed = %d, want 0 and 16", res.Unsigned, res.LastSignedSeq)
	}
}

func TestOpenRejectsInsecureSigningKey(t *testing.T) {
	e := newEnv(t, nil)
	e.log.Close()
	e.log = nil
	key := filepath.Join(e.dir, "keys", SigningKeyFile)
	if err := os.Chmod(key, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(e.path, filepath.Join(e.dir, "keys"), nil); err == nil {
		t.Error("Open with a signing key readable by others = nil error, want an error")
	}

	if err := os.Remove(key); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(e.path, filepath.Join(e.dir, "keys"), nil); err == nil {
		t.Error("Open without the signing key but with its public key = nil error, want an error")
	}
}

func TestTriggersRejectUpdateAndDelete(t *testing.T) {
	e := newEnv(t, nil)
	e.appendN(t, 2)
	if _, err := e.log.write.Exec(`UPDATE entries SET actor = 'x' WHERE seq = 1`); err == nil {
		t.Error("UPDATE of an entry = nil error, want the trigger's error")
	}
	if _, err := e.log.write.Exec(`DELETE FROM entries WHERE seq = 2`); err == nil {
		t.Error("DELETE of an entry = nil error, want the trigger's error")
	}
}

func TestRunSignerSignsIdleTail(t *testing.T) {
	waits := make(chan time.Duration)
	fire := make(chan time.Time)
	after := func(d time.Duration) <-chan time.Time {
		waits <- d
		return fire
	}
	e := newEnv(t, &Options{SignEvery: time.Minute, After: after})
	e.appendN(t, 1)          // signed at once
	for i := 0; i < 2; i++ { // within the minute: unsigned
		if _, err := e.log.Append(context.Background(), readEntry("bo", "rec-2")); err != nil {
			t.Fatal(err)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- e.log.RunSigner(ctx) }()

	waitFor := func() time.Duration {
		select {
		case d := <-waits:
			return d
		case <-time.After(10 * time.Second):
			t.Fatal("RunSigner did not wait within 10s")
			return 0
		}
	}
	if d := waitFor(); d != time.Minute {
		t.Errorf("RunSigner wait = %v, want 1m", d)
	}
	if res, _ := e.log.Verify(ctx); res.Unsigned != 2 {
		t.Fatalf("unsigned before the tick = %d, want 2", res.Unsigned)
	}
	fire <- e.clock.Now()
	waitFor() // the next wait starts after SignHead returned
	if res, _ := e.log.Verify(ctx); res.Unsigned != 0 || res.LastSignedSeq != 3 {
		t.Errorf("after the tick: unsigned = %d, last signed = %d, want 0 and 3", res.Unsigned, res.LastSignedSeq)
	}

	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("RunSigner = %v, want context.Canceled", err)
	}
}
