package ui

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
)

// segmentEditor is implemented by a Source that keeps edits of segment
// texts (central/store does).
type segmentEditor interface {
	SegmentEdits(ctx context.Context, rec string) (map[int64][]store.Edit, error)
	EditSegment(ctx context.Context, rec string, segment int64, text, editedBy string) (store.Edit, error)
}

// applyEdits shows the latest edit of every edited segment: its rows become
// one row with the edited text, marked, with the engine's original and the
// earlier edits as its history.
func (h *handler) applyEdits(ctx context.Context, rec string, segs []store.Segment, rows []segmentRow) []segmentRow {
	src, ok := h.src.(segmentEditor)
	if !ok {
		return rows
	}
	edits, err := src.SegmentEdits(ctx, rec)
	if err != nil {
		h.logReadError(ctx, "read segment edits failed", rec, err)
		return rows
	}
	if len(edits) == 0 {
		return rows
	}
	original := map[int64]string{}
	for _, s := range segs {
		original[s.ID] = strings.TrimSpace(s.Text)
	}

	out := rows[:0:0]
	done := map[int64]bool{}
	for _, row := range rows {
		versions, edited := edits[row.SegmentID]
		if !edited {
			out = append(out, row)
			continue
		}
		if done[row.SegmentID] {
			continue // the segment's other rows are folded into its first
		}
		done[row.SegmentID] = true

		latest := versions[len(versions)-1]
		row.Edited = true
		row.FirstOfSegment = true
		row.Parts = []textPart{{Text: latest.Text}}
		row.Text = latest.Text
		row.History = []editVersion{{Label: "Ursprunglig utskrift", Text: original[row.SegmentID]}}
		for _, v := range versions[:len(versions)-1] {
			row.History = append(row.History, editVersion{Label: "Ändrad " + formatDateTime(v.EditedAt, h.now(), h.loc), Text: v.Text})
		}
		out = append(out, row)
	}
	return out
}

// registerEditRoutes adds the segment edit routes. Editing needs sign-in,
// which gives the CSRF token and the editor to record.
func (h *handler) registerEditRoutes(a Authenticator) {
	if a == nil {
		return
	}
	h.handle("GET /recordings/{id}/segment/{seg}", routeContent,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveEditForm)))
	h.handle(editPattern, routeContent,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveEditSegment)))
}

// editPage is the data of the edit page of one segment. The recording
// page links every segment there instead of carrying a form per row, and
// its script shows the page's form inside the row.
type editPage struct {
	Title        string
	RecordingID  string
	SegmentID    int64
	CSRF         string
	Clock        string
	Speaker      string
	SpeakerClass string
	Text         string
	MaxLength    int
	History      []editVersion
	Back         string
}

// serveEditForm shows the form that changes one segment's current text,
// with its earlier versions. It shows transcript text, so it writes a
// "read" entry.
func (h *handler) serveEditForm(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	seg, err := strconv.ParseInt(r.PathValue("seg"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	segs, err := h.src.Segments(r.Context(), rec.ID)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	rows, _, _ := h.shownRows(r.Context(), rec.ID, segs)
	i := slices.IndexFunc(rows, func(row segmentRow) bool { return row.SegmentID == seg && row.FirstOfSegment })
	if i < 0 {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	if !h.logAccess(w, r, rec.ID) {
		return
	}
	row := rows[i]
	h.render(w, r, http.StatusOK, "edit.html", editPage{
		Title:        "Ändra texten",
		RecordingID:  rec.ID,
		SegmentID:    seg,
		CSRF:         CSRFTokenFromContext(r.Context()),
		Clock:        row.Clock,
		Speaker:      row.Speaker,
		SpeakerClass: row.SpeakerClass,
		Text:         row.Text,
		MaxLength:    store.MaxSegmentTextLength,
		History:      row.History,
		Back:         "/recordings/" + rec.ID + "#segment-" + strconv.FormatInt(seg, 10),
	})
}

// serveEditSegment stores a new text for one segment and returns to it.
func (h *handler) serveEditSegment(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	src, ok := h.src.(segmentEditor)
	acc, signedIn := AccountFromContext(r.Context())
	if !ok || !signedIn {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	seg, err := strconv.ParseInt(r.PathValue("seg"), 10, 64)
	if err != nil {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxEditForm)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge)
		return
	}

	if _, err := src.EditSegment(r.Context(), rec.ID, seg, r.PostFormValue("text"), acc.ID); err != nil {
		switch {
		case errors.Is(err, store.ErrInvalid):
			h.log.Warn("segment edit rejected", "recording_id", rec.ID, "segment_id", seg, "error", err)
			h.renderError(w, r, http.StatusBadRequest)
		case errors.Is(err, store.ErrNotFound):
			h.renderError(w, r, http.StatusNotFound)
		default:
			h.log.Error("store segment edit failed", "recording_id", rec.ID, "segment_id", seg, "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
		}
		return
	}
	if h.access != nil {
		if err := h.access(r, "edit", rec.ID); err != nil {
			h.log.Error("access log write failed after a segment edit", "recording_id", rec.ID, "error", err)
		}
	}
	http.Redirect(w, r, "/recordings/"+rec.ID+"#segment-"+strconv.FormatInt(seg, 10), http.StatusSeeOther)
}

// shownRows returns rec's transcript as people see it everywhere (page,
// search, copy): by speaker, with the given names and the latest edits.
func (h *handler) shownRows(ctx context.Context, rec string, segs []store.Segment) ([]segmentRow, string, []speakerForm) {
	rows, notice, speakers := h.transcriptRows(ctx, rec, segs)
	return h.applyEdits(ctx, rec, segs, rows), notice, speakers
}
