package ui

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
)

func TestEditSegmentKeepsHistory(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{{Start: 100 * time.Millisecond, End: 900 * time.Millisecond, Text: " Hon heter Ana."}})
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	path := "/recordings/rec-anna/segment/" + strconv.FormatInt(segs[0].ID, 10)

	anna := e.signIn(t, e.people["anna"])
	page := anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Ändra texten")
	token := csrf(t, page)
	e.access.take()

	if w := anna.post(path, url.Values{CSRFField: {token}, "text": {"Hon heter Anna."}}); w.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d:\n%s", w.Code, w.Body.String())
	}
	if calls := e.access.take(); len(calls) != 1 || calls[0].Action != "edit" {
		t.Errorf("access log calls after an edit = %+v, want one edit", calls)
	}
	body := anna.get("/recordings/rec-anna").Body.String()
	for _, want := range []string{"Hon heter Anna.", "ändrad", "Ursprunglig utskrift", "Hon heter Ana."} {
		if !strings.Contains(body, want) {
			t.Errorf("page after an edit lacks %q", want)
		}
	}
	e.access.take()

	// The journal note and the search use the corrected text, not the engine's.
	note := anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}}).Body.String()
	if !strings.Contains(note, "Hon heter Anna.") || strings.Contains(note, "Hon heter Ana.") {
		t.Errorf("journal note after an edit does not hold the corrected text:\n%s", note)
	}
	if hits := anna.get("/sok?q=Anna").Body.String(); !strings.Contains(hits, "<mark>Anna</mark>") {
		t.Errorf("search does not find the corrected word")
	}
	e.access.take()

	for _, bad := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"no_csrf", path, url.Values{"text": {"x"}}, http.StatusForbidden},
		{"empty", path, url.Values{CSRFField: {token}, "text": {"  "}}, http.StatusBadRequest},
		{"oversize", path, url.Values{CSRFField: {token}, "text": {strings.Repeat("å", store.MaxSegmentTextLength+1)}}, http.StatusBadRequest},
		{"over_form_limit", path, url.Values{CSRFField: {token}, "text": {strings.Repeat("å", 6000)}}, http.StatusRequestEntityTooLarge},
		{"unknown_segment", "/recordings/rec-anna/segment/99999", url.Values{CSRFField: {token}, "text": {"x"}}, http.StatusNotFound},
		{"other_recording", "/recordings/rec-bo/segment/" + strconv.FormatInt(segs[0].ID, 10), url.Values{CSRFField: {token}, "text": {"x"}}, http.StatusNotFound},
	} {
		if w := anna.post(bad.path, bad.form); w.Code != bad.want {
			t.Errorf("%s: edit = %d, want %d", bad.name, w.Code, bad.want)
		}
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("rejected edits wrote access entries %+v", calls)
	}
}
