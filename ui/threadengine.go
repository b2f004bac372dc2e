package ui

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Assistant writes verified summaries and answers with a chat engine.
// *chat.Assistant implements it. Both methods pseudonymize the text with m
// before it leaves the service and add new placeholders to m.
type Assistant interface {
	Summarize(ctx context.Context, segs []svtext.Segment, m *pseudo.Mapping) (chat.Reply, error)
	Ask(ctx context.Context, segs []svtext.Segment, question string, m *pseudo.Mapping) (chat.Reply, error)
}

// mappingSource keeps a recording's pseudonym mapping. *store.Store
// implements it. Without it every request starts from an empty mapping.
type mappingSource interface {
	PseudonymMapping(ctx context.Context, rec string) (*pseudo.Mapping, error)
	SetPseudonymMapping(ctx context.Context, rec string, m *pseudo.Mapping) error
}

// Engine names stored with a summary or an answer.
const embeddedEngine = "embedded"

// Limits of the background jobs that wait for the chat engine.
const (
	// maxRunningJobs bounds the requests sent to the engine at once. One
	// engine on one GPU serves requests one by one, so more only queue there.
	maxRunningJobs = 2
	// maxPendingJobs bounds the jobs started or waiting. Past it, a summary
	// or answer is written by the embedded code at once, with a notice.
	maxPendingJobs = 32
	// jobTimeout bounds one job, several engine requests for a long meeting.
	jobTimeout = 30 * time.Minute
)

// Swedish notices stored with what the embedded code wrote in place of the engine.
const (
	summaryEngineDown     = "Språkmodellen svarade inte, så sammanfattningen är gjord av den inbyggda sammanfattaren."
	summaryEngineUnusable = "Språkmodellen gav inget användbart svar, så sammanfattningen är gjord av den inbyggda sammanfattaren."
	summaryEngineBusy     = "Språkmodellen var upptagen, så sammanfattningen är gjord av den inbyggda sammanfattaren."
	answerEngineDown      = "Språkmodellen svarade inte, så svaret består av citat ur utskriften från den inbyggda sökningen."
	answerEngineUnusable  = "Språkmodellen gav inget användbart svar, så svaret består av citat ur utskriften från den inbyggda sökningen."
	answerEngineBusy      = "Språkmodellen var upptagen, så svaret består av citat ur utskriften från den inbyggda sökningen."
	engineAnswerText      = "Språkmodellens svar, kontrollerat mot utskriften:"
	engineFoundNothing    = "Språkmodellen fann inget i mötet som besvarar frågan. Den inbyggda sökningen hittade de här citaten:"
)

// Background bounds the view's background work, the chat engine's
// summaries and answers. Close ends it, so the caller can close the store
// only after no job writes to it any more.
type Background struct {
	ctx    context.Context
	cancel context.CancelFunc
	jobs   sync.WaitGroup
}

// NewBackground returns a Background for Options.Background.
func NewBackground() *Background {
	ctx, cancel := context.WithCancel(context.Background())
	return &Background{ctx: ctx, cancel: cancel}
}

// Close cancels the running jobs and waits until every job has returned or
// ctx ends. A job cut off this way stores nothing, and the next view of its
// recording starts it again.
func (b *Background) Close(ctx context.Context) error {
	b.cancel()
	done := make(chan struct{})
	go func() {
		b.jobs.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("waiting for the chat engine's jobs: %w", ctx.Err())
	}
}

// stopping reports whether Close was called.
func (b *Background) stopping() bool { return b.ctx.Err() != nil }

// storeTimeout bounds the store writes that end a job. They run on a
// context of their own, so a job that reached its own time limit still
// stores its fallback.
const storeTimeout = 30 * time.Second

// assistState is the chat engine and the jobs that wait for it.
type assistState struct {
	engine Assistant // nil without a chat engine
	model  string
	slots  chan struct{} // one token per running engine request
	bg     *Background

	mu      sync.Mutex
	pending map[string]string // job key -> recording id, for started and waiting jobs
	version map[string]int    // recording id -> jobs finished, so live updates see a change
	idle    *sync.Cond        // broadcast when a job ends

	mappingMu sync.Mutex
	mappings  map[string]*sync.Mutex // recording id -> lock around load, extend and store
}

