package ui

import (
	"context"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
)

func TestRenameSpeakerRelabelsRows(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 100 * time.Millisecond, End: 400 * time.Millisecond, Text: " Hej."},
		{Start: 500 * time.Millisecond, End: 900 * time.Millisecond, Text: " Välkommen."},
	})
	res := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: time.Second, Speaker: 0}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(context.Background(), "rec-anna", true, b); err != nil {
		t.Fatal(err)
	}

	anna := e.signIn(t, e.people["anna"])
	page := anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, `name="talare"`)
	token := csrf(t, page)
	e.access.take()

	w := anna.post("/recordings/rec-anna/talare", url.Values{CSRFField: {token}, "talare": {"0"}, "namn": {"Klient"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("rename = %d, want 303:\n%s", w.Code, w.Body.String())
	}
	calls := e.access.take()
	if len(calls) != 1 || calls[0].Action != "edit" || calls[0].Recording != "rec-anna" {
		t.Errorf("access log calls after a rename = %+v, want one edit of rec-anna", calls)
	}
	body := anna.get("/recordings/rec-anna").Body.String()
	if strings.Count(body, ">Klient</span>") < 3 {
		t.Errorf("the new name is not on both rows and the form:\n%s", body)
	}
	e.access.take() // the read of the page above

	// Bad input: no CSRF token, another person's recording, a control character, no speaker index.
	if w := anna.post("/recordings/rec-anna/talare", url.Values{"talare": {"0"}, "namn": {"X"}}); w.Code != http.StatusForbidden {
		t.Errorf("rename without CSRF token = %d, want 403", w.Code)
	}
	if w := anna.post("/recordings/rec-bo/talare", url.Values{CSRFField: {token}, "talare": {"0"}, "namn": {"X"}}); w.Code != http.StatusNotFound {
		t.Errorf("rename of another person's recording = %d, want 404", w.Code)
	}
	if w := anna.post("/recordings/rec-anna/talare", url.Values{CSRFField: {token}, "talare": {"0"}, "namn": {"a\x07b"}}); w.Code != http.StatusBadRequest {
		t.Errorf("rename with a control character = %d, want 400", w.Code)
	}
	if w := anna.post("/recordings/rec-anna/talare", url.Values{CSRFField: {token}, "namn": {"X"}}); w.Code != http.StatusBadRequest {
		t.Errorf("rename without a speaker index = %d, want 400", w.Code)
	}
	// A rejected name comes back on the rename page, which shows the
	// speaker's label and so writes "read" entries, but none is an edit.
	for _, c := range e.access.take() {
		if c.Action != "read" {
			t.Errorf("rejected rename wrote access entry %+v, want reads only", c)
		}
	}
}

// recordingRediarizer is the real speakers.Runner that also records
// which recordings the view asked it to diarize again.
type recordingRediarizer struct {
	*speakers.Runner
	calls []string
}

func (r *recordingRediarizer) Rediarize(rec string) {
	r.calls = append(r.calls, rec)
	r.Runner.Rediarize(rec)
}

func TestSpeakerCountRediarizes(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	runner, err := speakers.New(e.ts.Store, &speakers.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	rd := &recordingRediarizer{Runner: runner}
	h, err := New(e.ts, &Options{Logger: slog.New(slog.DiscardHandler), Now: e.clock.Now, Auth: e.store, Access: e.access.record, Rediarizer: rd})
	if err != nil {
		t.Fatal(err)
	}
	e.h = h

	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 100 * time.Millisecond, End: 400 * time.Millisecond, Text: " Hej."},
		{Start: 500 * time.Millisecond, End: 900 * time.Millisecond, Text: " Välkommen."},
	})
	two := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: 450 * time.Millisecond, Speaker: 0}, {Start: 450 * time.Millisecond, End: time.Second, Speaker: 1}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(two)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(ctx, "rec-anna", true, b); err != nil {
		t.Fatal(err)
	}
	if err := e.ts.SetSpeakerName(ctx, "rec-anna", 0, "Klient"); err != nil {
		t.Fatal(err)
	}

	anna := e.signIn(t, e.people["anna"])
	page := anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, `name="antal"`)
	checkPage(t, page, http.StatusOK, `<option value="auto" selected>Räkna automatiskt</option>`)
	token := csrf(t, page)
	e.access.take()

	// Bad input changes nothing, and the error page names the valid choices.
	for _, bad := range []string{"0", "7", "-1", "två", ""} {
		w := anna.post("/recordings/rec-anna/antal-talare", url.Values{CSRFField: {token}, "antal": {bad}})
		if w.Code != http.StatusBadRequest || !strings.Contains(w.Body.String(), "Välj Räkna automatiskt eller ett antal mellan 1 och 6") {
			t.Errorf("speaker count %q = %d, want 400 with the Swedish explanation:\n%s", bad, w.Code, w.Body.String())
		}
	}
	if w := anna.post("/recordings/rec-anna/antal-talare", url.Values{"antal": {"1"}}); w.Code != http.StatusForbidden {
		t.Errorf("speaker count without CSRF token = %d, want 403", w.Code)
	}
	if w := anna.post("/recordings/rec-bo/antal-talare", url.Values{CSRFField: {token}, "antal": {"1"}}); w.Code != http.StatusNotFound {
		t.Errorf("speaker count of another person's recording = %d, want 404", w.Code)
	}
	if c, _ := e.ts.SpeakerCount(ctx, "rec-anna"); c.Version != 0 {
		t.Errorf("rejected requests stored a speaker count: %+v", c)
	}
	if len(rd.calls) != 0 || len(e.access.take()) != 0 {
		t.Errorf("rejected requests asked for a re-run %v or wrote access entries", rd.calls)
	}

	w := anna.post("/recordings/rec-anna/antal-talare", url.Values{CSRFField: {token}, "antal": {"1"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("speaker count 1 = %d, want 303:\n%s", w.Code, w.Body.String())
	}
	if calls := e.access.take(); len(calls) != 1 || calls[0].Action != "edit" || calls[0].Recording != "rec-anna" {
		t.Errorf("access log calls after a speaker count change = %+v, want one edit of rec-anna", calls)
	}
	if diff := cmp.Diff([]string{"rec-anna"}, rd.calls); diff != "" {
		t.Errorf("re-runs asked for (-want +got):\n%s", diff)
	}
	page = anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Talarna delas upp på nytt …")
	checkPage(t, page, http.StatusOK, `<option value="1" selected>1</option>`)
	token, rediarizing, err := h.(*handler).liveSpeakers(ctx, "rec-anna")
	if err != nil || !rediarizing {
		t.Errorf("live state while the re-run waits = %q, %v, %v, want it pending", token, rediarizing, err)
	}

	rec, err := e.ts.Recording(ctx, "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	if ran, err := runner.Process(ctx, rec); err != nil || !ran {
		t.Fatalf("runner.Process = %v, %v, want the re-run", ran, err)
	}
	body := anna.get("/recordings/rec-anna").Body.String()
	if strings.Contains(body, "Talarna delas upp på nytt …") {
		t.Error("the page still says the re-run is waiting after it was stored")
	}
	if !strings.Contains(body, "Utskriften har delats upp på nytt i 1 talare. 1 rad fick en annan talare och är markerad.") {
		t.Errorf("the page does not say how many rows the re-run relabelled:\n%s", body)
	}
	if strings.Contains(body, ">Klient</span>") {
		t.Error("the name of a speaker that is less than half of the new speaker is still shown")
	}
	if _, rediarizing, _ := h.(*handler).liveSpeakers(ctx, "rec-anna"); rediarizing {
		t.Error("live state is still pending after the re-run")
	}
}

func TestOverlapNamesOtherSpeaker(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 100 * time.Millisecond, End: 400 * time.Millisecond, Text: " Nej nej."},
		{Start: 500 * time.Millisecond, End: 900 * time.Millisecond, Text: " Jo."},
	})
	res := diarize.Result{
		Turns: []diarize.Turn{
			{Start: 0, End: 450 * time.Millisecond, Speaker: 0, Overlap: true, Others: []int{1}},
			{Start: 450 * time.Millisecond, End: time.Second, Speaker: 1},
		},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}},
		Method:   diarize.MethodSpatial, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(context.Background(), "rec-anna", true, b); err != nil {
		t.Fatal(err)
	}
	if err := e.ts.SetSpeakerName(context.Background(), "rec-anna", 1, "Tolk"); err != nil {
		t.Fatal(err)
	}

	anna := e.signIn(t, e.people["anna"])
	checkPage(t, anna.get("/recordings/rec-anna"), http.StatusOK, "(talar samtidigt med Tolk)")

	for _, tt := range []struct {
		others []int
		want   string
	}{{nil, ""}, {[]int{1}, "Tolk"}, {[]int{0, 1}, "Talare 1 och Tolk"}, {[]int{0, 1, 2}, "Talare 1, Tolk och Okänd talare"}} {
		named := res
		named.Speakers = []diarize.Speaker{{Label: "Talare 1"}, {Label: "Tolk"}}
		if got := overlapLabels(named, tt.others); got != tt.want {
			t.Errorf("overlapLabels(%v) = %q, want %q", tt.others, got, tt.want)
		}
	}
}

