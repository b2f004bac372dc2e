package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

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
		h.logReadError(ctx, "read speaker names failed", rec, err)
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

// registerSpeakerRoutes adds the rename route, and the speaker count route
// when a Rediarizer is set. Both change the transcript, so they need
// sign-in (and so a CSRF token) and a role that may read the recording.
func (h *handler) registerSpeakerRoutes(a Authenticator) {
	if a == nil {
		return
	}
	h.handle("POST /recordings/{id}/talare", routeContent,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveRenameSpeaker)))
	if h.rediarizer != nil {
		h.handle("POST /recordings/{id}/antal-talare", routeContent,
			RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveSpeakerCount)))
	}
}

// serveRenameSpeaker names one speaker of a recording and returns to it.
// A rejected name shows the rename page with the typed name and what to
// change, with status 400.
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
	name := r.PostFormValue("namn")
	speaker, err := strconv.Atoi(r.PostFormValue("talare"))
	if err != nil {
		h.log.Warn("speaker name rejected", "recording_id", rec.ID, "error", "invalid speaker index")
		h.renderRenamePage(w, r, rec.ID, -1, name, unknownSpeakerText)
		return
	}

	if err := src.SetSpeakerName(r.Context(), rec.ID, speaker, name); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			h.log.Warn("speaker name rejected", "recording_id", rec.ID, "error", err)
			h.renderRenamePage(w, r, rec.ID, speaker, name, renameProblem(name, err))
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

// unknownSpeakerText is the rename page's message for a speaker index
// that the recording does not have.
const unknownSpeakerText = "Talaren finns inte i inspelningen, till exempel för att talarna har delats upp på nytt. Gå tillbaka till inspelningen och byt namn där."

// renamePage is the data of the page that shows a rejected speaker name again.
type renamePage struct {
	Title       string
	RecordingID string
	CSRF        string
	Error       string
	Speaker     *speakerForm // nil when the index names no speaker of the recording
	Name        string       // the name as typed
	MaxLength   int
}

// renderRenamePage writes the rename form of speaker with the typed name
// and errText, with status 400. The form shows the speaker's current
// label, which may be a person's name, so it writes a "read" entry.
func (h *handler) renderRenamePage(w http.ResponseWriter, r *http.Request, rec string, speaker int, name, errText string) {
	page := renamePage{
		Title:       "Namnet kunde inte sparas",
		RecordingID: rec,
		CSRF:        CSRFTokenFromContext(r.Context()),
		Error:       errText,
		Name:        name,
		MaxLength:   store.MaxSpeakerNameLength,
	}
	segs, err := h.src.Segments(r.Context(), rec)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	_, _, forms := h.transcriptRows(r.Context(), rec, segs)
	for i := range forms {
		if forms[i].Index == speaker {
			page.Speaker = &forms[i]
		}
	}
	if page.Speaker == nil {
		page.Error = unknownSpeakerText
	}
	if !h.logAccess(w, r, rec) {
		return
	}
	h.render(w, r, http.StatusBadRequest, "rename.html", page)
}

// renameProblem returns the Swedish message for a speaker name that the
// store rejected: what is wrong and how to fix it.
func renameProblem(name string, err error) string {
	cleaned := strings.Join(strings.Fields(name), " ")
	var invalid *store.InvalidTextError
	switch {
	case utf8.RuneCountInString(cleaned) > store.MaxSpeakerNameLength:
		return fmt.Sprintf("Namnet har %d tecken, men får ha högst %d. Korta det och spara igen.", utf8.RuneCountInString(cleaned), store.MaxSpeakerNameLength)
	case errors.As(err, &invalid):
		return invalidCharacterText("Namnet", cleaned, invalid) + " Ta bort det och spara igen."
	}
	return unknownSpeakerText
}

// Rediarizer diarizes a recording again after a caseworker changed its
// number of speakers. central/speakers.Runner implements it.
type Rediarizer interface {
	// Rediarize schedules a new diarization of rec with the speaker count
	// stored for it. It must not block, because it is called while the
	// request is served. The page shows the result once it is stored.
	Rediarize(rec string)
}

// speakerCounter is implemented by a Source that keeps the number of
// speakers a caseworker chose (central/store does).
type speakerCounter interface {
	SpeakerCount(ctx context.Context, rec string) (store.SpeakerCount, error)
	SetSpeakerCount(ctx context.Context, rec string, speakers int) error
}

// speakerCountAuto is the form value for an estimated count.
const speakerCountAuto = "auto"

// speakerCountForm is the "Antal talare" setting of a recording.
type speakerCountForm struct {
	Shown   bool // the view can diarize again and the source keeps counts
	Choices []speakerCountChoice
	// Pending is set from a change until the new diarization is stored.
	Pending bool
}

type speakerCountChoice struct {
	Value, Label string
	Selected     bool
}

// speakerCountForm returns rec's speaker count setting, not shown when
// the view cannot diarize again or the source keeps no counts.
func (h *handler) speakerCountForm(ctx context.Context, rec string) speakerCountForm {
	src, ok := h.src.(speakerCounter)
	if !ok || h.rediarizer == nil {
		return speakerCountForm{}
	}
	count, err := src.SpeakerCount(ctx, rec)
	if err != nil {
		h.logReadError(ctx, "read speaker count failed", rec, err)
		return speakerCountForm{}
	}
	form := speakerCountForm{Shown: true, Pending: count.Pending}
	form.Choices = append(form.Choices, speakerCountChoice{Value: speakerCountAuto, Label: "Räkna automatiskt", Selected: count.Speakers == 0})
	for n := 1; n <= store.MaxSpeakerCount; n++ {
		form.Choices = append(form.Choices, speakerCountChoice{Value: strconv.Itoa(n), Label: strconv.Itoa(n), Selected: count.Speakers == n})
	}
	return form
}

