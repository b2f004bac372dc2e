package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestSpeakerCountVersionsAndPending(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	c, err := e.s.SpeakerCount(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if c != (SpeakerCount{}) {
		t.Errorf("SpeakerCount before any setting = %+v, want the zero value", c)
	}

	for _, bad := range []int{-1, MaxSpeakerCount + 1} {
		if err := e.s.SetSpeakerCount(ctx, "rec-1", bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetSpeakerCount(%d) = %v, want ErrInvalid", bad, err)
		}
	}
	if err := e.s.SetSpeakerCount(ctx, "rec-missing", 2); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetSpeakerCount of a missing recording = %v, want ErrNotFound", err)
	}

	if err := e.s.SetSpeakerCount(ctx, "rec-1", 3); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetSpeakerCount(ctx, "rec-1", 2); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	c, err = e.s.SpeakerCount(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if c.Speakers != 2 || c.Version != 2 || !c.Pending {
		t.Errorf("SpeakerCount after two changes = %+v, want 2 speakers, version 2, pending", c)
	}
	pending, err := e.s.PendingSpeakerCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{"rec-1"}, pending); diff != "" {
		t.Errorf("PendingSpeakerCounts (-want +got):\n%s", diff)
	}

	// A result made with version 1 leaves version 2 pending.
	if err := e.s.PutRediarization(ctx, "rec-1", true, []byte(`old`), nil, 1); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.s.SpeakerCount(ctx, "rec-1"); !c.Pending {
		t.Error("a result made with an older count cleared the pending flag")
	}
	if err := e.s.PutRediarization(ctx, "rec-1", true, []byte(`new`), nil, 2); err != nil {
		t.Fatal(err)
	}
	if c, _ := e.s.SpeakerCount(ctx, "rec-1"); c.Pending {
		t.Error("the count is still pending after a result made with it")
	}
	if pending, _ := e.s.PendingSpeakerCounts(ctx); len(pending) != 0 {
		t.Errorf("PendingSpeakerCounts after the re-run = %v, want none", pending)
	}
	d, err := e.s.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if string(d.Result) != "new" || string(d.Provisional) != "old" || !d.Final {
		t.Errorf("Diarization = result %q, before %q, final %v, want new, old, true", d.Result, d.Provisional, d.Final)
	}
	if err := e.s.PutRediarization(ctx, "rec-1", false, []byte(`provisional`), nil, 2); !errors.Is(err, ErrInvalid) {
		t.Errorf("a provisional result over a final one = %v, want ErrInvalid", err)
	}

	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "speaker_count", "rec-1"); n != 0 {
		t.Errorf("%d speaker counts left after withdrawal, want 0", n)
	}
}

func TestRediarizationMovesSpeakerNames(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	for speaker, name := range map[int]string{0: "Anna", 1: "Bo", 2: "Tolk"} {
		if err := e.s.SetSpeakerName(ctx, "rec-1", speaker, name); err != nil {
			t.Fatal(err)
		}
	}

	// Speaker 0 became 1, speaker 2 became 0, and speaker 1 has no
	// successor, so its name goes.
	if err := e.s.PutRediarization(ctx, "rec-1", false, []byte(`r`), map[int]int{0: 1, 2: 0}, 0); err != nil {
		t.Fatal(err)
	}
	names, err := e.s.SpeakerNames(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[int]string{0: "Tolk", 1: "Anna"}, names); diff != "" {
		t.Errorf("SpeakerNames after the re-run (-want +got):\n%s", diff)
	}

	for _, bad := range []map[int]int{{0: -1}, {64: 0}, {0: 1, 1: 1}} {
		if err := e.s.PutRediarization(ctx, "rec-1", false, []byte(`r`), bad, 0); !errors.Is(err, ErrInvalid) {
			t.Errorf("PutRediarization with names %v = %v, want ErrInvalid", bad, err)
		}
	}
	names, err = e.s.SpeakerNames(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 2 {
		t.Errorf("rejected moves changed the names to %v", names)
	}
}
