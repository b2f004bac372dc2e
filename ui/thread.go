package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/summary"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// MaxQuestionLength is the longest question, in characters.
const MaxQuestionLength = 500

// threadSource keeps a thread of messages per recording. *store.Store implements it.
type threadSource interface {
	Thread(ctx context.Context, rec string) ([]store.ThreadMessage, error)
	AddThreadMessage(ctx context.Context, rec string, m store.ThreadMessage) (store.ThreadMessage, error)
}

// summaryText opens a stored summary.
const summaryText = "Sammanfattning av samtalet"

// threadView is the data of the recording page's thread part.
type threadView struct {
	RecordingID  string
	CSRF         string
	HasAudio     bool
	CanAsk       bool   // a signed-in person may post questions and ask for a summary
	CanSummarize bool   // there is a transcript but no summary yet
	Pending      string // reason the summary is missing; empty when there is one
	Summary      *threadMessageView
	Messages     []threadMessageView // questions and answers, oldest first
	MaxQuestion  int
}

// threadMessageView is a stored thread message formatted for display.
type threadMessageView struct {
	ID       int64
	Kind     string
	Text     string
	Asker    string // "Du frågade" or "En kollega frågade" on a question
	When     string
	WhenISO  string
	Sections []threadSectionView // of a summary
	Lines    []threadLineView    // quoted passages of an answer
}

// threadSectionView is one heading of a summary with its lines.
type threadSectionView struct {
	Title string
	Lines []threadLineView
}

// threadLineView is one summary line or quoted passage with its citations.
type threadLineView struct {
	Speaker     string
	Text        string
	Unsupported bool
	Cites       []citationView
}

// citationView links to one cited segment of the transcript.
type citationView struct {
	Anchor  string // "segment-12"
	Clock   string
	Seconds string // start for the player; empty without audio or when the segment is not shown
}

// recordingThread returns the data of the recording page's thread part
// (templates/recording-thread.html): the summary and the questions and
// answers, or nil when the source keeps no threads. It writes the summary
// first when the recording is complete, transcribed and has none. The page
// passes the rows and jobs it already read, so they are not read twice.
func (h *handler) recordingThread(r *http.Request, rec store.Recording, rows []segmentRow, jobs []store.Job) any {
	src, ok := h.src.(threadSource)
	if !ok {
		return nil
	}
	ctx := r.Context()
	_, signedIn := AccountFromContext(ctx)
	v := &threadView{
		RecordingID: rec.ID,
		CSRF:        CSRFTokenFromContext(ctx),
		HasAudio:    hasAudio(rec),
		CanAsk:      h.auth != nil && signedIn,
		MaxQuestion: MaxQuestionLength,
	}

	msgs, err := src.Thread(ctx, rec.ID)
	if err != nil {
		h.log.Error("read thread failed", "recording_id", rec.ID, "error", err)
		return nil
	}
	if !hasSummary(msgs) && len(rows) > 0 && rec.Complete && len(jobs) > 0 && allDone(jobs) {
		m, err := h.addSummary(ctx, src, rec.ID, rows)
		switch {
		case err == nil:
			msgs = append([]store.ThreadMessage{m}, msgs...)
		case errors.Is(err, store.ErrConflict): // another request stored it first
			if again, err := src.Thread(ctx, rec.ID); err == nil {
				msgs = again
			}
		}
	}

	h.fillThread(v, msgs, rows, accountID(ctx))
	if v.Summary == nil {
		v.CanSummarize = len(rows) > 0
		switch {
		case len(rows) == 0:
			v.Pending = "Sammanfattningen görs när det finns en utskrift."
		case !rec.Complete:
			v.Pending = "Inspelningen är inte komplett än, så sammanfattningen görs inte av sig själv. Du kan göra den av den utskrift som finns."
		default:
			v.Pending = "Utskriften är inte klar än, så sammanfattningen görs inte av sig själv. Du kan göra den av den utskrift som finns."
		}
	}
	return v
}

