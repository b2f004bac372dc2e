package ui

import (
	"context"
	"html"
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
	// The rejected texts come back on the edit page, which shows the
	// transcript and so writes "read" entries, but none is an edit.
	for _, c := range e.access.take() {
		if c.Action != "read" {
			t.Errorf("rejected edit wrote access entry %+v, want reads only", c)
		}
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
	for _, want := range []string{">Hon bor i Malmö sedan i fjol.</textarea>", "Tidigare versioner", "Ursprunglig utskrift:</span> <bdi>Hon bor i Malmö.</bdi>"} {
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

// editFixture is anna's recording with one segment, signed in, with the
// path of the segment's edit page and a CSRF token.
func editFixture(t *testing.T, engineText string) (*accessEnv, *browser, string, string) {
	t.Helper()
	e := newAccessEnv(t)
	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{{Start: 100 * time.Millisecond, End: 900 * time.Millisecond, Text: engineText}})
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	path := "/recordings/rec-anna/segment/" + strconv.FormatInt(segs[0].ID, 10)
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get(path))
	e.access.take()
	return e, anna, path, token
}

func TestEditSegmentWithLineBreaksFromBrowser(t *testing.T) {
	e, anna, path, token := editFixture(t, " Hej.")

	// Browsers send a textarea's line breaks as CRLF.
	w := anna.post(path, url.Values{CSRFField: {token}, "text": {"Rad ett.\r\nRad två,\u00a010\u00a0000 kr 👩\u200d⚕\ufe0f.\r\n"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("edit with CRLF = %d, want 303:\n%s", w.Code, w.Body.String())
	}
	edits, err := e.ts.SegmentEdits(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, list := range edits {
		for _, v := range list {
			got = append(got, v.Text)
		}
	}
	want := "Rad ett.\nRad två,\u00a010\u00a0000 kr 👩\u200d⚕\ufe0f."
	if len(got) != 1 || got[0] != want {
		t.Errorf("stored edits = %q, want [%q]", got, want)
	}
}

func TestEditSegmentRejectedKeepsInput(t *testing.T) {
	_, anna, path, token := editFixture(t, " Hej.")

	for _, c := range []struct {
		name  string
		text  string
		wants []string
	}{
		{"empty", " \r\n ", []string{"Texten var tom."}},
		{"too_long", strings.Repeat("å", store.MaxSegmentTextLength+1), []string{"Texten har 2001 tecken, men en rad får ha högst 2000."}},
		{"control_character", "Hej då\a och välkommen", []string{"styrtecken (U+0007) efter ”Hej då”", "Ta bort det och spara igen.", "Hej då\a och välkommen</textarea>"}},
		{"c1_control", "\u009bHej", []string{"börjar med ett osynligt styrtecken (U+009B)"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			w := anna.post(path, url.Values{CSRFField: {token}, "text": {c.text}})
			if w.Code != http.StatusBadRequest {
				t.Errorf("edit = %d, want 400", w.Code)
			}
			body := html.UnescapeString(w.Body.String())
			if strings.Contains(body, "Något gick fel") {
				t.Errorf("rejected edit shows the generic error page:\n%s", body)
			}
			for _, want := range append(c.wants, "Spara ändringen", "Texten du skrev finns kvar i rutan.") {
				if !strings.Contains(body, want) {
					t.Errorf("edit page lacks %q:\n%s", want, body)
				}
			}
		})
	}
	long := anna.post(path, url.Values{CSRFField: {token}, "text": {strings.Repeat("å", store.MaxSegmentTextLength+1)}}).Body.String()
	if !strings.Contains(long, strings.Repeat("å", store.MaxSegmentTextLength+1)+"</textarea>") {
		t.Errorf("edit page after a too long text does not keep the text")
	}
}

func TestEditSegmentUnchangedIsNoOp(t *testing.T) {
	e, anna, path, token := editFixture(t, " Summan är 10\u00a0000 kr, sa \u202eabc\u202c. ")

	w := anna.post(path, url.Values{CSRFField: {token}, "text": {"Summan är 10\u00a0000 kr, sa \u202eabc\u202c.\r\n"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("unchanged edit = %d, want 303:\n%s", w.Code, w.Body.String())
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("unchanged edit wrote access entries %+v, want none", calls)
	}
	edits, err := e.ts.SegmentEdits(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	if len(edits) != 0 {
		t.Errorf("unchanged edit stored versions %+v, want none", edits)
	}
	if body := anna.get("/recordings/rec-anna").Body.String(); strings.Contains(body, "ändrad</span>") {
		t.Errorf("recording page marks the unchanged row as edited")
	}
}

func TestEditHistoryNamesEditor(t *testing.T) {
	e, anna, path, token := editFixture(t, " Hon heter Ana.")

	for _, text := range []string{"Hon heter Anna.", "Hon heter Anna A."} {
		if w := anna.post(path, url.Values{CSRFField: {token}, "text": {text}}); w.Code != http.StatusSeeOther {
			t.Fatalf("edit = %d", w.Code)
		}
	}
	name := "av " + e.people["anna"].DisplayName
	body := anna.get(path).Body.String()
	if n := strings.Count(body, name); n != 2 {
		t.Errorf("edit page names the editor %d times, want 2 (current and earlier version):\n%s", n, body)
	}
	if page := anna.get("/recordings/rec-anna").Body.String(); !strings.Contains(page, name+":</span>") {
		t.Errorf("recording page history does not name the editor:\n%s", page)
	}
}
