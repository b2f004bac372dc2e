package ui

import (
	"bytes"
	"context"
	"errors"
	"io/fs"
	"net/http"
	"strconv"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// serveList renders the list of recordings and the box list.
func (h *handler) serveList(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	recs, err := h.src.Recordings(ctx)
	if err != nil {
		h.log.Error("list recordings failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	if recs, err = h.visibleRecordings(ctx, recs); err != nil {
		h.log.Error("filter recordings by account failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	page := listPage{
		Title:     "Inspelningar",
		Engine:    h.engine,
		ShowBoxes: h.statuses != nil,
		Boxes:     h.boxRows(),
	}
	marks := h.documentedMarks(ctx)
	for _, rec := range recs {
		jobs, err := h.src.Jobs(ctx, rec.ID)
		if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
			continue // deleted since Recordings returned, by withdrawal or the wipe
		}
		if err != nil {
			h.log.Error("list jobs failed", "recording_id", rec.ID, "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
			return
		}
		row := h.recordingRow(rec, jobs)
		h.markRejected(ctx, &row)
		_, row.Documented = marks[rec.ID]
		page.Recordings = append(page.Recordings, row)
	}

	h.render(w, r, http.StatusOK, "list.html", page)
}

// serveRecording renders one recording with its player and transcript.
func (h *handler) serveRecording(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}

	jobs, err := h.src.Jobs(ctx, rec.ID)
	if err != nil {
		h.log.Error("list jobs failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	segs, err := h.src.Segments(ctx, rec.ID)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	if !h.logAccess(w, r, rec.ID) {
		return
	}
	row := h.recordingRow(rec, jobs)
	h.markRejected(ctx, &row)
	rows, speakerNotice, speakerList := h.shownRows(ctx, rec.ID, segs)
	page := recordingPage{
		Title:        "Inspelning " + row.Start,
		Engine:       h.engine,
		Rec:          row,
		HasAudio:     hasAudio(rec),
		AudioURL:     "/recordings/" + rec.ID + "/audio.wav",
		Segments:     rows,
		Speakers:     speakerNotice,
		Actions:      h.recordingActions(r, rec),
		Thread:       h.recordingThread(r, rec, rows, jobs),
		SegmentCount: len(segs),
		SpeakerList:  speakerList,
		SpeakerCount: h.speakerCountForm(ctx, rec.ID),
		CSRF:         CSRFTokenFromContext(r.Context()),
		Transcript:   transcriptNotice(rec, jobs, len(segs), h.engine.Configured),
	}

	// The key is read after the thread part, which may just have stored
	// the automatic summary or started the chat engine on it.
	threadKey, err := h.threadKey(ctx, rec, jobs, len(segs))
	if err != nil {
		h.log.Warn("read thread key failed", "recording_id", rec.ID, "error", err)
	}
	h.render(w, r, http.StatusOK, "recording.html", recordingPageLive{recordingPage: page, ThreadKey: threadKey, Finished: recordingFinished(rec)})
}

// recordingPageLive is the recording page with the thread key of the live
// updates that it was rendered with. An empty key makes the page fetch the
// thread part on the first live event.
type recordingPageLive struct {
	recordingPage
	ThreadKey string
	Finished  bool // the recording has ended and all its audio has arrived
}

// serveAudio streams the recording's contiguous audio as a WAV file,
// supporting range requests.
func (h *handler) serveAudio(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	if !hasAudio(rec) {
		h.renderError(w, r, http.StatusNotFound)
		return
	}

	wav, err := newWAVReader(ctx, h.src, rec.ID, rec.Format, rec.ContiguousFrames)
	if err != nil {
		h.log.Error("prepare audio failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	// A player fetches the file in many ranges, so one entry covers a
	// person's requests for any part of it for audioReadWindow.
	read := audioReadKey{account: accountID(ctx), rec: rec.ID}
	if h.audioReads.due(read, h.now()) {
		if !h.logAccess(w, r, rec.ID) {
			return
		}
		h.audioReads.logged(read, h.now())
	}

	// Decoding the first window before the headers go out turns a store
	// failure into an error page instead of a truncated file.
	if err := wav.loadWindow(0); err != nil {
		if errors.Is(err, store.ErrDeleted) {
			h.renderError(w, r, http.StatusGone)
			return
		}
		h.log.Error("read audio failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	// The file grows while chunks arrive, so its version is its frame count:
	// an If-Range from a player that holds a shorter version gets the whole file.
	w.Header().Set("Content-Type", "audio/wav")
	w.Header().Set("Content-Disposition", `inline; filename="`+rec.ID+`.wav"`)
	w.Header().Set("ETag", `"`+strconv.FormatUint(rec.ContiguousFrames, 10)+`"`)
	if refuseEmptyRange(w, r, wav.size) {
		return
	}
	http.ServeContent(&swedishRangeErrors{ResponseWriter: w}, r, "", time.Time{}, wav)

	// ServeContent drops a read error after the headers are out, so the
	// client sees a short file; the log gets the reason.
	if wav.err != nil && ctx.Err() == nil {
		h.log.Error("audio response cut short", "recording_id", rec.ID, "error", wav.err)
	}
}

// serveStatic serves an embedded asset, or the Swedish 404 page for a name
// that is not one, instead of the file server's English text or directory listing.
func (h *handler) serveStatic(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	info, err := fs.Stat(h.static, name)
	if err != nil || info.IsDir() {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	http.ServeFileFS(w, r, h.static, name)
}

// serveNotFound renders the Swedish 404 page for unknown paths.
func (h *handler) serveNotFound(w http.ResponseWriter, r *http.Request) {
	h.renderError(w, r, http.StatusNotFound)
}

// lookup loads the recording named by the path's id, rendering the error
// page and returning false when that fails or when the signed-in account
// may not read it (see checkRecordingAccess).
func (h *handler) lookup(w http.ResponseWriter, r *http.Request) (store.Recording, bool) {
	id := r.PathValue("id")
	if !protocol.ValidID(id) {
		h.renderError(w, r, http.StatusNotFound)
		return store.Recording{}, false
	}

	rec, err := h.src.Recording(r.Context(), id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		h.renderError(w, r, http.StatusNotFound)
		return store.Recording{}, false
	case errors.Is(err, store.ErrDeleted):
		h.renderError(w, r, http.StatusGone)
		return store.Recording{}, false
	case err != nil:
		h.log.Error("read recording failed", "recording_id", id, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return store.Recording{}, false
	}
	if !h.checkRecordingAccess(w, r, rec) {
		return store.Recording{}, false
	}
	return rec, true
}

// hasAudio reports whether a recording has audio that can be played.
func hasAudio(rec store.Recording) bool {
	return rec.ContiguousFrames > 0 && rec.Format.SampleRate > 0 && rec.Format.Channels > 0
}

// render executes a page into a buffer first, so a template failure
// becomes an error page instead of half a page.
func (h *handler) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.pages[name].ExecuteTemplate(&buf, "layout", h.layoutFor(r, data)); err != nil {
		h.log.Error("render page failed", "page", name, "error", err)
		if name != "error.html" {
			h.renderError(w, r, http.StatusInternalServerError)
		} else {
			http.Error(w, "Något gick fel.", http.StatusInternalServerError)
		}
		return
	}

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// layoutData is the shared layout's input: the page's own data, which
// the "content" template receives, and the header of a signed-in page.
type layoutData struct {
	Page   any
	Header *headerView // nil outside a signed-in page
}

// headerView is the signed-in person shown in every page's header.
type headerView struct {
	Name       string
	Role       string // in Swedish
	CSRF       string
	Admin      bool // links to the admin pages instead of the recordings
	Auditor    bool // links to the access log instead of the recordings
	Caseworker bool // links to the register extract too
	Boxes      bool // an admin's link to the boxes and tablets page
	Room       bool // a session opened on a room tablet: offers to leave the tablet
}

// layoutFor wraps a page's data with the header of the request's signed-in account.
func (h *handler) layoutFor(r *http.Request, data any) layoutData {
	acc, ok := AccountFromContext(r.Context())
	if !ok {
		return layoutData{Page: data}
	}
	return layoutData{Page: data, Header: &headerView{
		Name:       acc.DisplayName,
		Role:       acc.Role.Swedish(),
		CSRF:       CSRFTokenFromContext(r.Context()),
		Admin:      acc.Role == auth.RoleAdmin,
		Auditor:    acc.Role == auth.RoleAuditor,
		Caseworker: acc.Role == auth.RoleCaseworker,
		Boxes:      acc.Role == auth.RoleAdmin && h.rooms() != nil,
		Room:       h.inRoomSession(r),
	}}
}

// renderError renders the Swedish error page for status.
func (h *handler) renderError(w http.ResponseWriter, r *http.Request, status int) {
	h.render(w, r, status, "error.html", errorPageFor(status))
}

// logAccess records a read of rec's content, with the reason a manager
// gave for opening another person's recording. It renders an error page
// and returns false when the entry cannot be written, so no content is
// served without its access-log entry.
func (h *handler) logAccess(w http.ResponseWriter, r *http.Request, rec string) bool {
	if h.access == nil {
		return true
	}
	if reason := h.grantedReason(r, rec); reason != "" {
		r = r.WithContext(withAccessDetail(r.Context(), AccessDetail{Reason: reason}))
	}
	if err := h.access(r, "read", rec); err != nil {
		h.log.Error("access log write failed, content withheld", "recording_id", rec, "error", err)
		h.renderError(w, r, http.StatusServiceUnavailable)
		return false
	}
	return true
}

// documentedMarks returns the recordings marked as documented, or none when
// the source keeps no marks or fails (the list still shows, without them).
func (h *handler) documentedMarks(ctx context.Context) map[string]store.DocumentedMark {
	src, ok := h.src.(interface {
		DocumentedMarks(ctx context.Context) (map[string]store.DocumentedMark, error)
	})
	if !ok {
		return nil
	}
	marks, err := src.DocumentedMarks(ctx)
	if err != nil {
		h.log.Error("read documented marks failed", "error", err)
		return nil
	}
	return marks
}
