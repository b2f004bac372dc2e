package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

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
	editor := h.editorNames(ctx)

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
		row.Parts = closeBidiParts([]textPart{{Text: latest.Text}})
		row.Text = latest.Text
		row.EditedLabel = h.editLabel(latest, editor)
		row.History = []editVersion{{Label: "Ursprunglig utskrift", Text: original[row.SegmentID]}}
		for _, v := range versions[:len(versions)-1] {
			row.History = append(row.History, editVersion{Label: h.editLabel(v, editor), Text: v.Text})
		}
		out = append(out, row)
	}
	return out
}

// editLabel returns "Ändrad fre 4 dec 14:05 av Anna Andersson", without
// the name when the account cannot be read.
func (h *handler) editLabel(e store.Edit, editor func(id string) string) string {
	label := "Ändrad " + formatDateTime(e.EditedAt, h.now(), h.loc)
	if name := editor(e.EditedBy); name != "" {
		label += " av " + name
	}
	return label
}

// editorNames returns a function that looks up an account's display name
// once per account, or returns "" without sign-in or for an unknown account.
func (h *handler) editorNames(ctx context.Context) func(id string) string {
	names := map[string]string{}
	return func(id string) string {
		if h.auth == nil || id == "" {
			return ""
		}
		if name, ok := names[id]; ok {
			return name
		}
		acc, err := h.auth.dir.Account(ctx, id)
		if err != nil {
			h.log.Warn("read editor account failed", "account_id", id, "error", err)
		}
		names[id] = acc.DisplayName
		return acc.DisplayName
	}
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
	Text         string // the textarea's content: the current text, or the rejected input
	Error        string // the Swedish reason the input was rejected; empty on the first view
	MaxLength    int
	Edited       string // who changed the current text and when; empty for the engine's text
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
	h.renderEditForm(w, r, rec.ID, seg, http.StatusOK, nil, "")
}

// renderEditForm writes the edit page of segment seg with status. A nil
// input shows the segment's current text, which the textarea cannot show
// control characters of, so those become spaces. A rejected input is
// shown as typed, with errText saying what to change. The page shows
// transcript text, so it writes a "read" entry.
func (h *handler) renderEditForm(w http.ResponseWriter, r *http.Request, rec string, seg int64, status int, input *string, errText string) {
	segs, err := h.src.Segments(r.Context(), rec)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	rows, _, _ := h.shownRows(r.Context(), rec, segs)
	i := slices.IndexFunc(rows, func(row segmentRow) bool { return row.SegmentID == seg && row.FirstOfSegment })
	if i < 0 {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	if !h.logAccess(w, r, rec) {
		return
	}

	row := rows[i]
	text := store.ReplaceInvalidText(row.Text)
	if input != nil {
		text = *input
	}
	h.render(w, r, status, "edit.html", editPage{
		Title:        "Ändra texten",
		RecordingID:  rec,
		SegmentID:    seg,
		CSRF:         CSRFTokenFromContext(r.Context()),
		Clock:        row.Clock,
		Speaker:      row.Speaker,
		SpeakerClass: row.SpeakerClass,
		Text:         text,
		Error:        errText,
		MaxLength:    store.MaxSegmentTextLength,
		Edited:       row.EditedLabel,
		History:      row.History,
		Back:         "/recordings/" + rec + "#segment-" + strconv.FormatInt(seg, 10),
	})
}

// serveEditSegment stores a new text for one segment and returns to it.
// A text equal to the current one stores nothing and writes no entry. A
// rejected text shows the edit page again with the input and what to
// change, with status 400.
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

	back := "/recordings/" + rec.ID + "#segment-" + strconv.FormatInt(seg, 10)
	text := r.PostFormValue("text")
	_, err = src.EditSegment(r.Context(), rec.ID, seg, text, acc.ID)
	switch {
	case err == nil:
	case errors.Is(err, store.ErrUnchanged):
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	case errors.Is(err, store.ErrInvalid):
		h.log.Warn("segment edit rejected", "recording_id", rec.ID, "segment_id", seg, "error", err)
		h.renderEditForm(w, r, rec.ID, seg, http.StatusBadRequest, &text, editProblem(text, err))
		return
	case errors.Is(err, store.ErrNotFound):
		h.renderError(w, r, http.StatusNotFound)
		return
	default:
		h.log.Error("store segment edit failed", "recording_id", rec.ID, "segment_id", seg, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	if h.access != nil {
		if err := h.access(r, "edit", rec.ID); err != nil {
			h.log.Error("access log write failed after a segment edit", "recording_id", rec.ID, "error", err)
		}
	}
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// editProblem returns the Swedish message for a segment text that the
// store rejected: what is wrong and how to fix it.
func editProblem(text string, err error) string {
	cleaned := store.CleanSegmentText(text)
	var invalid *store.InvalidTextError
	switch {
	case cleaned == "":
		return "Texten var tom. Skriv vad som sägs på raden och spara igen. Den ursprungliga utskriften finns kvar under Tidigare versioner."
	case utf8.RuneCountInString(cleaned) > store.MaxSegmentTextLength:
		return fmt.Sprintf("Texten har %d tecken, men en rad får ha högst %d. Korta den och spara igen.", utf8.RuneCountInString(cleaned), store.MaxSegmentTextLength)
	case errors.As(err, &invalid):
		return invalidCharacterText("Texten", cleaned, invalid) + " Ta bort det och spara igen."
	}
	return "Texten kunde inte sparas. Kontrollera den och spara igen."
}

// invalidCharacterText returns a Swedish sentence naming the character of
// text that the store rejected and where it is: "Texten innehåller ett
// osynligt styrtecken (U+0007) efter ”Hej då”, som inte kan sparas."
func invalidCharacterText(subject, text string, invalid *store.InvalidTextError) string {
	what := fmt.Sprintf("ett osynligt styrtecken (%U)", invalid.Rune)
	if invalid.Rune == utf8.RuneError {
		what = "en felaktig teckenkod"
	}
	runes := []rune(text)
	before := runes[:min(invalid.Offset, len(runes))]
	if len(before) == 0 {
		return subject + " börjar med " + what + ", som inte kan sparas."
	}
	if len(before) > 20 {
		before = append([]rune("…"), before[len(before)-20:]...)
	}
	return subject + " innehåller " + what + " efter ”" + store.ReplaceInvalidText(string(before)) + "”, som inte kan sparas."
}

// shownRows returns rec's transcript as people see it everywhere (page,
// search, copy): by speaker, with the given names and the latest edits.
func (h *handler) shownRows(ctx context.Context, rec string, segs []store.Segment) ([]segmentRow, string, []speakerForm) {
	rows, notice, speakers := h.transcriptRows(ctx, rec, segs)
	return h.applyEdits(ctx, rec, segs, rows), notice, speakers
}
