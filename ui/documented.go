package ui

import (
	"errors"
	"net/http"

	"github.com/ordagrann/ordagrann/central/store"
)

// serveDocumented marks the recording as documented ("dokumenterad=ja")
// or removes the mark, then returns to the recording page. Only a finished
// recording can be marked, because a recording still in progress gets more
// audio and transcript after the journal entry was written. The mark reads
// no content, so it writes no access-log entry.
func (h *handler) serveDocumented(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok || !h.requireOwner(w, r, rec) {
		return
	}
	if !h.parseAuthForm(w, r) {
		return
	}
	src, ok := h.src.(documentedSource)
	if !ok {
		h.log.Error("documented mark failed: the source cannot store it", "recording_id", rec.ID)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	var documented bool
	switch r.PostForm.Get("dokumenterad") {
	case "ja":
		documented = true
	case "nej":
	default:
		h.renderAuthMessage(w, r, http.StatusBadRequest, msgBadForm)
		return
	}

	if documented && !recordingFinished(rec) {
		msg := msgNotFinished
		msg.LinkURL = "/recordings/" + rec.ID
		h.renderAuthMessage(w, r, http.StatusConflict, msg)
		return
	}

	acc, _ := AccountFromContext(r.Context())
	err := src.SetDocumented(r.Context(), rec.ID, acc.ID, documented)
	switch {
	case errors.Is(err, store.ErrDeleted):
		h.renderError(w, r, http.StatusGone)
		return
	case err != nil:
		h.log.Error("store documented mark failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	http.Redirect(w, r, "/recordings/"+rec.ID, http.StatusSeeOther)
}

// msgNotFinished is the response to marking a recording that is not finished.
var msgNotFinished = authMessage{
	Title:    "Inspelningen är inte klar",
	Message:  "Inspelningen pågår fortfarande eller väntar på ljud från rumsenheten, så den kan inte markeras som dokumenterad än. Avsluta samtalet på rumsenheten och markera inspelningen när allt ljud har kommit fram.",
	LinkText: "Tillbaka till inspelningen",
}

// recordingFinished reports whether rec has ended and all its audio has
// arrived, so its transcript will not grow any more.
func recordingFinished(rec store.Recording) bool {
	return rec.Complete && (rec.State == store.StateEnded || rec.State == store.StateInterrupted)
}
