package ui

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/store"
)

func TestDeleteAfterConfirmation(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.actions.take()

	form := b.get("/recordings/rec-anna/gallra")
	checkPage(t, form, http.StatusOK, "Det går inte att ångra.")
	for _, want := range []string{"Utskriften, 3 rader", "Ljudet från samtalet", "inte markerad som dokumenterad"} {
		if !strings.Contains(form.Body.String(), want) {
			t.Errorf("confirmation page lacks %q", want)
		}
	}
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("confirmation page logged %+v, want nothing: it shows no content", calls)
	}

	w := b.post("/recordings/rec-anna/gallra", url.Values{CSRFField: {csrf(t, form)}, "bekrafta": {"ja"}})
	checkPage(t, w, http.StatusOK, "Inspelningen är gallrad")
	want := []actionCall{{Actor: e.people["anna"].ID, Action: "delete", Recording: "rec-anna", Detail: map[string]string{"segments": "3"}}}
	if diff := cmp.Diff(want, e.actions.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}

	if _, err := e.ts.Recording(context.Background(), "rec-anna"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("store.Recording after delete = %v, want ErrDeleted", err)
	}
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusGone, "Inspelningen är raderad")
	if ids := listedRecordings(t, b); len(ids) != 0 {
		t.Errorf("list after delete = %v, want none", ids)
	}
	checkPage(t, b.get("/sok?q=boende"), http.StatusOK, "Inga träffar")
}

func TestDeleteRejectsBadInput(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/gallra"))
	e.actions.take()

	tests := []struct {
		name   string
		path   string
		form   url.Values
		status int
		want   string
	}{
		{"no_confirmation", "/recordings/rec-anna/gallra", url.Values{CSRFField: {token}}, http.StatusBadRequest, "Kryssa i rutan"},
		{"wrong_confirmation", "/recordings/rec-anna/gallra", url.Values{CSRFField: {token}, "bekrafta": {"on"}}, http.StatusBadRequest, "Kryssa i rutan"},
		{"no_csrf", "/recordings/rec-anna/gallra", url.Values{"bekrafta": {"ja"}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"wrong_csrf", "/recordings/rec-anna/gallra", url.Values{CSRFField: {"fel"}, "bekrafta": {"ja"}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"another_persons_recording", "/recordings/rec-bo/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}, http.StatusNotFound, "Sidan finns inte"},
		{"unknown_recording", "/recordings/rec-none/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}, http.StatusNotFound, "Sidan finns inte"},
		{"invalid_id", "/recordings/..%2Fx/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}, http.StatusNotFound, "Sidan finns inte"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.post(tt.path, tt.form), tt.status, tt.want)
		})
	}
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("rejected deletions logged %+v, want nothing", calls)
	}
	for _, rec := range []string{"rec-anna", "rec-bo"} {
		if _, err := e.ts.Recording(context.Background(), rec); err != nil {
			t.Errorf("store.Recording(%s) after rejected deletions = %v, want it kept", rec, err)
		}
	}
}

func TestManagerCannotDelete(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["maja"])
	token := csrf(t, b.get("/"))
	checkRedirect(t, b.post("/recordings/rec-anna/skal", url.Values{CSRFField: {token}, "skal": {"Anna är sjuk i dag."}}), "/recordings/rec-anna")
	page := b.get("/recordings/rec-anna")
	if strings.Contains(page.Body.String(), "/gallra") {
		t.Errorf("manager's recording page offers deletion")
	}
	e.actions.take()

	checkPage(t, b.post("/recordings/rec-anna/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}), http.StatusForbidden, "Bara handläggaren som äger inspelningen")
	if _, err := e.ts.Recording(context.Background(), "rec-anna"); err != nil {
		t.Errorf("store.Recording after a manager's delete = %v, want it kept", err)
	}
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("rejected delete logged %+v", calls)
	}
}

func TestDeleteWithoutAccessLogKeepsRecording(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna/gallra"))
	e.actions.err = context.DeadlineExceeded

	if w := b.post("/recordings/rec-anna/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}}); w.Code != http.StatusServiceUnavailable {
		t.Errorf("delete with a failing access log = %d, want 503", w.Code)
	}
	if _, err := e.ts.Recording(context.Background(), "rec-anna"); err != nil {
		t.Errorf("store.Recording after an unlogged delete = %v, want it kept", err)
	}
}

// TestDeletePageWarnsInProgress: the confirmation of a recording that the
// box is still making states that and what it means, and it lists the
// questions and answers among what will be gone.
func TestDeletePageWarnsInProgress(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/recordings/rec-anna"))
	checkRedirect(t, b.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {"Vad sa hon om boendet?"}}), "/recordings/rec-anna#svar-2")

	inProgress := b.get("/recordings/rec-anna/gallra")
	for _, want := range []string{"Inspelningen pågår fortfarande.", "Allt den skickar efter gallringen kastas", "1 fråga om samtalet med svaren"} {
		checkPage(t, inProgress, http.StatusOK, want)
	}

	endRecording(t, e.accessEnv, "rec-anna")
	ended := b.get("/recordings/rec-anna/gallra").Body.String()
	for _, notWant := range []string{"pågår fortfarande", "Allt ljud har inte kommit fram"} {
		if strings.Contains(ended, notWant) {
			t.Errorf("confirmation of an ended recording contains %q", notWant)
		}
	}
	if !strings.Contains(ended, "1 fråga om samtalet med svaren") {
		t.Errorf("confirmation of an ended recording lacks the question")
	}
}
