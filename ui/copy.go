package ui

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"

	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/store"
)

// copyDetector finds names and personal identity numbers for the
// pseudonymized copy. It is built on first use, because loading its name
// lists takes a moment that a view without copies need not spend.
var copyDetector = sync.OnceValues(func() (*pseudo.Detector, error) { return pseudo.NewDetector(nil) })

// copyPage is the data of the copy page: first the choice of rows, then
// the journal note.
type copyPage struct {
	Title       string
	RecordingID string
	CSRF        string
	Rec         recordingRow
	Rows        []copyRow
	Error       string
	Summary     *store.ThreadMessage // the summary the recording page shows; nil when there is none
	// SummaryStale is set when the transcript changed after Summary was made.
	SummaryStale bool

	Note         string // the journal note; empty on the choice of rows
	NoteSummary  bool   // the note is of the summary, not of transcript rows
	NoteRows     int
	NoteHeight   int // lines of the note's text area: the note's, up to 16
	Pseudonymize bool
}

// copyRow is a transcript row offered for the journal note.
type copyRow struct {
	Number    int // from 1
	Clock     string
	Speaker   string
	Text      string
	SegmentID int64
}

// serveCopyForm shows the recording's rows to choose from for the
// journal note. It shows transcript text, so it writes a "read" entry.
func (h *handler) serveCopyForm(w http.ResponseWriter, r *http.Request) {
	page, ok := h.copyPage(w, r)
	if !ok {
		return
	}
	if !h.logAccess(w, r, page.RecordingID) {
		return
	}
	h.render(w, r, http.StatusOK, "copy.html", page)
}

// serveCopy returns the journal note of the chosen rows, pseudonymized
// when asked, and writes one "copy" entry before the text is sent.
func (h *handler) serveCopy(w http.ResponseWriter, r *http.Request) {
	page, ok := h.copyPage(w, r)
	if !ok {
		return
	}
	if !h.parseAuthForm(w, r) {
		return
	}

	page.Pseudonymize = r.PostForm.Get("pseudonymisera") == "ja"
	if r.PostForm.Get("urval") == copySummaryChoice {
		h.serveSummaryCopy(w, r, page)
		return
	}
	rows, errText := chosenRows(page.Rows, r.PostForm.Get("urval"), r.PostForm["rad"])
	if errText != "" {
		page.Error = errText
		if !h.logAccess(w, r, page.RecordingID) { // the form shows the rows again
			return
		}
		h.render(w, r, http.StatusBadRequest, "copy.html", page)
		return
	}
	var mapping *pseudo.Mapping
	var err error
	if page.Pseudonymize {
		// The recording's stored mapping gives the placeholders that a chat
		// engine saw, so a copied note and an engine's text match.
		mapping, _, err = h.extendMapping(r.Context(), page.RecordingID, learnCopyRows(rows))
	}
	note := ""
	if err == nil {
		note, err = journalNote(page.Rec, rows, mapping)
	}
	if err != nil {
		h.log.Error("prepare pseudonymized copy failed", "recording_id", page.RecordingID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	pseudonymized := "no"
	if page.Pseudonymize {
		pseudonymized = "yes"
	}
	detail := map[string]string{"segments": strconv.Itoa(len(rows)), "pseudonymized": pseudonymized}
	if !h.logAction(w, r, "copy", page.RecordingID, detail) {
		return
	}
	page.Title = "Journaltext"
	page.Note, page.NoteRows = note, len(rows)
	page.NoteHeight = min(strings.Count(note, "\n")+1, 16)
	page.Rows = nil
	h.render(w, r, http.StatusOK, "copy.html", page)
}

// copyPage loads the recording named by the path and its rows, or
// writes the error response and returns false.
func (h *handler) copyPage(w http.ResponseWriter, r *http.Request) (copyPage, bool) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return copyPage{}, false
	}
	ctx := r.Context()
	segs, err := h.src.Segments(ctx, rec.ID)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return copyPage{}, false
	}
	page := copyPage{
		Title:       "Kopiera till journalen",
		RecordingID: rec.ID,
		CSRF:        CSRFTokenFromContext(ctx),
		Rec:         h.recordingRow(rec, nil),
	}
	rows, _, _ := h.shownRows(ctx, rec.ID, segs)
	for i, sr := range rows {
		page.Rows = append(page.Rows, copyRow{Number: i + 1, Clock: sr.Clock, Speaker: sr.Speaker, Text: strings.TrimSpace(rowText(sr)), SegmentID: sr.SegmentID})
	}
	msgs, summary, ok := h.shownSummary(ctx, rec.ID)
	if !ok {
		h.renderError(w, r, http.StatusInternalServerError)
		return copyPage{}, false
	}
	page.Summary = summary
	if summary != nil {
		page.SummaryStale = h.summaryStale(ctx, rec.ID, msgs, rows)
	}
	return page, true
}

