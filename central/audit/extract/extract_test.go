package extract

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

var pcmMono = protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}

type env struct {
	dir   string
	st    *store.Store
	audit *audit.Log
}

func newEnv(t *testing.T) *env {
	t.Helper()
	e := &env{dir: t.TempDir()}
	quiet := slog.New(slog.DiscardHandler)
	k, err := keys.Open(filepath.Join(e.dir, "keys"), &keys.Options{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	now := func() time.Time { return time.Date(2026, 12, 4, 9, 0, 0, 0, time.UTC) }
	if e.st, err = store.Open(filepath.Join(e.dir, "central.db"), k, &store.Options{Now: now, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.st.Close() })
	if e.audit, err = audit.Open(filepath.Join(e.dir, "audit.db"), filepath.Join(e.dir, "keys"), &audit.Options{Now: now, Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { e.audit.Close() })
	return e
}

// transcribe stores recording rec with one segment per text, as ingest and the pipeline would.
func (e *env) transcribe(t *testing.T, rec string, texts ...string) {
	t.Helper()
	ctx := context.Background()
	h := protocol.ChunkHeader{Format: pcmMono, Frames: 1600, CapturedAt: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)}
	if _, err := e.st.PutChunk(ctx, "rum-12", rec, 0, h, make([]byte, 3200)); err != nil {
		t.Fatal(err)
	}
	job, err := e.st.AddJob(ctx, rec, 0, 1600, 1600)
	if err != nil {
		t.Fatal(err)
	}
	var segs []store.Segment
	for i, text := range texts {
		segs = append(segs, store.Segment{Start: time.Duration(i) * time.Second, End: time.Duration(i+1) * time.Second, Text: text, Engine: "whisper-server"})
	}
	if err := e.st.FinishJob(ctx, job.ID, segs); err != nil {
		t.Fatal(err)
	}
}

var caseworker = audit.Entry{Actor: "anna", Role: audit.RoleCaseworker, Device: "tablet-3", Reason: "ärende 2026-1234"}

func matchedIDs(r Result) map[string]int {
	out := map[string]int{}
	for _, m := range r.Matches {
		out[m.Recording.ID] = len(m.Segments)
	}
	return out
}

func TestFindByPersonalNumber(t *testing.T) {
	e := newEnv(t)
	e.transcribe(t, "rec-long", "Hej och välkommen.", "Mitt personnummer är 19121212-1212.")
	e.transcribe(t, "rec-short", "Det är 121212-1212 som gäller.")
	e.transcribe(t, "rec-spaced", "Alltså 19 12 12 12 12 12, ja.", "klockan 14 1212121212")
	e.transcribe(t, "rec-plus", "Hon är född 121212+1212 alltså.")
	e.transcribe(t, "rec-other", "Personnumret 19900101-0017 hör till någon annan.", "Telefon 121212.")

	tests := []string{"19121212-1212", "121212-1212", "191212121212", "1212121212"}
	for _, number := range tests {
		t.Run(number, func(t *testing.T) {
			res, err := Find(context.Background(), e.st, e.audit, caseworker, Query{PersonalNumber: number})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]int{"rec-long": 1, "rec-short": 1, "rec-spaced": 2, "rec-plus": 1}
			if diff := cmp.Diff(want, matchedIDs(res)); diff != "" {
				t.Errorf("Find(%s) matches (-want +got):\n%s", number, diff)
			}
			if res.Searched != 5 {
				t.Errorf("Searched = %d, want 5", res.Searched)
			}
		})
	}
}

func TestFindByName(t *testing.T) {
	e := newEnv(t)
	e.transcribe(t, "rec-1", "Jag heter Åsa Öberg och bor här.")
	e.transcribe(t, "rec-2", "ÅSA ÖBERG, sa hon.", "Öberg igen.")
	e.transcribe(t, "rec-3", "Åsa Öbergsson är en annan person.", "Åsa och Öberg var där.")

	res, err := Find(context.Background(), e.st, e.audit, caseworker, Query{Name: "åsa  öberg"})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(map[string]int{"rec-1": 1, "rec-2": 1}, matchedIDs(res)); diff != "" {
		t.Errorf("Find by name (-want +got):\n%s", diff)
	}
}

func TestFindLogsWithoutPersonalData(t *testing.T) {
	e := newEnv(t)
	e.transcribe(t, "rec-1", "Mitt namn är Zebulon Quintavalle, 19121212-1212.")
	e.transcribe(t, "rec-2", "Inget här.")
	ctx := context.Background()

	if _, err := Find(ctx, e.st, e.audit, caseworker, Query{Name: "Zebulon Quintavalle"}); err != nil {
		t.Fatal(err)
	}
	if _, err := Find(ctx, e.st, e.audit, caseworker, Query{PersonalNumber: "19121212-1212"}); err != nil {
		t.Fatal(err)
	}
	entries, err := e.audit.Query(ctx, audit.Filter{Actions: []audit.Action{audit.ActionRegisterExtract}})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 4 {
		t.Fatalf("register_extract entries = %d, want 4 (a match and a summary per search)", len(entries))
	}
	if e0 := entries[0]; e0.RecordingID != "rec-1" || e0.Reason != caseworker.Reason || e0.Detail["query"] != "name" {
		t.Errorf("first entry = %+v, want rec-1 with the reason and query=name", e0)
	}
	if s := entries[3].Detail; s["query"] != "personal_number" || s["searched"] != "2" || s["matches"] != "1" {
		t.Errorf("summary detail = %v, want personal_number, searched 2, matches 1", s)
	}

	if err := e.audit.SignHead(ctx); err != nil {
		t.Fatal(err)
	}
	for _, suffix := range []string{"", "-wal"} {
		b, err := os.ReadFile(filepath.Join(e.dir, "audit.db") + suffix)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"Zebulon", "Quintavalle", "1212-1212", "1212121212", "Mitt namn"} {
			if bytes.Contains(b, []byte(secret)) {
				t.Errorf("audit.db%s contains %q", suffix, secret)
			}
		}
	}
}

func TestFindRejectsInvalidQueries(t *testing.T) {
	e := newEnv(t)
	tests := []struct {
		name string
		by   audit.Entry
		q    Query
		want error
	}{
		{"empty", caseworker, Query{}, ErrInvalidQuery},
		{"both", caseworker, Query{Name: "Åsa", PersonalNumber: "19121212-1212"}, ErrInvalidQuery},
		{"no_letters", caseworker, Query{Name: " - "}, ErrInvalidQuery},
		{"bad_check_digit", caseworker, Query{PersonalNumber: "19121212-1213"}, ErrInvalidPersonalNumber},
		{"missing_reason", audit.Entry{Actor: "anna", Role: audit.RoleCaseworker}, Query{Name: "Åsa"}, ErrInvalidQuery},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := Find(context.Background(), e.st, e.audit, tt.by, tt.q); !errors.Is(err, tt.want) {
				t.Errorf("Find(%+v) = %v, want %v", tt.q, err, tt.want)
			}
		})
	}
}

func TestFindWithholdsResultWhenLogFails(t *testing.T) {
	e := newEnv(t)
	e.transcribe(t, "rec-1", "Åsa Öberg")
	if err := e.audit.Close(); err != nil {
		t.Fatal(err)
	}
	res, err := Find(context.Background(), e.st, e.audit, caseworker, Query{Name: "Åsa Öberg"})
	if err == nil || len(res.Matches) != 0 {
		t.Errorf("Find with a closed access log = %d matches, %v, want none and an error", len(res.Matches), err)
	}
}