func TestRenameRejectedKeepsName(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{{Start: 100 * time.Millisecond, End: 900 * time.Millisecond, Text: " Hej."}})
	res := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: time.Second, Speaker: 0}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ts.PutDiarization(context.Background(), "rec-anna", true, b); err != nil {
		t.Fatal(err)
	}
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))

	for _, c := range []struct {
		name  string
		form  url.Values
		wants []string
	}{
		{"control_character", url.Values{"talare": {"0"}, "namn": {"Anna\x07 Berg"}},
			[]string{"Namnet innehåller ett osynligt styrtecken (U+0007) efter ”Anna”", `value="Anna` + "\x07" + ` Berg"`, "Talare 1", "Namnet du skrev finns kvar i rutan."}},
		{"too_long", url.Values{"talare": {"0"}, "namn": {strings.Repeat("ö", store.MaxSpeakerNameLength+1)}},
			[]string{"Namnet har 61 tecken, men får ha högst 60.", strings.Repeat("ö", store.MaxSpeakerNameLength+1)}},
		{"speaker_out_of_range", url.Values{"talare": {"64"}, "namn": {"Klient"}}, []string{"Talaren finns inte i inspelningen"}},
		{"speaker_not_a_number", url.Values{"talare": {"x"}, "namn": {"Klient"}}, []string{"Talaren finns inte i inspelningen"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			c.form.Set(CSRFField, token)
			w := anna.post("/recordings/rec-anna/talare", c.form)
			if w.Code != http.StatusBadRequest {
				t.Errorf("rename = %d, want 400", w.Code)
			}
			body := html.UnescapeString(w.Body.String())
			if strings.Contains(body, "Något gick fel") {
				t.Errorf("rejected rename shows the generic error page")
			}
			for _, want := range c.wants {
				if !strings.Contains(body, want) {
					t.Errorf("rename page lacks %q:\n%s", want, body)
				}
			}
		})
	}
	names, err := e.ts.SpeakerNames(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) != 0 {
		t.Errorf("rejected renames stored names %v", names)
	}
}