// chosenRows returns the rows the form chose: all of them, or the
// numbered ones. It returns a Swedish error text for an empty or invalid choice.
func chosenRows(rows []copyRow, choice string, numbers []string) ([]copyRow, string) {
	if len(rows) == 0 {
		return nil, "Inspelningen har ingen utskrift ännu, så det finns inget att kopiera."
	}
	if choice != "valda" {
		return rows, ""
	}

	chosen := map[int]bool{}
	for _, n := range numbers {
		i, err := strconv.Atoi(n)
		if err != nil || i < 1 || i > len(rows) {
			return nil, "Urvalet innehåller en rad som inte finns. Ladda om sidan och välj raderna igen."
		}
		chosen[i] = true
	}
	var out []copyRow
	for _, row := range rows {
		if chosen[row.Number] {
			out = append(out, row)
		}
	}
	if len(out) == 0 {
		return nil, "Välj minst en rad, eller välj hela utskriften."
	}
	return out, ""
}

// learnCopyRows adds the names and numbers in rows to a mapping, so that a
// name found late in the note is hidden early in it too.
func learnCopyRows(rows []copyRow) func(*pseudo.Mapping) {
	return func(m *pseudo.Mapping) {
		d, err := copyDetector()
		if err != nil {
			return // journalNote reports the error
		}
		for _, row := range rows {
			learnSpeaker(d, row.Speaker, m)
			d.Learn(row.Text, m)
		}
	}
}

// roleLabel matches the speaker labels that name a role, not a person:
// the diarization's "Talare 2" and the roles that the rename form suggests.
var roleLabel = regexp.MustCompile(`(?i)^(talare|okänd talare|handläggare|socialsekreterare|klient|tolk|god man|förvaltare|kontaktperson|anhörig|förälder|vårdnadshavare|mamma|pappa|barn)( \d+)?$`)

// learnSpeaker adds speaker to m as a person unless it is a role label.
// A caseworker may name a speaker by a name that the detector's lists
// lack, and a speaker name is always a name.
func learnSpeaker(d *pseudo.Detector, speaker string, m *pseudo.Mapping) {
	if speaker == "" || roleLabel.MatchString(speaker) {
		d.Learn(speaker, m)
		return
	}
	m.AddPerson(speaker)
}

// pseudonymizeSpeaker returns the placeholder of a speaker named by a
// person's name, or a role label with any name in it replaced.
func pseudonymizeSpeaker(d *pseudo.Detector, speaker string, m *pseudo.Mapping) string {
	if speaker == "" || roleLabel.MatchString(speaker) {
		return d.Pseudonymize(speaker, m)
	}
	return m.AddPerson(speaker)
}

// journalNote formats rows as a plain-text journal note: a heading with
// time, room and length, then one "time speaker: text" line per row. With a
// mapping m, the names and personal identity numbers the detector finds are
// replaced with m's placeholders such as "[Person 1]", consistently across
// the note. A nil m leaves the text as it is.
func journalNote(rec recordingRow, rows []copyRow, m *pseudo.Mapping) (string, error) {
	pseudonymize := m != nil
	var d *pseudo.Detector
	if pseudonymize {
		var err error
		if d, err = copyDetector(); err != nil {
			return "", err
		}
		for _, row := range rows {
			learnSpeaker(d, row.Speaker, m)
			d.Learn(row.Text, m)
		}
	}

	var b strings.Builder
	b.WriteString("Samtal " + rec.Start + ", " + rec.Room + ", " + rec.Duration + ". Utskrift från Ordagrann")
	if pseudonymize {
		b.WriteString(", pseudonymiserad")
	}
	b.WriteString(".\n\n")
	for _, row := range rows {
		text := row.Text
		speaker := row.Speaker
		if speaker == "" {
			speaker = "Talare"
		}
		if pseudonymize {
			// A caseworker may have named a speaker by the person's name.
			text, speaker = d.Pseudonymize(text, m), pseudonymizeSpeaker(d, speaker, m)
		}
		// A bidi override left open would reorder the rest of the line
		// where the note is pasted.
		b.WriteString(closeBidi(row.Clock + " " + speaker + ": " + text))
		b.WriteString("\n")
	}
	return b.String(), nil
}