func (h *handler) initAssistant(a Assistant, model string, bg *Background) {
	if bg == nil {
		bg = NewBackground()
	}
	h.assist = assistState{
		engine:   a,
		model:    model,
		bg:       bg,
		slots:    make(chan struct{}, maxRunningJobs),
		pending:  map[string]string{},
		version:  map[string]int{},
		mappings: map[string]*sync.Mutex{},
	}
	h.assist.idle = sync.NewCond(&h.assist.mu)
	if h.assist.model == "" {
		h.assist.model = "språkmodellen"
	}
}

// engineName returns what is logged and stored as the writer of an
// engine's text: the model name.
func (a *assistState) engineName() string { return a.model }

// start runs job in the background under key, unless a job with that key
// is pending. It returns started false when the key is pending or the
// limit of pending jobs is reached, and busy true in the second case.
func (a *assistState) start(key, rec string, job func(ctx context.Context)) (started, busy bool) {
	a.mu.Lock()
	if _, ok := a.pending[key]; ok {
		a.mu.Unlock()
		return false, false
	}
	if len(a.pending) >= maxPendingJobs {
		a.mu.Unlock()
		return false, true
	}
	a.pending[key] = rec
	a.mu.Unlock()

	a.bg.jobs.Add(1)
	go func() {
		defer a.bg.jobs.Done()
		defer a.finish(key, rec)
		a.slots <- struct{}{}
		defer func() { <-a.slots }()

		ctx, cancel := context.WithTimeout(a.bg.ctx, jobTimeout)
		defer cancel()
		job(ctx)
	}()
	return true, false
}

func (a *assistState) finish(key, rec string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	delete(a.pending, key)
	a.version[rec]++
	a.idle.Broadcast()
}

// running reports whether a job with key is pending.
func (a *assistState) running(key string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	_, ok := a.pending[key]
	return ok
}

// state returns the number of rec's pending jobs and of its finished ones.
func (a *assistState) state(rec string) (pending, finished int) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, r := range a.pending {
		if r == rec {
			pending++
		}
	}
	return pending, a.version[rec]
}

// wait blocks until no job is pending or ctx ends, for tests and shutdown.
func (a *assistState) wait(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		a.mu.Lock()
		defer a.mu.Unlock()
		a.idle.Broadcast()
	})
	defer stop()

	a.mu.Lock()
	defer a.mu.Unlock()
	for len(a.pending) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		a.idle.Wait()
	}
	return nil
}

func summaryJobKey(rec string) string    { return "summary/" + rec }
func answerJobKey(question int64) string { return "answer/" + strconv.FormatInt(question, 10) }

// transcriptDigest identifies the text and speakers of a transcript, so a
// summary can tell that the transcript changed after it was made.
func transcriptDigest(segs []svtext.Segment) string {
	hash := sha256.New()
	for _, s := range segs {
		hash.Write([]byte(strconv.FormatInt(s.ID, 10) + "\x00" + s.Speaker + "\x00" + s.Text + "\x00"))
	}
	return hex.EncodeToString(hash.Sum(nil)[:16])
}

// mappingLock returns the lock that orders reads and writes of rec's mapping.
func (a *assistState) mappingLock(rec string) *sync.Mutex {
	a.mappingMu.Lock()
	defer a.mappingMu.Unlock()
	l, ok := a.mappings[rec]
	if !ok {
		l = &sync.Mutex{}
		a.mappings[rec] = l
	}
	return l
}

// extendMapping loads rec's stored mapping, lets learn add placeholders and
// stores it again when learn added any. It returns the mapping and the
// number of placeholders it holds.
func (h *handler) extendMapping(ctx context.Context, rec string, learn func(*pseudo.Mapping)) (*pseudo.Mapping, int, error) {
	src, ok := h.src.(mappingSource)
	if !ok {
		m := pseudo.NewMapping()
		learn(m)
		return m, m.Len(), nil
	}
	lock := h.assist.mappingLock(rec)
	lock.Lock()
	defer lock.Unlock()

	m, err := src.PseudonymMapping(ctx, rec)
	if err != nil {
		return nil, 0, err
	}
	before := m.Len()
	learn(m)
	if m.Len() > before {
		if err := src.SetPseudonymMapping(ctx, rec, m); err != nil {
			return nil, 0, err
		}
	}
	return m, m.Len(), nil
}