// accountID returns the signed-in account's id, or "" without sign-in.
func accountID(ctx context.Context) string {
	acc, _ := AccountFromContext(ctx)
	return acc.ID
}

func hasSummary(msgs []store.ThreadMessage) bool {
	for _, m := range msgs {
		if m.Kind == store.ThreadSummary {
			return true
		}
	}
	return false
}

// addSummary writes the embedded summary of the shown transcript and stores
// it as the thread's summary. When another request stored one first, it
// returns an error wrapping store.ErrConflict.
// TODO: the summary keeps the text of the moment it was made; later
// segment edits and speaker names do not change it.
func (h *handler) addSummary(ctx context.Context, src threadSource, rec string, rows []segmentRow) (store.ThreadMessage, error) {
	s, err := summary.New(nil)
	if err != nil {
		return store.ThreadMessage{}, err
	}
	sum, err := s.Summarize(svSegments(rows))
	if err != nil {
		if !errors.Is(err, summary.ErrNoText) {
			h.log.Error("summarize failed", "recording_id", rec, "error", err)
		}
		return store.ThreadMessage{}, err
	}

	m := store.ThreadMessage{Kind: store.ThreadSummary, Text: summaryText}
	for _, sec := range sum.Sections {
		for _, l := range sec.Lines {
			line := store.ThreadLine{Heading: sec.Title, Speaker: l.Speaker, Text: strings.TrimSpace(l.Text), Segments: l.Segments}
			if sec.Kind == summary.Participants {
				// A participant line names its speaker in its text. Before
				// diarization every row has the empty speaker, so its line
				// carries information only when it quotes an introduction.
				if l.Speaker == "" && !strings.Contains(l.Text, "): ") {
					continue
				}
				line.Speaker = ""
			}
			m.Lines = append(m.Lines, line)
		}
	}
	stored, err := src.AddThreadMessage(ctx, rec, m)
	if err != nil && !errors.Is(err, store.ErrConflict) {
		h.log.Error("store summary failed", "recording_id", rec, "error", err)
	}
	if err == nil {
		h.log.Info("summary stored", "recording_id", rec, "lines", len(m.Lines))
	}
	return stored, err
}

// svSegments converts the shown rows to the segments the summarizer and the
// answer index read, one per engine segment: a segment that changes speaker
// spans several rows, which are joined under the first row's speaker.
func svSegments(rows []segmentRow) []svtext.Segment {
	var out []svtext.Segment
	index := map[int64]int{}
	for _, row := range rows {
		text := strings.TrimSpace(rowText(row))
		if i, seen := index[row.SegmentID]; seen {
			out[i].Text = strings.TrimSpace(out[i].Text + " " + text)
			continue
		}
		seconds, _ := strconv.ParseFloat(row.Seconds, 64)
		start := time.Duration(seconds * float64(time.Second))
		if n := len(out); n > 0 && out[n-1].End < start {
			out[n-1].End = start
		}
		index[row.SegmentID] = len(out)
		out = append(out, svtext.Segment{ID: row.SegmentID, Start: start, End: start, Speaker: row.Speaker, Text: text})
	}
	return out
}