// parseSpeakerCount reads the form value: "auto" for 0, or 1 to
// store.MaxSpeakerCount.
func parseSpeakerCount(v string) (int, error) {
	if v == speakerCountAuto {
		return 0, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > store.MaxSpeakerCount {
		return 0, fmt.Errorf("invalid speaker count %q: use %q or 1 to %d", v, speakerCountAuto, store.MaxSpeakerCount)
	}
	return n, nil
}

// invalidSpeakerCountPage is the error page for a count outside the choices.
var invalidSpeakerCountPage = errorPage{
	Title:   "Antalet talare kunde inte sparas",
	Message: "Välj Räkna automatiskt eller ett antal mellan 1 och 6 i listan Antal talare och spara igen. Inget har ändrats.",
}

// serveSpeakerCount stores the number of speakers a caseworker chose,
// schedules a new diarization with it, and redirects to the recording.
func (h *handler) serveSpeakerCount(w http.ResponseWriter, r *http.Request) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return
	}
	src, ok := h.src.(speakerCounter)
	if !ok {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	if err := r.ParseForm(); err != nil {
		h.renderError(w, r, http.StatusRequestEntityTooLarge)
		return
	}
	speakers, err := parseSpeakerCount(r.PostFormValue("antal"))
	if err != nil {
		h.log.Warn("speaker count rejected", "recording_id", rec.ID, "error", err)
		h.render(w, r, http.StatusBadRequest, "error.html", invalidSpeakerCountPage)
		return
	}

	if err := src.SetSpeakerCount(r.Context(), rec.ID, speakers); err != nil {
		if errors.Is(err, store.ErrInvalid) {
			h.log.Warn("speaker count rejected", "recording_id", rec.ID, "error", err)
			h.render(w, r, http.StatusBadRequest, "error.html", invalidSpeakerCountPage)
			return
		}
		h.log.Error("store speaker count failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	h.rediarizer.Rediarize(rec.ID)
	h.log.Info("speaker count changed", "recording_id", rec.ID, "speakers", speakers)
	if h.access != nil {
		if err := h.access(r, "edit", rec.ID); err != nil {
			h.log.Error("access log write failed after a speaker count change", "recording_id", rec.ID, "error", err)
		}
	}
	http.Redirect(w, r, "/recordings/"+rec.ID+"#talare-pa-nytt", http.StatusSeeOther)
}

// recountNotice returns the speaker notice of a recording whose speaker
// count a caseworker set: how many speakers the new division heard and how
// many rows it relabelled, or no notice while it runs. It returns false
// when no count was set, or while the recording is still provisional.
func (h *handler) recountNotice(ctx context.Context, rec string, final bool, changed, heard int) (string, bool) {
	src, ok := h.src.(speakerCounter)
	if !ok {
		return "", false
	}
	count, err := src.SpeakerCount(ctx, rec)
	if err != nil {
		h.logReadError(ctx, "read speaker count failed", rec, err)
		return "", false
	}
	switch {
	case count.Version == 0:
		return "", false
	case count.Pending:
		// The speaker part of the page shows the waiting notice beside the setting.
		return "", true
	case !final:
		return "", false
	}
	division := "Utskriften har delats upp på nytt med automatiskt antal talare."
	switch {
	case count.Speakers > 0 && heard < count.Speakers:
		// The microphones can tell fewer directions than asked for, for
		// example when two people sit side by side.
		division = "Du valde " + strconv.Itoa(count.Speakers) + " talare, men bara " + strconv.Itoa(heard) +
			" kunde skiljas åt i ljudet, så utskriften har delats upp i " + strconv.Itoa(heard) + " talare."
	case count.Speakers > 0:
		division = "Utskriften har delats upp på nytt i " + strconv.Itoa(count.Speakers) + " talare."
	}
	switch changed {
	case 0:
		return division + " Ingen rad fick en annan talare.", true
	case 1:
		return division + " 1 rad fick en annan talare och är markerad.", true
	}
	return division + " " + strconv.Itoa(changed) + " rader fick en annan talare och är markerade.", true
}

// speakersHeard returns how many speakers have speech in res.
func speakersHeard(res diarize.Result) int {
	heard := map[int]bool{}
	for _, t := range res.Turns {
		if t.Speaker >= 0 {
			heard[t.Speaker] = true
		}
	}
	return len(heard)
}

// liveSpeakers returns the token for the live stream that changes when
// rec's diarization is stored, and whether a new one is awaited.
func (h *handler) liveSpeakers(ctx context.Context, rec string) (string, bool, error) {
	pending := false
	if src, ok := h.src.(speakerCounter); ok {
		count, err := src.SpeakerCount(ctx, rec)
		if err != nil {
			return "", false, err
		}
		pending = count.Pending
	}
	src, ok := h.src.(diarizationSource)
	if !ok {
		return "", pending, nil
	}
	d, err := src.Diarization(ctx, rec)
	if errors.Is(err, store.ErrNotFound) {
		return "", pending, nil
	}
	if err != nil {
		return "", false, err
	}
	token := d.UpdatedAt.Format(time.RFC3339Nano)
	if pending {
		token = "ny-uppdelning"
	}
	return token, pending, nil
}

// overlapLabels returns the labels of the speakers others, joined as a
// Swedish list ("Talare 2 och Klient"), or "" when there are none.
func overlapLabels(res diarize.Result, others []int) string {
	var labels []string
	for _, o := range others {
		labels = append(labels, speakerLabel(res, o))
	}
	switch len(labels) {
	case 0:
		return ""
	case 1:
		return labels[0]
	}
	return strings.Join(labels[:len(labels)-1], ", ") + " och " + labels[len(labels)-1]
}
