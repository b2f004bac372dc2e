package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
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
	Earlier      []threadMessageView // summaries the shown one replaced, newest first
	Messages     []threadMessageView // questions and answers, oldest first
	MaxQuestion  int

	Writing      bool   // the chat engine is writing a summary
	Stale        bool   // the transcript changed after the shown summary was made
	LiveToken    string // the thread's state in the live updates; set while something is written
	EngineAnswer bool   // questions are answered by the chat engine
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
	Written  []threadLineView    // an engine's sentences of an answer
	Lines    []threadLineView    // quoted passages of an answer
	Writer   string              // who wrote a summary or answer, in Swedish
	Notice   string
	Writing  bool // a placeholder for an answer the chat engine is writing
	Missing  bool // a placeholder for an answer that was never stored
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
	Reasons     []string // the verifier's reasons for flagging an unsupported line, in Swedish
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
		msgs = h.autoSummary(ctx, src, rec.ID, rows, msgs)
	}
	if h.assist.engine != nil {
		h.resumeAnswers(ctx, src, rec.ID, rows, msgs)
	}

	h.fillThread(v, msgs, rows, accountID(ctx))
	v.Writing = h.assist.running(summaryJobKey(rec.ID))
	v.EngineAnswer = h.assist.engine != nil
	if pending, finished := h.assist.state(rec.ID); pending > 0 {
		v.LiveToken = liveThreadToken(pending, finished)
	}
	if v.Summary != nil {
		v.Stale = h.summaryStale(ctx, rec.ID, msgs, rows)
	}
	if v.Summary == nil {
		v.CanSummarize = len(rows) > 0 && !v.Writing
		switch {
		case v.Writing:
			v.Pending = "Sammanfattningen skrivs …"
		case len(rows) == 0:
			v.Pending = "Sammanfattningen görs när det finns en utskrift."
		case !rec.Complete:
			v.Pending = "Inspelningen är inte komplett än, så sammanfattningen görs inte av sig själv. Du kan göra den av den utskrift som finns."
		case len(jobs) == 0 || !allDone(jobs):
			v.Pending = "Utskriften är inte klar än, så sammanfattningen görs inte av sig själv. Du kan göra den av den utskrift som finns."
		default:
			// Writing the summary when the page was read failed, and the error is logged.
			v.Pending = "Sammanfattningen kunde inte göras av sig själv. Försök igen med knappen. Om det inte går, kontakta IT och uppge inspelningens id."
		}
	}
	return v
}

// autoSummary writes the first summary of a finished recording: with the
// chat engine in the background when one is configured, or else the
// embedded summary at once. It returns the thread to show.
func (h *handler) autoSummary(ctx context.Context, src threadSource, rec string, rows []segmentRow, msgs []store.ThreadMessage) []store.ThreadMessage {
	if h.assist.engine != nil {
		h.startEngineSummary(ctx, src, rec, 0)
		if again, err := src.Thread(ctx, rec); err == nil {
			return again // the summary when the engine was busy and the embedded one stood in
		}
		return msgs
	}
	m, err := h.addSummary(ctx, src, rec, rows, 0)
	switch {
	case err == nil:
		return append([]store.ThreadMessage{m}, msgs...)
	case errors.Is(err, store.ErrConflict): // another request stored it first
		if again, err := src.Thread(ctx, rec); err == nil {
			return again
		}
	}
	return msgs
}

// resumeAnswers starts the engine's answer to every question that has
// none and no job, such as a question whose job a restart cut off.
func (h *handler) resumeAnswers(ctx context.Context, src threadSource, rec string, rows []segmentRow, msgs []store.ThreadMessage) {
	answered := answeredQuestions(msgs)
	for _, m := range msgs {
		if m.Kind != store.ThreadQuestion || answered[m.ID] || h.assist.running(answerJobKey(m.ID)) {
			continue
		}
		ans, err := embeddedAnswerFor(rows, m.Text)
		if err != nil {
			h.log.Error("answer question failed", "recording_id", rec, "message_id", m.ID, "error", err)
			continue
		}
		h.startEngineAnswer(ctx, src, rec, m, ans)
	}
}