// fillThread formats msgs into v, with citations that link to the rows.
func (h *handler) fillThread(v *threadView, msgs []store.ThreadMessage, rows []segmentRow, account string) {
	first := map[int64]segmentRow{}
	for _, row := range rows {
		if _, seen := first[row.SegmentID]; !seen {
			first[row.SegmentID] = row
		}
	}
	cites := func(ids []int64) []citationView {
		var out []citationView
		for _, id := range ids {
			c := citationView{Anchor: "segment-" + strconv.FormatInt(id, 10), Clock: "#" + strconv.FormatInt(id, 10)}
			if row, ok := first[id]; ok {
				c.Clock = row.Clock
				if v.HasAudio {
					c.Seconds = row.Seconds
				}
			}
			out = append(out, c)
		}
		return out
	}
	lineView := func(l store.ThreadLine) threadLineView {
		return threadLineView{Speaker: l.Speaker, Text: l.Text, Unsupported: l.Unsupported, Cites: cites(l.Segments)}
	}

	for _, m := range msgs {
		mv := threadMessageView{
			ID: m.ID, Kind: string(m.Kind), Text: m.Text,
			When: formatDateTime(m.CreatedAt, h.now(), h.loc), WhenISO: m.CreatedAt.Format(time.RFC3339),
		}
		switch m.Kind {
		case store.ThreadSummary:
			mv.Sections = summarySections(m.Lines, lineView)
			v.Summary = &mv
			continue
		case store.ThreadQuestion:
			mv.Asker = "En kollega frågade"
			if m.Author == account && account != "" {
				mv.Asker = "Du frågade"
			}
		}
		for _, l := range m.Lines {
			mv.Lines = append(mv.Lines, lineView(l))
		}
		v.Messages = append(v.Messages, mv)
	}
}

// summarySections groups a stored summary's lines under the summary's
// headings, in their order, with an empty section for a heading without lines.
func summarySections(lines []store.ThreadLine, lineView func(store.ThreadLine) threadLineView) []threadSectionView {
	var out []threadSectionView
	for _, k := range []summary.Kind{summary.Participants, summary.Purpose, summary.ClientAccount, summary.Agreements, summary.NextSteps} {
		sec := threadSectionView{Title: k.Title()}
		for _, l := range lines {
			if l.Heading == sec.Title {
				sec.Lines = append(sec.Lines, lineView(l))
			}
		}
		out = append(out, sec)
	}
	return out
}

// registerThreadRoutes adds the routes that write to the thread. Both need
// sign-in for the CSRF token and the author, and both write their own
// access-log entry, so they are routeOther like the copy route.
func (h *handler) registerThreadRoutes(a Authenticator) {
	if a == nil {
		return
	}
	h.handle("POST /recordings/{id}/sammanfattning", routeOther,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveSummarize)))
	h.handle("POST /recordings/{id}/fraga", routeOther,
		RequireRole(auth.RoleCaseworker, auth.RoleManager)(http.HandlerFunc(h.serveQuestion)))
}

