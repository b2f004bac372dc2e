package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/store"
)

// speakerForm is one speaker of a recording as the rename form shows it.
type speakerForm struct {
	Index int
	Label string // the name shown on the rows
	Class string // the speaker's colour class
}

// speakerNamer is implemented by a Source that keeps speaker names
// (central/store does).
type speakerNamer interface {
	SpeakerNames(ctx context.Context, rec string) (map[int]string, error)
	SetSpeakerName(ctx context.Context, rec string, speaker int, name string) error
}

// applySpeakerNames replaces the diarization's labels with the names given
// in the view, so a rename relabels every row of that speaker.
func (h *handler) applySpeakerNames(ctx context.Context, rec string, res *diarize.Result) {
	src, ok := h.src.(speakerNamer)
	if !ok {
		return
	}
	names, err := src.SpeakerNames(ctx, rec)
	if err != nil {
		h.log.Error("read speaker names failed", "recording_id", rec, "error", err)
		return
	}
	for i, name := range names {
		if i >= 0 && i < len(res.Speakers) {
			res.Speakers[i].Label = name
		}
	}
}

func speakerForms(res diarize.Result) []speakerForm {
	forms := make([]speakerForm, 0, len(res.Speakers))
	for i, sp := range res.Speakers {
		forms = append(forms, speakerForm{Index: i, Label: sp.Label, Class: "speaker-" + strconv.Itoa(i%6+1)})
	}
	return forms
}

// registerSpeakerRoutes adds the rename route. Renaming changes the
// transcript, so it needs sign-in (and so a CSRF token) and a role that
// may read the recording.
func (h *handler) registerSpeakerRoutes(a Authenticator) {
	if a == nil {
		return
	}
	h.handle("POST /recordings/{id}/talare", routeContent,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveRenameSpeaker)))
}

// serveRenameSpeaker names one speaker of a recording and returns to it.
func (h *handler) serveRenameSpeaker(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	src, ok := h.src.(speakerNamer)
	if !ok {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	speaker, err := strconv.Atoi(r.PostFormValue("talare"))
	if err != nil {
		h.renderError(w, r, http.StatusBadRequest)
		return
	}

	if err := src.SetSpeakerName(r.Context(), rec.ID, speaker, r.PostFormValue("namn")); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			h.log.Warn("speaker name rejected", "recording_id", rec.ID, "error", err)
			h.renderError(w, r, http.StatusBadRequest)
			return
		}
		h.log.Error("store speaker name failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	if h.access != nil {
		if err := h.access(r, "edit", rec.ID); err != nil {
			h.log.Error("access log write failed after a speaker rename", "recording_id", rec.ID, "error", err)
		}
	}
	http.Redirect(w, r, "/recordings/"+rec.ID+"#talare", http.StatusSeeOther)
}