// summaryStale reports whether the transcript changed after the newest
// summary was made: its text, a row's speaker or a speaker's name.
func (h *handler) summaryStale(ctx context.Context, rec string, msgs []store.ThreadMessage, rows []segmentRow) bool {
	var newest store.ThreadMessage
	for _, m := range msgs {
		if m.Kind == store.ThreadSummary {
			newest = m
		}
	}
	if newest.Transcript != "" {
		return newest.Transcript != transcriptDigest(svSegments(rows))
	}

	// A summary stored before digests were kept is compared by the times
	// of the segment edits.
	// NOTE: speaker names carry no time, so a rename after such a summary
	// is not detected.
	edits, ok := h.src.(interface {
		SegmentEdits(ctx context.Context, rec string) (map[int64][]store.Edit, error)
	})
	if !ok {
		return false
	}
	bySegment, err := edits.SegmentEdits(ctx, rec)
	if err != nil {
		h.log.Warn("read segment edits failed", "recording_id", rec, "error", err)
		return false
	}
	for _, list := range bySegment {
		for _, e := range list {
			if e.EditedAt.After(newest.CreatedAt) {
				return true
			}
		}
	}
	return false
}

// liveThreadToken is the thread's state in the live updates: it changes
// when a job starts or ends.
func liveThreadToken(pending, finished int) string {
	return strconv.Itoa(pending) + "-" + strconv.Itoa(finished)
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
// it as the thread's summary, replacing the summary with id previous when
// that is not 0. When another request stored one first, it returns an
// error wrapping store.ErrConflict.
func (h *handler) addSummary(ctx context.Context, src threadSource, rec string, rows []segmentRow, previous int64) (store.ThreadMessage, error) {
	stored, err := h.storeSummary(ctx, src, rec, rows, previous, nil, "")
	switch {
	case err == nil:
		h.log.Info("summary stored", "recording_id", rec, "engine", embeddedEngine, "lines", len(stored.Lines))
	case errors.Is(err, summary.ErrNoText), errors.Is(err, store.ErrConflict):
	default:
		h.log.Error("store summary failed", "recording_id", rec, "error", err)
	}
	return stored, err
}

// embeddedSummary writes the embedded summary of segs as a thread message.
func embeddedSummary(segs []svtext.Segment) (store.ThreadMessage, error) {
	s, err := summary.New(nil)
	if err != nil {
		return store.ThreadMessage{}, err
	}
	sum, err := s.Summarize(segs)
	if err != nil {
		return store.ThreadMessage{}, err
	}

	m := store.ThreadMessage{Kind: store.ThreadSummary, Text: summaryText, Engine: embeddedEngine}
	for _, sec := range sum.Sections {
		for _, l := range sec.Lines {
			// Transcript text may hold characters the store rejects, and a
			// summary must not fail because of one.
			line := store.ThreadLine{Heading: sec.Title, Speaker: storableLineText(l.Speaker), Text: storableLineText(l.Text), Segments: l.Segments}
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
	return m, nil
}

// storableLineText returns text from the transcript as a thread line
// stores it: trimmed, with the characters the store rejects as spaces.
func storableLineText(text string) string {
	return strings.TrimSpace(store.ReplaceInvalidText(text))
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

// fillThread formats msgs into v, with citations that link to the rows:
// the newest summary, the summaries it replaced, and each question
// followed by its answer or a placeholder while the engine writes it.
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
		return threadLineView{Speaker: l.Speaker, Text: closeBidi(l.Text), Unsupported: l.Unsupported, Reasons: l.Reasons, Cites: cites(l.Segments)}
	}
	messageView := func(m store.ThreadMessage) threadMessageView {
		mv := threadMessageView{
			ID: m.ID, Kind: string(m.Kind), Text: m.Text, Notice: m.Notice, Writer: h.writerText(m),
			When: formatDateTime(m.CreatedAt, h.now(), h.loc), WhenISO: m.CreatedAt.Format(time.RFC3339),
		}
		switch m.Kind {
		case store.ThreadSummary:
			mv.Sections = summarySections(m.Lines, lineView)
		case store.ThreadQuestion:
			mv.Asker = "En kollega frågade"
			if m.Author == account && account != "" {
				mv.Asker = "Du frågade"
			}
		default:
			for _, l := range m.Lines {
				if l.Written {
					mv.Written = append(mv.Written, lineView(l))
				} else {
					mv.Lines = append(mv.Lines, lineView(l))
				}
			}
		}
		return mv
	}

	answers := map[int64][]store.ThreadMessage{}
	var lastQuestion int64
	for _, m := range msgs {
		switch m.Kind {
		case store.ThreadSummary:
			if v.Summary != nil {
				v.Earlier = append([]threadMessageView{*v.Summary}, v.Earlier...)
			}
			mv := messageView(m)
			v.Summary = &mv
		case store.ThreadQuestion:
			lastQuestion = m.ID
		case store.ThreadAnswer:
			q := m.ReplyTo
			if q == 0 {
				q = lastQuestion // older answers directly follow their question
			}
			answers[q] = append(answers[q], m)
		}
	}

	for _, m := range msgs {
		if m.Kind != store.ThreadQuestion {
			continue
		}
		v.Messages = append(v.Messages, messageView(m))
		for _, a := range answers[m.ID] {
			v.Messages = append(v.Messages, messageView(a))
		}
		if len(answers[m.ID]) == 0 {
			writing := h.assist.running(answerJobKey(m.ID))
			v.Messages = append(v.Messages, threadMessageView{ID: m.ID, Kind: string(store.ThreadAnswer), Writing: writing, Missing: !writing})
		}
	}
	// An answer without a question is stored only by older versions.
	for _, a := range answers[0] {
		v.Messages = append(v.Messages, messageView(a))
	}
}

// writerText says in Swedish who wrote a summary or an answer.
func (h *handler) writerText(m store.ThreadMessage) string {
	switch {
	case m.Kind == store.ThreadQuestion:
		return ""
	case m.Engine == "" || m.Engine == embeddedEngine:
		if m.Kind == store.ThreadSummary {
			return "Skriven av den inbyggda sammanfattaren"
		}
		return "Citat ur utskriften, valda av den inbyggda sökningen"
	default:
		return "Skriven av språkmodellen " + m.Engine + ". Varje mening är kontrollerad mot de delar av utskriften som den hänvisar till."
	}
}

// answeredQuestions returns the ids of the questions that have an answer.
func answeredQuestions(msgs []store.ThreadMessage) map[int64]bool {
	out := map[int64]bool{}
	var lastQuestion int64
	for _, m := range msgs {
		switch {
		case m.Kind == store.ThreadQuestion:
			lastQuestion = m.ID
		case m.Kind == store.ThreadAnswer && m.ReplyTo != 0:
			out[m.ReplyTo] = true
		case m.Kind == store.ThreadAnswer:
			out[lastQuestion] = true
		}
	}
	return out
}

// summarySections groups a stored summary's lines under the summary's
// headings, in their order, with an empty section for a heading without
// lines. Lines under another heading, which a chat engine may write, follow
// in sections of their own.
func summarySections(lines []store.ThreadLine, lineView func(store.ThreadLine) threadLineView) []threadSectionView {
	var out []threadSectionView
	known := map[string]bool{}
	for _, k := range []summary.Kind{summary.Participants, summary.Purpose, summary.ClientAccount, summary.Agreements, summary.NextSteps} {
		sec := threadSectionView{Title: k.Title()}
		known[sec.Title] = true
		for _, l := range lines {
			if l.Heading == sec.Title {
				sec.Lines = append(sec.Lines, lineView(l))
			}
		}
		out = append(out, sec)
	}

	other := map[string]int{}
	for _, l := range lines {
		if known[l.Heading] {
			continue
		}
		title := l.Heading
		if title == "" {
			title = "Övrigt"
		}
		i, ok := other[title]
		if !ok {
			i = len(out)
			other[title] = i
			out = append(out, threadSectionView{Title: title})
		}
		out[i].Lines = append(out[i].Lines, lineView(l))
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

// serveSummarize writes the summary of the transcript as it is now and
// returns to it. With the form field "ersatt" the new summary replaces the
// summary with that id, which stays readable under the earlier summaries.
// With a chat engine the summary is written in the background, and the
// page shows that meanwhile.
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
	var previous int64
	if raw := r.PostForm.Get("ersatt"); raw != "" {
		id, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || id <= 0 {
			h.renderAuthMessage(w, r, http.StatusBadRequest, authMessage{
				Title:    "Sammanfattningen kunde inte göras om",
				Message:  "Formuläret pekade inte ut någon sammanfattning. Ladda om sidan och försök igen.",
				LinkText: "Tillbaka till inspelningen", LinkURL: back,
			})
			return
		}
		previous = id
	}

	engine := embeddedEngine
	if h.assist.engine != nil {
		engine = h.assist.engineName()
	}
	detail := map[string]string{"op": "summary", "engine": engine}
	if previous != 0 {
		detail["replaces"] = strconv.FormatInt(previous, 10)
	}
	if !h.logAction(w, r, "read", rec.ID, detail) {
		return
	}
	if h.assist.engine != nil {
		h.startEngineSummary(r.Context(), src, rec.ID, previous)
		http.Redirect(w, r, back, http.StatusSeeOther)
		return
	}

	_, err := h.addSummary(r.Context(), src, rec.ID, rows, previous)
	switch {
	case err == nil, errors.Is(err, store.ErrConflict):
		http.Redirect(w, r, back, http.StatusSeeOther)
	case errors.Is(err, summary.ErrNoText):
		h.renderAuthMessage(w, r, http.StatusBadRequest, authMessage{
			Title:    "Ingen text att sammanfatta",
			Message:  "Utskriften har inga ord att sammanfatta. Läs utskriften eller ändra den och försök igen.",
			LinkText: "Tillbaka till inspelningen", LinkURL: back,
		})
	case errors.Is(err, store.ErrDeleted):
		h.renderError(w, r, http.StatusGone)
	default:
		h.renderError(w, r, http.StatusInternalServerError)
	}
}

// serveQuestion stores a question about the transcript and answers it:
// with the chat engine in the background when one is configured, or else
// at once with the embedded index. It returns to the answer, or to the
// question while the engine writes. The access log gets one "read" entry
// with op=question and the engine, and never the question's text.
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

	ans, err := embeddedAnswerFor(rows, question)
	if err != nil {
		h.log.Error("answer question failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	engine := embeddedEngine
	if h.assist.engine != nil {
		engine = h.assist.engineName()
	}
	detail := map[string]string{"op": "question", "passages": strconv.Itoa(len(ans.Passages)), "engine": engine}
	if !h.logAction(w, r, "read", rec.ID, detail) {
		return
	}

	ctx := r.Context()
	q, err := src.AddThreadMessage(ctx, rec.ID, store.ThreadMessage{Kind: store.ThreadQuestion, Text: question, Author: acc.ID})
	if err != nil {
		h.threadStoreFailed(w, r, rec.ID, err)
		return
	}
	if h.assist.engine != nil {
		h.startEngineAnswer(ctx, src, rec.ID, q, ans)
		http.Redirect(w, r, "/recordings/"+rec.ID+"#fraga-"+strconv.FormatInt(q.ID, 10), http.StatusSeeOther)
		return
	}
	stored, err := src.AddThreadMessage(ctx, rec.ID, embeddedAnswer(ans, q.ID))
	if err != nil {
		h.threadStoreFailed(w, r, rec.ID, err)
		return
	}
	http.Redirect(w, r, "/recordings/"+rec.ID+"#svar-"+strconv.FormatInt(stored.ID, 10), http.StatusSeeOther)
}

// embeddedAnswerFor answers question from rows with the embedded index.
func embeddedAnswerFor(rows []segmentRow, question string) (answer.Answer, error) {
	ix, err := answer.NewIndex(svSegments(rows), nil)
	if err != nil {
		return answer.Answer{}, err
	}
	return ix.Ask(question)
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
	if store.CheckText(q) != nil {
		return "Frågan innehöll tecken som inte kan sparas. Skriv om den och försök igen."
	}
	return ""
}