// threadRequest loads what both thread routes need: the recording, the
// thread source and the shown transcript.
func (h *handler) threadRequest(w http.ResponseWriter, r *http.Request) (store.Recording, threadSource, []segmentRow, bool) {
	rec, ok := h.lookup(w, r)
	if !ok {
		return store.Recording{}, nil, nil, false
	}
	src, ok := h.src.(threadSource)
	if !ok {
		h.renderError(w, r, http.StatusNotFound)
		return store.Recording{}, nil, nil, false
	}
	if !h.parseAuthForm(w, r) {
		return store.Recording{}, nil, nil, false
	}
	segs, err := h.src.Segments(r.Context(), rec.ID)
	if err != nil {
		h.log.Error("list segments failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return store.Recording{}, nil, nil, false
	}
	rows, _, _ := h.shownRows(r.Context(), rec.ID, segs)
	return rec, src, rows, true
}

// serveSummarize writes the summary of the transcript as it is now, when
// the recording has none, and returns to it.
func (h *handler) serveSummarize(w http.ResponseWriter, r *http.Request) {
	rec, src, rows, ok := h.threadRequest(w, r)
	if !ok {
		return
	}
	back := "/recordings/" + rec.ID + "#sammanfattning"
	if len(rows) == 0 {
		h.renderAuthMessage(w, r, http.StatusBadRequest, authMessage{
			Title:    "Ingen utskrift att sammanfatta",
			Message:  "Inspelningen har ingen utskrift ännu, så det finns inget att sammanfatta. Försök igen när utskriften syns på sidan.",
			LinkText: "Tillbaka till inspelningen", LinkURL: back,
		})
		return
	}

	if !h.logAction(w, r, "read", rec.ID, map[string]string{"op": "summary"}) {
		return
	}
	_, err := h.addSummary(r.Context(), src, rec.ID, rows)
	switch {
	case err == nil, errors.Is(err, store.ErrConflict):
		http.Redirect(w, r, back, http.StatusSeeOther)
	case errors.Is(err, summary.ErrNoText):
		h.renderAuthMessage(w, r, http.StatusBadRequest, authMessage{
			Title:    "Ingen text att sammanfatta",
			Message:  "Utskriften har inga ord att sammanfatta. Läs utskriften eller ändra den och försök igen.",
			LinkText: "Tillbaka till inspelningen", LinkURL: back,
		})
	default:
		h.renderError(w, r, http.StatusInternalServerError)
	}
}

// serveQuestion answers a question from the transcript with the embedded
// index, stores the question and the answer in the thread, and returns to
// the answer. The access log gets one "read" entry with op=question and
// never the question's text.
func (h *handler) serveQuestion(w http.ResponseWriter, r *http.Request) {
	rec, src, rows, ok := h.threadRequest(w, r)
	if !ok {
		return
	}
	acc, _ := AccountFromContext(r.Context())
	// Line breaks and runs of spaces from the text box become single spaces.
	question := strings.Join(strings.Fields(r.PostForm.Get("fraga")), " ")
	if msg := checkQuestion(question); msg != "" {
		h.renderAuthMessage(w, r, http.StatusBadRequest, authMessage{
			Title: "Frågan kunde inte ställas", Message: msg,
			LinkText: "Tillbaka till inspelningen", LinkURL: "/recordings/" + rec.ID + "#fraga",
		})
		return
	}

	ix, err := answer.NewIndex(svSegments(rows), nil)
	if err != nil {
		h.log.Error("build answer index failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	ans, err := ix.Ask(question)
	if err != nil {
		h.log.Error("answer question failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	detail := map[string]string{"op": "question", "passages": strconv.Itoa(len(ans.Passages))}
	if !h.logAction(w, r, "read", rec.ID, detail) {
		return
	}

	reply := store.ThreadMessage{Kind: store.ThreadAnswer, Text: ans.Text}
	for _, p := range ans.Passages {
		reply.Lines = append(reply.Lines, store.ThreadLine{Speaker: p.Speaker, Text: p.Text, Segments: p.Segments()})
	}
	ctx := r.Context()
	if _, err := src.AddThreadMessage(ctx, rec.ID, store.ThreadMessage{Kind: store.ThreadQuestion, Text: question, Author: acc.ID}); err != nil {
		h.threadStoreFailed(w, r, rec.ID, err)
		return
	}
	stored, err := src.AddThreadMessage(ctx, rec.ID, reply)
	if err != nil {
		h.threadStoreFailed(w, r, rec.ID, err)
		return
	}
	http.Redirect(w, r, "/recordings/"+rec.ID+"#svar-"+strconv.FormatInt(stored.ID, 10), http.StatusSeeOther)
}

func (h *handler) threadStoreFailed(w http.ResponseWriter, r *http.Request, rec string, err error) {
	if errors.Is(err, store.ErrDeleted) {
		h.renderError(w, r, http.StatusGone)
		return
	}
	h.log.Error("store thread message failed", "recording_id", rec, "error", err)
	h.renderError(w, r, http.StatusInternalServerError)
}

// checkQuestion returns a Swedish error text for a question that cannot be
// asked, or "".
func checkQuestion(q string) string {
	if q == "" {
		return "Frågan var tom. Skriv en fråga om samtalet och försök igen."
	}
	if utf8.RuneCountInString(q) > MaxQuestionLength {
		return "Frågan var längre än " + strconv.Itoa(MaxQuestionLength) + " tecken. Korta den och försök igen."
	}
	for _, c := range q {
		if !unicode.IsPrint(c) {
			return "Frågan innehöll tecken som inte kan sparas. Skriv om den och försök igen."
		}
	}
	return ""
}
