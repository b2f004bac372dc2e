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

func TestEditPage(t *testing.T) {
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 100 * time.Millisecond, End: 900 * time.Millisecond, Text: " Hon heter Ana."},
		{Start: 900 * time.Millisecond, End: 1900 * time.Millisecond, Text: " Hon bor i Malmö."},
	})
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	second := "/recordings/rec-anna/segment/" + strconv.FormatInt(segs[1].ID, 10)
	anna := e.signIn(t, e.people["anna"])

	// The recording page links each segment's edit page instead of carrying its form.
	page := anna.get("/recordings/rec-anna").Body.String()
	if strings.Contains(page, `name="text"`) {
		t.Errorf("recording page carries an edit form; it should only link the edit page")
	}
	if !strings.Contains(page, `href="`+second+`"`) {
		t.Errorf("recording page lacks the link %s", second)
	}
	e.access.take()

	w := anna.get(second)
	checkPage(t, w, http.StatusOK, "Spara ändringen")
	body := w.Body.String()
	if !strings.Contains(body, ">Hon bor i Malmö.</textarea>") || strings.Contains(body, "Hon heter Ana.") {
		t.Errorf("edit page does not hold exactly the second segment's text:\n%s", body)
	}
	if calls := e.access.take(); len(calls) != 1 || calls[0].Action != "read" || calls[0].Recording != "rec-anna" {
		t.Errorf("access log calls for the edit page = %+v, want one read of rec-anna", calls)
	}

	// After an edit the page offers the new text and lists the original.
	if w := anna.post(second, url.Values{CSRFField: {csrf(t, w)}, "text": {"Hon bor i Malmö sedan i fjol."}}); w.Code != http.StatusSeeOther {
		t.Fatalf("edit = %d", w.Code)
	}
	body = anna.get(second).Body.String()
	for _, want := range []string{">Hon bor i Malmö sedan i fjol.</textarea>", "Tidigare versioner", "Ursprunglig utskrift:</span> Hon bor i Malmö."} {
		if !strings.Contains(body, want) {
			t.Errorf("edit page after an edit lacks %q", want)
		}
	}
	e.access.take()

	for _, bad := range []struct {
		name string
		path string
	}{
		{"unknown_segment", "/recordings/rec-anna/segment/99999"},
		{"not_a_number", "/recordings/rec-anna/segment/x"},
		{"other_persons_recording", "/recordings/rec-bo/segment/" + strconv.FormatInt(segs[0].ID, 10)},
		{"bad_recording_id", "/recordings/..%2f/segment/1"},
	} {
		if w := anna.get(bad.path); w.Code != http.StatusNotFound {
			t.Errorf("%s: GET %s = %d, want 404", bad.name, bad.path, w.Code)
		}
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("refused edit pages wrote access entries %+v", calls)
	}
}