// storeExtendedMapping stores m, which an engine request extended after
// extendMapping returned it with known placeholders, unless another request
// changed the stored mapping meanwhile.
func (h *handler) storeExtendedMapping(ctx context.Context, rec string, m *pseudo.Mapping, known int) {
	src, ok := h.src.(mappingSource)
	if !ok || m.Len() == known {
		return
	}
	lock := h.assist.mappingLock(rec)
	lock.Lock()
	defer lock.Unlock()

	stored, err := src.PseudonymMapping(ctx, rec)
	if err == nil && stored.Len() != known {
		// NOTE: the placeholders the request added stand only for details
		// of the question, which is stored in the thread itself.
		h.log.Warn("pseudonym mapping changed during an engine request; its new placeholders are not stored",
			"recording_id", rec, "placeholders", m.Len()-known)
		return
	}
	if err == nil {
		err = src.SetPseudonymMapping(ctx, rec, m)
	}
	if err != nil && !errors.Is(err, store.ErrDeleted) {
		h.log.Error("store pseudonym mapping failed", "recording_id", rec, "error", err)
	}
}

// engineNotice returns down when err means that the engine could not be
// reached, timed out or responded 429 or 5xx. Otherwise it returns
// unusable: the reply had another error status, a malformed or oversize
// body, no choices, or was cut off at the token limit.
func engineNotice(err error, down, unusable string) string {
	if errors.Is(err, chat.ErrUnavailable) || errors.Is(err, context.DeadlineExceeded) {
		return down
	}
	return unusable
}

// learnTranscript adds the details of segs to m, as the assistant does
// before it sends them, so the stored mapping is complete before the
// engine sees any placeholder.
func learnTranscript(segs []svtext.Segment, extra ...string) func(*pseudo.Mapping) {
	return func(m *pseudo.Mapping) {
		d, err := copyDetector()
		if err != nil {
			return // the assistant's own detector learns the details then
		}
		for _, s := range segs {
			learnSpeaker(d, s.Speaker, m)
			d.Learn(s.Text, m)
		}
		for _, text := range extra {
			d.Learn(text, m)
		}
	}
}

// currentRows reads rec's transcript as the page shows it, for a job that
// runs after the request that started it.
func (h *handler) currentRows(ctx context.Context, rec string) ([]segmentRow, error) {
	segs, err := h.src.Segments(ctx, rec)
	if err != nil {
		return nil, err
	}
	rows, _, _ := h.shownRows(ctx, rec, segs)
	return rows, nil
}

// startEngineSummary starts writing rec's summary with the chat engine in
// the background. previous is the summary it replaces, or 0. It returns
// false when a summary of rec is already being written, and writes the
// embedded summary at once when too many jobs wait.
func (h *handler) startEngineSummary(ctx context.Context, src threadSource, rec string, previous int64) bool {
	started, busy := h.assist.start(summaryJobKey(rec), rec, func(ctx context.Context) {
		h.writeEngineSummary(ctx, src, rec, previous)
	})
	if busy {
		h.log.Warn("chat engine jobs at limit; embedded summary written", "recording_id", rec, "pending", maxPendingJobs)
		rows, err := h.currentRows(ctx, rec)
		if err == nil {
			_, err = h.storeSummary(ctx, src, rec, rows, previous, nil, summaryEngineBusy)
		}
		if err != nil && !errors.Is(err, store.ErrConflict) {
			h.log.Error("store summary failed", "recording_id", rec, "error", err)
		}
	}
	if started {
		h.log.Info("chat summary started", "recording_id", rec, "engine", h.assist.engineName())
	}
	return started
}

// jobFailed logs why a job ended without storing anything: msg with err,
// or only that a shutdown cut the job off, which the next view restarts.
func (h *handler) jobFailed(msg, rec string, err error) {
	if h.assist.bg.stopping() {
		h.log.Info("chat job stopped by shutdown", "recording_id", rec)
		return
	}
	h.log.Error(msg, "recording_id", rec, "error", err)
}

