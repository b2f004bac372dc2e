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

func TestSpeakerNamesSealedAndDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	if err := e.s.SetSpeakerName(ctx, "rec-1", 1, "  Klient   Kvistbergsson "); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetSpeakerName(ctx, "rec-1", 0, "Handläggare"); err != nil {
		t.Fatal(err)
	}
	if err := e.s.SetSpeakerName(ctx, "rec-1", 0, ""); err != nil {
		t.Fatalf("clearing a name: %v", err)
	}
	e.reopen(t)
	names, err := e.s.SpeakerNames(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 1 || names[1] != "Klient Kvistbergsson" {
		t.Errorf("SpeakerNames = %v, want only speaker 1 as %q", names, "Klient Kvistbergsson")
	}
	for file, content := range fileContents(t, e) {
		if bytes.Contains(content, []byte("Kvistbergsson")) {
			t.Errorf("%s holds a speaker name in plaintext", file)
		}
	}

	for _, bad := range []struct {
		speaker int
		name    string
	}{{-1, "x"}, {64, "x"}, {1, strings.Repeat("å", MaxSpeakerNameLength+1)}, {1, "a\x07b"}} {
		if err := e.s.SetSpeakerName(ctx, "rec-1", bad.speaker, bad.name); !errors.Is(err, ErrInvalid) {
			t.Errorf("SetSpeakerName(%d, %q) = %v, want ErrInvalid", bad.speaker, bad.name, err)
		}
	}

	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "speaker_names", "rec-1"); n != 0 {
		t.Errorf("%d speaker names left after withdrawal, want 0", n)
	}
}
