package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

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
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("rejected renames wrote access entries %+v", calls)
	}
}