// writeEngineSummary asks the engine for a summary of rec's current
// transcript and stores it, or the embedded summary with a notice when the
// engine fails.
func (h *handler) writeEngineSummary(ctx context.Context, src threadSource, rec string, previous int64) {
	start := time.Now()
	rows, err := h.currentRows(ctx, rec)
	if err != nil {
		h.jobFailed("chat summary failed", rec, err)
		return
	}
	segs := svSegments(rows)
	m, known, err := h.extendMapping(ctx, rec, learnTranscript(segs))
	if err != nil {
		h.jobFailed("chat summary failed", rec, err)
		return
	}

	reply, err := h.assist.engine.Summarize(ctx, segs, m)
	if h.assist.bg.stopping() {
		h.jobFailed("chat summary failed", rec, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	h.storeExtendedMapping(ctx, rec, m, known)
	notice := ""
	var written *chat.Reply
	switch {
	case err == nil:
		written = &reply
	case errors.Is(err, chat.ErrNoSegments):
		return
	default:
		h.log.Warn("chat summary failed; embedded summary written", "recording_id", rec, "engine", h.assist.engineName(),
			"unavailable", errors.Is(err, chat.ErrUnavailable), "truncated", errors.Is(err, chat.ErrTruncated), "error", err)
		notice = engineNotice(err, summaryEngineDown, summaryEngineUnusable)
	}

	stored, err := h.storeSummary(ctx, src, rec, rows, previous, written, notice)
	if err != nil {
		if !errors.Is(err, store.ErrConflict) && !errors.Is(err, store.ErrDeleted) {
			h.log.Error("store summary failed", "recording_id", rec, "error", err)
		}
		return
	}
	h.log.Info("summary stored", "recording_id", rec, "engine", stored.Engine, "lines", len(stored.Lines),
		"unsupported", countUnsupported(stored.Lines), "duration", time.Since(start))
}

// storeSummary stores the summary of rows: the engine's reply when it is
// not nil, or else the embedded summary with notice.
func (h *handler) storeSummary(ctx context.Context, src threadSource, rec string, rows []segmentRow, previous int64, reply *chat.Reply, notice string) (store.ThreadMessage, error) {
	segs := svSegments(rows)
	var m store.ThreadMessage
	if reply != nil {
		m = store.ThreadMessage{Kind: store.ThreadSummary, Text: summaryText, Engine: h.assist.engineName(), Lines: engineLines(*reply, segs)}
	} else {
		var err error
		if m, err = embeddedSummary(segs); err != nil {
			return store.ThreadMessage{}, err
		}
		m.Notice = notice
	}
	m.Transcript = transcriptDigest(segs)

	if previous == 0 {
		return src.AddThreadMessage(ctx, rec, m)
	}
	newer, ok := src.(interface {
		AddNewerSummary(ctx context.Context, rec string, m store.ThreadMessage, previous int64) (store.ThreadMessage, error)
	})
	if !ok {
		return store.ThreadMessage{}, errors.New("the thread source keeps one summary per recording")
	}
	return newer.AddNewerSummary(ctx, rec, m, previous)
}

// engineLines converts a verified reply to thread lines. A sentence that
// claims nothing ("Inget i utskriften.") is left out, because an empty
// section already says so. Citations of segments that do not exist are
// dropped from the line, whose sentence is then marked unsupported by the
// verifier already.
func engineLines(reply chat.Reply, segs []svtext.Segment) []store.ThreadLine {
	known := map[int64]bool{}
	for _, s := range segs {
		known[s.ID] = true
	}
	var out []store.ThreadLine
	for _, s := range reply.Sentences {
		if claimsNothing(s) {
			continue
		}
		line := store.ThreadLine{Heading: storableText(s.Heading), Text: storableText(s.Text), Written: true, Unsupported: !s.Supported}
		for _, id := range s.Citations {
			if known[id] && len(line.Segments) < store.MaxThreadCitations {
				line.Segments = append(line.Segments, id)
			}
		}
		if len(line.Segments) == 0 {
			line.Unsupported = true
		}
		for _, p := range s.Problems {
			line.Reasons = append(line.Reasons, storableText(p.Swedish()))
		}
		if line.Unsupported && len(line.Reasons) == 0 {
			line.Reasons = append(line.Reasons, chat.Problem{Kind: chat.NoCitation}.Swedish())
		}
		out = append(out, line)
	}
	if len(out) > store.MaxThreadLines {
		out = out[:store.MaxThreadLines]
	}
	return out
}

// storableText makes an engine's text fit a thread line: the characters
// that store.CheckText rejects become spaces and a text longer than the
// store accepts is cut, with "…" at the cut.
func storableText(text string) string {
	text = store.ReplaceInvalidText(text)
	text = strings.Join(strings.Fields(text), " ")
	if utf8.RuneCountInString(text) <= store.MaxThreadTextLength {
		return text
	}
	runes := []rune(text)
	return string(runes[:store.MaxThreadTextLength-1]) + "…"
}

// claimsNothing reports whether s is one of the sentences that the prompts
// allow without a citation.
func claimsNothing(s chat.Sentence) bool {
	return len(s.Citations) == 0 && (s.Text == chat.NothingForHeading || s.Text == chat.NothingAnswers)
}

func countUnsupported(lines []store.ThreadLine) int {
	n := 0
	for _, l := range lines {
		if l.Unsupported {
			n++
		}
	}
	return n
}

// startEngineAnswer starts answering question q with the chat engine in
// the background. embedded is the index's answer, whose passages the
// stored answer quotes. It returns false when the job could not start, and
// then stores the embedded answer at once when too many jobs wait.
func (h *handler) startEngineAnswer(ctx context.Context, src threadSource, rec string, q store.ThreadMessage, embedded answer.Answer) bool {
	started, busy := h.assist.start(answerJobKey(q.ID), rec, func(ctx context.Context) {
		h.writeEngineAnswer(ctx, src, rec, q, embedded)
	})
	if busy {
		h.log.Warn("chat engine jobs at limit; embedded answer written", "recording_id", rec, "pending", maxPendingJobs)
		reply := embeddedAnswer(embedded, q.ID)
		reply.Notice = answerEngineBusy
		if _, err := src.AddThreadMessage(ctx, rec, reply); err != nil && !errors.Is(err, store.ErrDeleted) {
			h.log.Error("store thread message failed", "recording_id", rec, "error", err)
		}
	}
	return started
}

// writeEngineAnswer asks the engine question q about rec's current
// transcript and stores the verified answer followed by the embedded
// passages, or only the passages with a notice when the engine fails.
func (h *handler) writeEngineAnswer(ctx context.Context, src threadSource, rec string, q store.ThreadMessage, embedded answer.Answer) {
	start := time.Now()
	rows, err := h.currentRows(ctx, rec)
	if err != nil {
		h.jobFailed("chat answer failed", rec, err)
		return
	}
	segs := svSegments(rows)
	m, known, err := h.extendMapping(ctx, rec, learnTranscript(segs, q.Text))
	if err != nil {
		h.jobFailed("chat answer failed", rec, err)
		return
	}

	reply, err := h.assist.engine.Ask(ctx, segs, q.Text, m)
	if h.assist.bg.stopping() {
		h.jobFailed("chat answer failed", rec, err)
		return
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), storeTimeout)
	defer cancel()
	h.storeExtendedMapping(ctx, rec, m, known)
	msg := embeddedAnswer(embedded, q.ID)
	if err != nil {
		h.log.Warn("chat answer failed; embedded answer written", "recording_id", rec, "message_id", q.ID, "engine", h.assist.engineName(),
			"unavailable", errors.Is(err, chat.ErrUnavailable), "truncated", errors.Is(err, chat.ErrTruncated), "error", err)
		msg.Notice = engineNotice(err, answerEngineDown, answerEngineUnusable)
	} else {
		written := engineLines(reply, segs)
		msg.Engine = h.assist.engineName()
		switch {
		case len(written) > 0:
			msg.Text = engineAnswerText
		case len(msg.Lines) > 0:
			msg.Text = engineFoundNothing
		default:
			msg.Text = chat.NothingAnswers
		}
		msg.Lines = append(written, msg.Lines...)
		if len(msg.Lines) > store.MaxThreadLines {
			msg.Lines = msg.Lines[:store.MaxThreadLines]
		}
	}

	stored, err := src.AddThreadMessage(ctx, rec, msg)
	if err != nil {
		if !errors.Is(err, store.ErrDeleted) {
			h.log.Error("store thread message failed", "recording_id", rec, "error", err)
		}
		return
	}
	h.log.Info("answer stored", "recording_id", rec, "message_id", stored.ID, "engine", stored.Engine, "lines", len(stored.Lines),
		"unsupported", countUnsupported(stored.Lines), "duration", time.Since(start))
}

// embeddedAnswer is the index's answer as a thread message that replies
// to question (0 for none).
func embeddedAnswer(ans answer.Answer, question int64) store.ThreadMessage {
	m := store.ThreadMessage{Kind: store.ThreadAnswer, Text: ans.Text, Engine: embeddedEngine, ReplyTo: question}
	for _, p := range ans.Passages {
		m.Lines = append(m.Lines, store.ThreadLine{Speaker: storableLineText(p.Speaker), Text: storableLineText(p.Text), Segments: p.Segments()})
	}
	return m
}
