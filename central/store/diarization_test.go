package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestDiarizationProvisionalThenFinal(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	if _, err := e.s.Diarization(ctx, "rec-1"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Diarization before any = %v, want ErrNotFound", err)
	}
	for _, step := range []struct {
		final  bool
		result string
	}{{false, "p1"}, {false, "p2"}, {true, "f1"}, {false, "p3"}} {
		if err := e.s.PutDiarization(ctx, "rec-1", step.final, []byte(step.result)); err != nil {
			t.Fatal(err)
		}
	}
	e.reopen(t)
	d, err := e.s.Diarization(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if !d.Final || string(d.Result) != "f1" {
		t.Errorf("Diarization = final %v, result %q; want the final result f1 (a later provisional must not replace it)", d.Final, d.Result)
	}
	if string(d.Provisional) != "p2" {
		t.Errorf("Provisional = %q, want p2, the result the final pass replaced", d.Provisional)
	}

	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "diarization", "rec-1"); n != 0 {
		t.Errorf("%d diarization rows left after withdrawal, want 0", n)
	}
	if err := e.s.PutDiarization(ctx, "rec-1", true, []byte("x")); !errors.Is(err, ErrDeleted) {
		t.Errorf("PutDiarization after withdrawal = %v, want ErrDeleted", err)
	}
}
