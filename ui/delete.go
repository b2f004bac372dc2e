package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"

	"github.com/ordagrann/ordagrann/central/store"
)

// deletePage is the data of the delete confirmation and of its result.
type deletePage struct {
	Title       string
	RecordingID string
	CSRF        string
	Rec         recordingRow
	Segments    int
	Questions   int // questions in the thread, each with its answer
	Documented  bool
	InProgress  bool // the box is still recording or has paused
	Paused      bool
	AudioDue    bool // the meeting has ended, but the box has audio left to send
	Error       string
	Deleted     bool
}

// deleteReason is the reason the store logs for a deletion from the view.
const deleteReason = "deleted by caseworker"

// serveDeleteForm shows what deleting the recording removes and asks for
// confirmation. Only the recording's owner may delete it.
func (h *handler) serveDeleteForm(w http.ResponseWriter, r *http.Request) {
	page, ok := h.deletePage(w, r)
	if !ok {
		return
	}
	h.render(w, r, http.StatusOK, "delete.html", page)
}

// serveDelete deletes the recording after the confirmation box was
// ticked, writing the "delete" entry first so no deletion goes unlogged.
func (h *handler) serveDelete(w http.ResponseWriter, r *http.Request) {
	page, ok := h.deletePage(w, r)
	if !ok {
		return
	}
	if !h.parseAuthForm(w, r) {
		return
	}
	if r.PostForm.Get("bekrafta") != "ja" {
		page.Error = "Kryssa i rutan för att bekräfta att inspelningen ska gallras."
		h.render(w, r, http.StatusBadRequest, "delete.html", page)
		return
	}
	deleter, ok := h.src.(recordingDeleter)
	if !ok {
		h.log.Error("delete failed: the source cannot delete recordings", "recording_id", page.RecordingID)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	detail := map[string]string{"segments": strconv.Itoa(page.Segments)}
	if !h.logAction(w, r, "delete", page.RecordingID, detail) {
		return
	}
	if err := deleter.DeleteRecording(r.Context(), page.RecordingID, deleteReason); err != nil {
		h.log.Error("delete recording failed after its access-log entry", "recording_id", page.RecordingID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	page.Title, page.Deleted, page.CSRF = "Inspelningen är gallrad", true, ""
	h.render(w, r, http.StatusOK, "delete.html", page)
}

// deletePage loads the recording named by the path and checks that the
// signed-in account owns it, or writes the error response and returns false.
func (h *handler) deletePage(w http.ResponseWriter, r *http.Request) (deletePage, bool) {
	rec, ok := h.lookup(w, r)
	if !ok || !h.requireOwner(w, r, rec) {
		return deletePage{}, false
	}
	ctx := r.Context()
	page := deletePage{
		Title:       "Gallra inspelningen",
		RecordingID: rec.ID,
		CSRF:        CSRFTokenFromContext(ctx),
		Rec:         h.recordingRow(rec, nil),
		InProgress:  rec.State == store.StateRecording || rec.State == store.StatePaused,
	}
	page.Paused = rec.State == store.StatePaused
	page.AudioDue = !page.InProgress && !rec.Complete
	if counter, ok := h.src.(interface {
		SegmentCount(ctx context.Context, rec string) (int, error)
	}); ok {
		n, err := counter.SegmentCount(ctx, rec.ID)
		if err != nil && !errors.Is(err, store.ErrDeleted) {
			h.log.Error("count segments failed", "recording_id", rec.ID, "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
			return deletePage{}, false
		}
		page.Segments = n
	}
	if src, ok := h.src.(threadSource); ok {
		msgs, err := src.Thread(ctx, rec.ID)
		if err != nil && !errors.Is(err, store.ErrDeleted) {
			h.log.Error("read thread failed", "recording_id", rec.ID, "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
			return deletePage{}, false
		}
		for _, m := range msgs {
			if m.Kind == store.ThreadQuestion {
				page.Questions++
			}
		}
	}
	if src, ok := h.src.(documentedSource); ok {
		var err error
		if _, page.Documented, err = src.Documented(ctx, rec.ID); err != nil {
			h.log.Error("read documented mark failed", "recording_id", rec.ID, "error", err)
		}
	}
	return page, true
}
