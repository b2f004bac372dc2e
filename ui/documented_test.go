package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestMarkDocumented(t *testing.T) {
	e := newActionsEnv(t)
	endRecording(t, e.accessEnv, "rec-anna")
	b := e.signIn(t, e.people["anna"])

	page := b.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Inte dokumenterad ännu. Inspelningen gallras automatiskt om 2 dagar.")
	e.actions.take()

	checkRedirect(t, b.post("/recordings/rec-anna/dokumenterad", url.Values{CSRFField: {csrf(t, page)}, "dokumenterad": {"ja"}}), "/recordings/rec-anna")
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("documented mark logged %+v, want nothing: it reads no content", calls)
	}
	mark, ok, err := e.ts.Documented(context.Background(), "rec-anna")
	if err != nil || !ok || mark.AccountID != e.people["anna"].ID {
		t.Fatalf("store.Documented = %+v, %v, %v, want anna's mark", mark, ok, err)
	}
	page = b.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Markerad som dokumenterad")
	if list := b.get("/").Body.String(); !strings.Contains(list, `<span class="hint">dokumenterad</span>`) {
		t.Errorf("list page does not show the documented mark")
	}
	checkPage(t, b.get("/recordings/rec-anna/gallra"), http.StatusOK, "Markeringen att inspelningen är dokumenterad")

	checkRedirect(t, b.post("/recordings/rec-anna/dokumenterad", url.Values{CSRFField: {csrf(t, page)}, "dokumenterad": {"nej"}}), "/recordings/rec-anna")
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusOK, "Inte dokumenterad ännu")
}

func TestMarkDocumentedRejectsBadInput(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/"))

	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"no_csrf", "/recordings/rec-anna/dokumenterad", url.Values{"dokumenterad": {"ja"}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"bad_value", "/recordings/rec-anna/dokumenterad", url.Values{CSRFField: {token}, "dokumenterad": {"kanske"}}, http.StatusBadRequest, "Formuläret kunde inte läsas"},
		{"another_persons_recording", "/recordings/rec-bo/dokumenterad", url.Values{CSRFField: {token}, "dokumenterad": {"ja"}}, http.StatusNotFound, "Sidan finns inte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.post(tt.path, tt.form), tt.status, tt.want)
		})
	}
	for _, rec := range []string{"rec-anna", "rec-bo"} {
		if _, ok, err := e.ts.Documented(context.Background(), rec); err != nil || ok {
			t.Errorf("store.Documented(%s) after rejected marks = %v, %v, want unmarked", rec, ok, err)
		}
	}
	if w := b.get("/recordings/rec-anna/dokumenterad"); w.Code == http.StatusSeeOther || strings.Contains(w.Body.String(), "Markerad som dokumenterad") {
		t.Errorf("GET of the mark route = %d, want no change", w.Code)
	}
}

// TestMarkDocumentedNeedsFinishedRecording: a recording that is still in
// progress, paused or waiting for audio cannot be marked, and its page
// offers no button for it.
func TestMarkDocumentedNeedsFinishedRecording(t *testing.T) {
	e := newActionsEnv(t)
	pause := protocol.Event{Seq: 1, Type: protocol.EventPause, At: testNow.Add(-time.Hour + time.Second), Frame: 16000}
	if _, err := e.ts.PutEvent(context.Background(), "box-1", "rec-anna", pause); err != nil {
		t.Fatalf("PutEvent(pause): %v", err)
	}
	b := e.signIn(t, e.people["anna"])

	page := b.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Den kan markeras som dokumenterad när samtalet är avslutat")
	if strings.Contains(page.Body.String(), `value="ja"`) {
		t.Errorf("page of a paused recording offers the documented mark")
	}

	w := b.post("/recordings/rec-anna/dokumenterad", url.Values{CSRFField: {csrf(t, page)}, "dokumenterad": {"ja"}})
	checkPage(t, w, http.StatusConflict, "kan inte markeras som dokumenterad än")
	if _, ok, err := e.ts.Documented(context.Background(), "rec-anna"); err != nil || ok {
		t.Errorf("store.Documented after marking a paused recording = %v, %v, want unmarked", ok, err)
	}
}
