package ui

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/store"
)

// copySummaryChoice is the copy form's "urval" value for the summary.
const copySummaryChoice = "sammanfattning"

// unsupportedMark starts a copied summary line that the verifier found no
// support for, so it is never pasted into the case file unmarked.
const unsupportedMark = "[ej belagt]"

// shownSummary returns rec's thread and the summary that the recording
// page shows: the newest one. The summary is nil when the source keeps no
// threads or rec has no summary. It returns false after logging an error.
func (h *handler) shownSummary(ctx context.Context, rec string) ([]store.ThreadMessage, *store.ThreadMessage, bool) {
	src, ok := h.src.(threadSource)
	if !ok {
		return nil, nil, true
	}
	msgs, err := src.Thread(ctx, rec)
	if err != nil {
		h.log.Error("read thread failed", "recording_id", rec, "error", err)
		return nil, nil, false
	}
	var newest *store.ThreadMessage
	for i := range msgs {
		if msgs[i].Kind == store.ThreadSummary {
			newest = &msgs[i]
		}
	}
	return msgs, newest, true
}

// serveSummaryCopy returns the journal note of the shown summary,
// pseudonymized when asked, and writes one "copy" entry with
// what=summary before the text is sent.
func (h *handler) serveSummaryCopy(w http.ResponseWriter, r *http.Request, page copyPage) {
	if page.Summary == nil {
		page.Error = "Inspelningen har ingen sammanfattning att kopiera. Gör sammanfattningen på inspelningens sida först."
		if !h.logAccess(w, r, page.RecordingID) { // the form shows the rows again
			return
		}
		h.render(w, r, http.StatusBadRequest, "copy.html", page)
		return
	}

	clocks := map[int64]string{}
	for _, row := range page.Rows {
		if _, seen := clocks[row.SegmentID]; !seen {
			clocks[row.SegmentID] = row.Clock
		}
	}
	var mapping *pseudo.Mapping
	var err error
	if page.Pseudonymize {
		mapping, _, err = h.extendMapping(r.Context(), page.RecordingID, learnSummary(page.Summary.Lines))
	}
	note := ""
	if err == nil {
		note, err = summaryNote(page.Rec, *page.Summary, page.SummaryStale, clocks, mapping)
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
	detail := map[string]string{
		"what":          "summary",
		"summary":       strconv.FormatInt(page.Summary.ID, 10),
		"lines":         strconv.Itoa(len(page.Summary.Lines)),
		"pseudonymized": pseudonymized,
	}
	if !h.logAction(w, r, "copy", page.RecordingID, detail) {
		return
	}
	page.Title = "Journaltext"
	page.Note, page.NoteSummary = note, true
	page.NoteHeight = min(strings.Count(note, "\n")+1, 16)
	page.Rows = nil
	h.render(w, r, http.StatusOK, "copy.html", page)
}

// learnSummary adds the names and numbers in a summary's lines to a
// mapping, so that a name found late in the note is hidden early in it too.
func learnSummary(lines []store.ThreadLine) func(*pseudo.Mapping) {
	return func(m *pseudo.Mapping) {
		d, err := copyDetector()
		if err != nil {
			return // summaryNote reports the error
		}
		for _, l := range lines {
			learnSpeaker(d, l.Speaker, m)
			d.Learn(l.Text, m)
		}
	}
}

// summaryNote formats a summary as a plain-text journal note: a heading
// with time, room and length, then each section's title and its lines as
// "- Speaker: text (00:17, 01:02)", with the times of the cited rows. A
// line the verifier found no support for starts with "[ej belagt]". The
// note of a stale summary, made before the transcript changed, has a
// warning under its heading. With a mapping, names and personal identity numbers are
// replaced with its placeholders, as in journalNote.
func summaryNote(rec recordingRow, m store.ThreadMessage, stale bool, clocks map[int64]string, mapping *pseudo.Mapping) (string, error) {
	var d *pseudo.Detector
	if mapping != nil {
		var err error
		if d, err = copyDetector(); err != nil {
			return "", err
		}
		learnSummary(m.Lines)(mapping)
	}
	hide := func(text string) string {
		if d == nil {
			return text
		}
		return d.Pseudonymize(text, mapping)
	}

	var b strings.Builder
	b.WriteString("Sammanfattning av samtalet " + rec.Start + ", " + rec.Room + ", " + rec.Duration + ". Från Ordagrann")
	if d != nil {
		b.WriteString(", pseudonymiserad")
	}
	b.WriteString(". Kontrollera raderna mot utskriften.\n")
	if stale {
		b.WriteString("Obs: utskriften har ändrats efter att sammanfattningen gjordes, och sammanfattningen bygger på utskriften som den var då.\n")
	}
	lineView := func(l store.ThreadLine) threadLineView {
		return threadLineView{Speaker: l.Speaker, Text: l.Text, Unsupported: l.Unsupported, Cites: citedClocks(l.Segments, clocks)}
	}
	for _, sec := range summarySections(m.Lines, lineView) {
		b.WriteString("\n" + hide(sec.Title) + "\n")
		if len(sec.Lines) == 0 {
			b.WriteString("Inget i utskriften.\n")
		}
		for _, l := range sec.Lines {
			line := "- "
			if l.Unsupported {
				line += unsupportedMark + " "
			}
			if l.Speaker != "" {
				speaker := l.Speaker
				if d != nil {
					speaker = pseudonymizeSpeaker(d, speaker, mapping)
				}
				line += speaker + ": "
			}
			line += hide(strings.Join(strings.Fields(l.Text), " "))
			if times := citedTimes(l.Cites); times != "" {
				line += " (" + times + ")"
			}
			// A bidi override left open would reorder the rest of the line
			// where the note is pasted.
			b.WriteString(closeBidi(line) + "\n")
		}
	}
	return b.String(), nil
}

// citedClocks returns a citation per segment id, with the time of the
// segment's first shown row, or "#id" for a segment no longer shown.
func citedClocks(ids []int64, clocks map[int64]string) []citationView {
	var out []citationView
	for _, id := range ids {
		clock, ok := clocks[id]
		if !ok {
			clock = "#" + strconv.FormatInt(id, 10)
		}
		out = append(out, citationView{Clock: clock})
	}
	return out
}

// citedTimes joins the citations' times, each time once: "00:17, 01:02".
func citedTimes(cites []citationView) string {
	var times []string
	seen := map[string]bool{}
	for _, c := range cites {
		if !seen[c.Clock] {
			seen[c.Clock] = true
			times = append(times, c.Clock)
		}
	}
	return strings.Join(times, ", ")
}