// fixedCountSource is a Source whose every recording has speakers fixed
// to one count, already divided.
type fixedCountSource struct {
	*fakeSource
	speakers int
}

func (f fixedCountSource) SpeakerCount(context.Context, string) (store.SpeakerCount, error) {
	return store.SpeakerCount{Speakers: f.speakers, Version: 1}, nil
}

func (f fixedCountSource) SetSpeakerCount(context.Context, string, int) error { return nil }

func TestRecountNoticeSaysWhenFewerHeard(t *testing.T) {
	h := &handler{src: fixedCountSource{fakeSource: &fakeSource{}, speakers: 3}, log: slog.New(slog.DiscardHandler)}
	res := diarize.Result{Turns: []diarize.Turn{{Speaker: 0}, {Speaker: 1}, {Speaker: 0}}}

	got, ok := h.recountNotice(context.Background(), "rec-1", true, 2, speakersHeard(res))
	want := "Du valde 3 talare, men bara 2 kunde skiljas åt i ljudet, så utskriften har delats upp i 2 talare. 2 rader fick en annan talare och är markerade."
	if !ok || got != want {
		t.Errorf("recountNotice with 2 of 3 speakers heard = %q, %t, want %q", got, ok, want)
	}
	got, _ = h.recountNotice(context.Background(), "rec-1", true, 0, 3)
	if want := "Utskriften har delats upp på nytt i 3 talare. Ingen rad fick en annan talare."; got != want {
		t.Errorf("recountNotice with all 3 heard = %q, want %q", got, want)
	}
}
