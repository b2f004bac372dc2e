package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestDocumentedMarkLifecycle(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	if _, ok, err := e.s.Documented(ctx, "rec-1"); err != nil || ok {
		t.Fatalf("Documented before marking = %v, %v, want false, nil", ok, err)
	}
	if err := e.s.SetDocumented(ctx, "rec-1", "acc-1", true); err != nil {
		t.Fatalf("SetDocumented = %v", err)
	}
	first := e.clock.Now()
	e.clock.Set(first.Add(time.Hour))
	if err := e.s.SetDocumented(ctx, "rec-1", "acc-2", true); err != nil {
		t.Fatalf("SetDocumented again = %v", err)
	}

	e.reopen(t)
	got, ok, err := e.s.Documented(ctx, "rec-1")
	if err != nil || !ok {
		t.Fatalf("Documented after reopen = %v, %v, want true, nil", ok, err)
	}
	want := DocumentedMark{AccountID: "acc-1", At: first}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Documented mark (-want +got):\n%s", diff)
	}
	marks, err := e.s.DocumentedMarks(ctx)
	if err != nil {
		t.Fatalf("DocumentedMarks = %v", err)
	}
	if diff := cmp.Diff(map[string]DocumentedMark{"rec-1": want}, marks); diff != "" {
		t.Errorf("DocumentedMarks (-want +got):\n%s", diff)
	}

	if err := e.s.SetDocumented(ctx, "rec-1", "acc-1", false); err != nil {
		t.Fatalf("SetDocumented(false) = %v", err)
	}
	if _, ok, err := e.s.Documented(ctx, "rec-1"); err != nil || ok {
		t.Errorf("Documented after unmarking = %v, %v, want false, nil", ok, err)
	}
}

func TestDocumentedRejectsMissingAndDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))

	if err := e.s.SetDocumented(ctx, "rec-x", "acc-1", true); !errors.Is(err, ErrNotFound) {
		t.Errorf("SetDocumented(unknown) = %v, want ErrNotFound", err)
	}
	if err := e.s.SetDocumented(ctx, "rec-1", "", true); !errors.Is(err, ErrInvalid) {
		t.Errorf("SetDocumented(no account) = %v, want ErrInvalid", err)
	}

	if err := e.s.SetDocumented(ctx, "rec-1", "acc-1", true); err != nil {
		t.Fatalf("SetDocumented = %v", err)
	}
	if err := e.s.DeleteRecording(ctx, "rec-1", "caseworker"); err != nil {
		t.Fatalf("DeleteRecording = %v", err)
	}
	if _, _, err := e.s.Documented(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
		t.Errorf("Documented(deleted) = %v, want ErrDeleted", err)
	}
	if err := e.s.SetDocumented(ctx, "rec-1", "acc-1", true); !errors.Is(err, ErrDeleted) {
		t.Errorf("SetDocumented(deleted) = %v, want ErrDeleted", err)
	}
	marks, err := e.s.DocumentedMarks(ctx)
	if err != nil {
		t.Fatalf("DocumentedMarks = %v", err)
	}
	if len(marks) != 0 {
		t.Errorf("DocumentedMarks after delete = %v, want none: deletion removes the row", marks)
	}
}
