package ui

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// threadMeeting is a short follow-up meeting, one segment per turn.
var threadMeeting = []string{
	" Välkommen. Syftet med mötet i dag är att följa upp er ansökan om ekonomiskt bistånd.",
	" Tack. Jag har fått ett nytt jobb på lagret i Borlänge och börjar den första april.",
	" Vad bra. Hur går det med hyran för mars?",
	" Hyran för mars är inte betald, jag är skyldig hyresvärden 6 400 kronor.",
	" Vi kommer överens om att du lämnar in hyresavin senast på fredag.",
	" Nästa möte bokar vi den 12 april klockan tio.",
}

// transcribeMeeting stores threadMeeting as rec's transcript, one second
// per segment split over the recording's one second of audio, and returns
// the segment ids in order.
func transcribeMeeting(t *testing.T, e *accessEnv, rec string) []int64 {
	t.Helper()
	var segs []store.Segment
	step := time.Second / time.Duration(len(threadMeeting))
	for i, text := range threadMeeting {
		segs = append(segs, store.Segment{Start: time.Duration(i) * step, End: time.Duration(i+1) * step, Text: text})
	}
	e.ts.transcribe(t, rec, 0, 16000, segs)
	stored, err := e.ts.Segments(context.Background(), rec)
	if err != nil || len(stored) != len(threadMeeting) {
		t.Fatalf("Segments(%s) = %d, %v, want %d", rec, len(stored), err, len(threadMeeting))
	}
	ids := make([]int64, len(stored))
	for i, s := range stored {
		ids[i] = s.ID
	}
	return ids
}

// endRecording stores the end event that makes rec's one chunk complete.
func endRecording(t *testing.T, e *accessEnv, rec string) {
	t.Helper()
	end := protocol.Event{Seq: 1, Type: protocol.EventEnd, At: testNow.Add(-time.Hour + time.Second), Frame: 16000,
		End: &protocol.EndInfo{Chunks: 1, Frames: 16000}}
	if _, err := e.ts.PutEvent(context.Background(), "box-1", rec, end); err != nil {
		t.Fatalf("PutEvent(end %s): %v", rec, err)
	}
}

// detailCall is one call of Options.Access with the action's detail.
type detailCall struct {
	Action, Recording string
	Detail            map[string]string
}

// recordDetails rebuilds e's handler with an Options.Access hook that
// keeps each call's action detail, which accessRecorder does not keep.
func recordDetails(t *testing.T, e *accessEnv) *[]detailCall {
	t.Helper()
	calls := &[]detailCall{}
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	h, err := New(e.ts, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store, Access: func(r *http.Request, action, rec string) error {
		*calls = append(*calls, detailCall{Action: action, Recording: rec, Detail: ActionDetailFromContext(r.Context())})
		return nil
	}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h
	return calls
}

// citedSegments returns the segment ids that the page's citation links point to.
func citedSegments(body string) []int64 {
	var ids []int64
	for _, m := range regexp.MustCompile(`href="#segment-(\d+)" class="thread-cite"`).FindAllStringSubmatch(body, -1) {
		id, _ := strconv.ParseInt(m[1], 10, 64)
		ids = append(ids, id)
	}
	return ids
}

// threadPart returns the thread section of a recording page.
func threadPart(t *testing.T, body string) string {
	t.Helper()
	start := strings.Index(body, `<section class="thread"`)
	if start < 0 {
		t.Fatalf("page has no thread section")
	}
	end := strings.Index(body[start:], "</section>")
	return html.UnescapeString(body[start : start+end])
}

func TestThreadSummaryOnCompleteRecording(t *testing.T) {
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	anna := e.signIn(t, e.people["anna"])
	e.access.take()

	page := anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Sammanfattning av samtalet")
	if calls := e.access.take(); len(calls) != 1 || calls[0].Action != "read" {
		t.Errorf("access log calls for the page = %+v, want one read", calls)
	}
	body := page.Body.String()
	thread := threadPart(t, body)
	// Without diarization every row has one speaker, so the summarizer
	// takes the whole meeting as the caseworker's and finds no client account.
	for _, want := range []string{"Syfte med mötet", "Syftet med mötet i dag", "Nästa steg och datum", "den 12 april"} {
		if !strings.Contains(thread, want) {
			t.Errorf("summary lacks %q:\n%s", want, thread)
		}
	}

	cited := citedSegments(body)
	if len(cited) == 0 {
		t.Fatalf("summary has no citation links:\n%s", thread)
	}
	for _, id := range cited {
		if !strings.Contains(body, `id="segment-`+strconv.FormatInt(id, 10)+`"`) {
			t.Errorf("citation to segment %d links to no row on the page", id)
		}
	}
	if !strings.Contains(thread, `data-start=`) {
		t.Errorf("summary citations have no play button")
	}

	// A second visit shows the stored summary instead of writing another.
	anna.get("/recordings/rec-anna")
	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 1 || msgs[0].Kind != store.ThreadSummary {
		t.Errorf("Thread after two visits = %+v, %v, want one summary", msgs, err)
	}
}

func TestThreadSummaryWaitsForCompleteRecording(t *testing.T) {
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna") // no end event: the recording is not complete
	calls := recordDetails(t, e)
	anna := e.signIn(t, e.people["anna"])

	page := anna.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Gör sammanfattning")
	if msgs, _ := e.ts.Thread(context.Background(), "rec-anna"); len(msgs) != 0 {
		t.Fatalf("thread of an incomplete recording = %+v, want no summary before the button", msgs)
	}
	token := csrf(t, page)
	*calls = nil

	if w := anna.post("/recordings/rec-anna/sammanfattning", url.Values{}); w.Code != http.StatusForbidden {
		t.Errorf("summary without CSRF = %d, want 403", w.Code)
	}
	w := anna.post("/recordings/rec-anna/sammanfattning", url.Values{CSRFField: {token}})
	checkRedirect(t, w, "/recordings/rec-anna#sammanfattning")
	if got := *calls; len(got) != 1 || got[0].Action != "read" || got[0].Detail["op"] != "summary" {
		t.Errorf("access log calls for the summary = %+v, want one read with op summary", got)
	}
	checkPage(t, anna.get("/recordings/rec-anna"), http.StatusOK, "Sammanfattning av samtalet")
}

func TestThreadQuestionGetsPassage(t *testing.T) {
	e := newAccessEnv(t)
	ids := transcribeMeeting(t, e, "rec-anna")
	calls := recordDetails(t, e)
	anna := e.signIn(t, e.people["anna"])
	page := anna.get("/recordings/rec-anna")
	token := csrf(t, page)
	*calls = nil

	question := "Hur mycket är hon skyldig i hyra?"
	w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {question}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/recordings/rec-anna#svar-") {
		t.Fatalf("question = %d to %q, want 303 to the answer", w.Code, w.Header().Get("Location"))
	}
	got := *calls
	if len(got) != 1 || got[0].Action != "read" || got[0].Recording != "rec-anna" || got[0].Detail["op"] != "question" {
		t.Errorf("access log calls for a question = %+v, want one read of rec-anna with op question", got)
	}
	for _, c := range got {
		for _, v := range c.Detail {
			if strings.Contains(v, "skyldig") {
				t.Errorf("access log detail %v holds the question's text", c.Detail)
			}
		}
	}
	if strings.Contains(e.logs.String(), "skyldig") {
		t.Errorf("log holds the question's or the transcript's text:\n%s", e.logs.String())
	}

	body := anna.get("/recordings/rec-anna").Body.String()
	thread := threadPart(t, body)
	for _, want := range []string{"Du frågade", question, answer.FoundText, "6 400 kronor"} {
		if !strings.Contains(thread, want) {
			t.Errorf("thread after a question lacks %q:\n%s", want, thread)
		}
	}
	debt := ids[3]
	found := false
	for _, id := range citedSegments(body) {
		found = found || id == debt
	}
	if !found {
		t.Errorf("answer cites %v, want segment %d about the rent debt", citedSegments(body), debt)
	}
}

func TestThreadQuestionWithoutAnswer(t *testing.T) {
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna")
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))

	w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {"Vilken skola går barnen i?"}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("question = %d, want 303", w.Code)
	}
	thread := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
	if !strings.Contains(thread, answer.NotFoundText) {
		t.Errorf("thread after an unanswerable question lacks %q:\n%s", answer.NotFoundText, thread)
	}
	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 2 || len(msgs[1].Lines) != 0 {
		t.Errorf("Thread = %+v, %v, want a question and an answer without passages", msgs, err)
	}
}

func TestThreadQuestionRejected(t *testing.T) {
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna")
	transcribeMeeting(t, e, "rec-bo")
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))
	e.access.take()

	for _, bad := range []struct {
		name string
		path string
		form url.Values
		want int
	}{
		{"no_csrf", "/recordings/rec-anna/fraga", url.Values{"fraga": {"Vad är hyran?"}}, http.StatusForbidden},
		{"empty", "/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {" \r\n "}}, http.StatusBadRequest},
		{"too_long", "/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {strings.Repeat("å", MaxQuestionLength+1)}}, http.StatusBadRequest},
		{"control_character", "/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {"Vad\x00är hyran?"}}, http.StatusBadRequest},
		{"other_users_recording", "/recordings/rec-bo/fraga", url.Values{CSRFField: {token}, "fraga": {"Vad är hyran?"}}, http.StatusNotFound},
		{"other_users_summary", "/recordings/rec-bo/sammanfattning", url.Values{CSRFField: {token}}, http.StatusNotFound},
		{"unknown_recording", "/recordings/rec-okand/fraga", url.Values{CSRFField: {token}, "fraga": {"Vad är hyran?"}}, http.StatusNotFound},
	} {
		t.Run(bad.name, func(t *testing.T) {
			if w := anna.post(bad.path, bad.form); w.Code != bad.want {
				t.Errorf("POST %s = %d, want %d", bad.path, w.Code, bad.want)
			}
		})
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("rejected questions wrote access entries %+v", calls)
	}
	for _, rec := range []string{"rec-anna", "rec-bo"} {
		if msgs, _ := e.ts.Thread(context.Background(), rec); len(msgs) != 0 {
			t.Errorf("thread of %s after rejected questions = %+v, want empty", rec, msgs)
		}
	}
}

func TestThreadDeletedWithRecording(t *testing.T) {
	e := newAccessEnv(t)
	transcribeMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))
	if w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {"När är nästa möte?"}}); w.Code != http.StatusSeeOther {
		t.Fatalf("question = %d, want 303", w.Code)
	}
	if msgs, _ := e.ts.Thread(context.Background(), "rec-anna"); len(msgs) != 3 {
		t.Fatalf("thread before deletion has %d messages, want summary, question and answer", len(msgs))
	}

	if err := e.ts.DeleteRecording(context.Background(), "rec-anna", "gallrad i test"); err != nil {
		t.Fatal(err)
	}
	if w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {"När är nästa möte?"}}); w.Code != http.StatusGone {
		t.Errorf("question on a deleted recording = %d, want 410", w.Code)
	}
	if _, err := e.ts.Thread(context.Background(), "rec-anna"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("Thread after deletion = %v, want ErrDeleted", err)
	}
}

// engineMeeting is threadMeeting with a client who gives her name, her
// personal identity number and the names and address of her family, which
// must never reach a chat engine. The names are written the ways a speech
// engine writes them: unlisted first names, lower case, hyphens, a title,
// a genitive.
var engineMeeting = append([]string{" Jag heter Sara Lindqvist och mitt personnummer är 850312-2387." +
	" Min sambo Kalle Karlsson och hans son Per-Olof Nilsson bor med mig på Norra vägen 5, 831 45 Östersund." +
	" Kalles mamma Fatima Al-Hassan hjälper till, och doktor Sundqvist och lisa andersson på vårdcentralen vet om det." +
	" Mejla kalle(at)exempel.se om något ändras."}, threadMeeting...)

// engineSecrets are the details of engineMeeting and of the tests'
// questions that the pseudonymizer must hide from the engine. They are
// compared without regard to case.
var engineSecrets = []string{"Sara", "Lindqvist", "850312", "2387", "Kalle", "Karlsson", "Per-Olof", "Nilsson",
	"Olof", "Norra vägen", "Östersund", "Fatima", "Al-Hassan", "Hassan", "Sundqvist", "lisa", "andersson", "exempel.se"}

// transcribeEngineMeeting stores engineMeeting as rec's transcript and
// returns the segment ids in order.
func transcribeEngineMeeting(t *testing.T, e *accessEnv, rec string) []int64 {
	t.Helper()
	var segs []store.Segment
	step := time.Second / time.Duration(len(engineMeeting))
	for i, text := range engineMeeting {
		segs = append(segs, store.Segment{Start: time.Duration(i) * step, End: time.Duration(i+1) * step, Text: text})
	}
	e.ts.transcribe(t, rec, 0, 16000, segs)
	stored, err := e.ts.Segments(context.Background(), rec)
	if err != nil || len(stored) != len(engineMeeting) {
		t.Fatalf("Segments(%s) = %d, %v, want %d", rec, len(stored), err, len(engineMeeting))
	}
	ids := make([]int64, len(stored))
	for i, s := range stored {
		ids[i] = s.ID
	}
	return ids
}

var requestSegment = regexp.MustCompile(`\[S(\d+)\]`)

// engineSummaryReply is a summary of engineMeeting as an engine writes
// it, citing the segment ids of the request: the client's name as its
// placeholder, three supported sentences and one with a wrong amount.
func engineSummaryReply(req chattest.Request) string {
	ids := requestSegment.FindAllString(req.Messages[len(req.Messages)-1].Content, -1)
	if len(ids) < 7 {
		return "## Deltagare\nInget i utskriften."
	}
	return "## Deltagare\nKlienten heter [Person 1]. " + ids[0] + "\n" +
		"## Syfte med mötet\nSyftet med mötet är att följa upp ansökan om ekonomiskt bistånd. " + ids[1] + "\n" +
		"## Vad klienten berättade\nHyran för mars är inte betald, och hon är skyldig hyresvärden 9 900 kronor. " + ids[4] + "\n" +
		"## Nästa steg och datum\nNästa möte bokas den 12 april klockan tio. " + ids[6] + "\n"
}

// engineAnswerReply answers the rent question from the segment about the debt.
func engineAnswerReply(req chattest.Request) string {
	content := req.Messages[len(req.Messages)-1].Content
	for _, line := range strings.Split(content, "\n") {
		if strings.Contains(line, "6 400") {
			return "Hon är skyldig hyresvärden 6 400 kronor. " + requestSegment.FindString(line)
		}
	}
	return "Inget i mötet besvarar frågan."
}

// gate holds the fake engine's replies until release is closed, so a test
// sees the page while the engine writes.
type gate struct{ release chan struct{} }

func newGate() *gate { return &gate{release: make(chan struct{})} }

func (g *gate) hold(respond chattest.Responder) chattest.Responder {
	return func(req chattest.Request) string {
		<-g.release
		return respond(req)
	}
}

// useEngine rebuilds e's handler with a chat engine assistant on the fake
// engine srv and returns the detail of each access-log call. Call it
// before signing in.
func useEngine(t *testing.T, e *accessEnv, srv *chattest.Server) *[]detailCall {
	t.Helper()
	return useEngineWith(t, e, srv, nil)
}

// useEngineWith is useEngine with the handler's jobs bounded by bg.
func useEngineWith(t *testing.T, e *accessEnv, srv *chattest.Server, bg *Background) *[]detailCall {
	t.Helper()
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	client, err := chat.New(srv.URL, &chat.Options{Model: "test-modell", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	a, err := chat.NewAssistant(client, &chat.AssistantOptions{Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	calls := &[]detailCall{}
	h, err := New(e.ts, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store, Assistant: a, AssistantModel: "test-modell", Background: bg,
		Access: func(r *http.Request, action, rec string) error {
			*calls = append(*calls, detailCall{Action: action, Recording: rec, Detail: ActionDetailFromContext(r.Context())})
			return nil
		}})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h
	return calls
}

// waitForEngine waits until the handler's engine jobs have ended.
func waitForEngine(t *testing.T, e *accessEnv) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if err := e.h.(*handler).assist.wait(ctx); err != nil {
		t.Fatalf("engine jobs still running: %v", err)
	}
}

// checkNoSecretsSent fails when a request to the engine holds a detail
// that the pseudonymizer must hide.
func checkNoSecretsSent(t *testing.T, srv *chattest.Server) {
	t.Helper()
	if len(srv.Requests()) == 0 {
		t.Fatal("the fake engine received no request")
	}
	for i, req := range srv.Requests() {
		for _, secret := range engineSecrets {
			if strings.Contains(strings.ToLower(req.Text()), strings.ToLower(secret)) {
				t.Errorf("request %d to the engine holds %q:\n%s", i, secret, req.Text())
			}
		}
	}
}

func TestThreadEngineSummaryVerified(t *testing.T) {
	e := newAccessEnv(t)
	transcribeEngineMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	g := newGate()
	srv := chattest.New(t, "", g.hold(engineSummaryReply))
	useEngine(t, e, srv)
	anna := e.signIn(t, e.people["anna"])

	// The page renders at once while the engine writes.
	thread := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
	for _, want := range []string{"Sammanfattningen skrivs …", `data-live="/recordings/rec-anna/handelser"`} {
		if !strings.Contains(thread, want) {
			t.Errorf("thread while the engine writes lacks %q:\n%s", want, thread)
		}
	}
	anna.get("/recordings/rec-anna") // a second view starts no second job
	live := func() liveProgress {
		t.Helper()
		p, err := e.h.(*handler).progress(httptest.NewRequest(http.MethodGet, "/recordings/rec-anna/handelser", nil), "rec-anna")
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	if p := live(); p.Done || p.Thread != "1-0" {
		t.Errorf("live progress while the engine writes = done %t, thread %q, want not done and thread 1-0", p.Done, p.Thread)
	}
	close(g.release)
	waitForEngine(t, e)
	if p := live(); !p.Done || p.Thread != "0-1" {
		t.Errorf("live progress after the engine wrote = done %t, thread %q, want done and thread 0-1", p.Done, p.Thread)
	}
	if n := len(srv.Requests()); n != 1 {
		t.Errorf("engine requests after two views = %d, want 1", n)
	}
	checkNoSecretsSent(t, srv)
	if !strings.Contains(srv.Requests()[0].Text(), "[Person 1]") {
		t.Errorf("request lacks the placeholder [Person 1] for the client's name:\n%s", srv.Requests()[0].Text())
	}

	body := anna.get("/recordings/rec-anna").Body.String()
	thread = threadPart(t, body)
	for _, want := range []string{
		"Skriven av språkmodellen test-modell",
		"Klienten heter Sara Lindqvist.", // the placeholder mapped back
		"Nästa möte bokas den 12 april klockan tio.",
		"ej belagt",
		`Talet "9 900" finns inte i de delar av utskriften som meningen hänvisar till.`,
	} {
		if !strings.Contains(thread, want) {
			t.Errorf("engine summary lacks %q:\n%s", want, thread)
		}
	}
	if n := strings.Count(thread, "ej belagt"); n != 1 {
		t.Errorf("engine summary marks %d lines ej belagt, want 1 (the wrong amount):\n%s", n, thread)
	}
	if strings.Contains(thread, "Sammanfattningen skrivs") {
		t.Errorf("thread still says the summary is being written:\n%s", thread)
	}
	for _, secret := range engineSecrets {
		if strings.Contains(e.logs.String(), secret) {
			t.Errorf("log holds %q from the transcript", secret)
		}
	}
	if !strings.Contains(e.logs.String(), "engine=test-modell") {
		t.Errorf("log does not name the engine that wrote the summary:\n%s", e.logs.String())
	}

	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 1 {
		t.Fatalf("Thread = %d messages, %v, want one summary", len(msgs), err)
	}
	if msgs[0].Engine != "test-modell" || countUnsupported(msgs[0].Lines) != 1 {
		t.Errorf("stored summary engine %q with %d unsupported lines, want test-modell with 1", msgs[0].Engine, countUnsupported(msgs[0].Lines))
	}
}

// TestThreadEngineJobEndsOnClose closes the view's background while the
// engine holds a summary request: the job ends without storing anything,
// and the next view after a restart writes the summary.
func TestThreadEngineJobEndsOnClose(t *testing.T) {
	e := newAccessEnv(t)
	transcribeEngineMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	srv := chattest.New(t, "", engineSummaryReply)
	if err := srv.SetMode(chattest.Slow); err != nil {
		t.Fatal(err)
	}
	bg := NewBackground()
	useEngineWith(t, e, srv, bg)
	anna := e.signIn(t, e.people["anna"])
	anna.get("/recordings/rec-anna") // starts the summary, which the engine holds

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bg.Close(ctx); err != nil {
		t.Fatalf("Close with a held job: %v", err)
	}
	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 0 {
		t.Errorf("thread after Close = %d messages, %v, want none: a job cut off by shutdown stores no fallback", len(msgs), err)
	}
	if !strings.Contains(e.logs.String(), "chat job stopped by shutdown") || strings.Contains(e.logs.String(), "level=ERROR") {
		t.Errorf("log lacks the shutdown of the summary job, or has an error:\n%s", e.logs.String())
	}

	// After a restart, the next view starts the summary again.
	if err := srv.SetMode(chattest.OK); err != nil {
		t.Fatal(err)
	}
	useEngine(t, e, srv)
	again := &browser{t: t, h: e.h, cookie: anna.cookie}
	again.get("/recordings/rec-anna")
	waitForEngine(t, e)
	msgs, err = e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 1 || msgs[0].Engine != "test-modell" {
		t.Errorf("thread after a restart = %+v, %v, want the engine's summary", msgs, err)
	}
}

func TestThreadEngineMappingSharedWithCopy(t *testing.T) {
	e := newAccessEnv(t)
	transcribeEngineMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	srv := chattest.New(t, "", engineSummaryReply)
	useEngine(t, e, srv)
	anna := e.signIn(t, e.people["anna"])
	page := anna.get("/recordings/rec-anna")
	waitForEngine(t, e)

	m, err := e.ts.PseudonymMapping(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	if got := m.Restore("[Person 1]"); got != "Sara Lindqvist" {
		t.Errorf("stored mapping restores [Person 1] as %q, want Sara Lindqvist", got)
	}

	w := anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {csrf(t, page)}, "urval": {"alla"}, "pseudonymisera": {"ja"}})
	note := html.UnescapeString(w.Body.String())
	if !strings.Contains(note, "[Person 1]") || strings.Contains(note, "Lindqvist") {
		t.Errorf("pseudonymized copy does not use the engine's placeholder [Person 1] for the client:\n%s", note)
	}

	if err := e.ts.DeleteRecording(context.Background(), "rec-anna", "gallrad i test"); err != nil {
		t.Fatal(err)
	}
	if _, err := e.ts.PseudonymMapping(context.Background(), "rec-anna"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("PseudonymMapping after deletion = %v, want ErrDeleted", err)
	}
}

func TestThreadEngineOutageFallsBack(t *testing.T) {
	for _, mode := range []struct {
		name                        string
		mode                        chattest.Mode
		summaryNotice, answerNotice string
	}{
		{"refused", chattest.Refused, summaryEngineDown, answerEngineDown},
		{"overloaded", chattest.Unavailable, summaryEngineDown, answerEngineDown},
		{"rate_limited", chattest.RateLimited, summaryEngineDown, answerEngineDown},
		{"truncated", chattest.Truncated, summaryEngineUnusable, answerEngineUnusable},
	} {
		t.Run(mode.name, func(t *testing.T) {
			e := newAccessEnv(t)
			transcribeEngineMeeting(t, e, "rec-anna")
			endRecording(t, e, "rec-anna")
			srv := chattest.New(t, "", engineSummaryReply)
			if err := srv.SetMode(mode.mode); err != nil {
				t.Fatal(err)
			}
			useEngine(t, e, srv)
			anna := e.signIn(t, e.people["anna"])
			page := anna.get("/recordings/rec-anna")
			waitForEngine(t, e)

			thread := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
			for _, want := range []string{mode.summaryNotice, "Skriven av den inbyggda sammanfattaren", "den 12 april"} {
				if !strings.Contains(thread, want) {
					t.Errorf("summary after an engine outage lacks %q:\n%s", want, thread)
				}
			}

			w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {csrf(t, page)}, "fraga": {"Hur mycket är hon skyldig i hyra?"}})
			if w.Code != http.StatusSeeOther {
				t.Fatalf("question = %d, want 303", w.Code)
			}
			waitForEngine(t, e)
			thread = threadPart(t, anna.get("/recordings/rec-anna").Body.String())
			for _, want := range []string{mode.answerNotice, answer.FoundText, "6 400 kronor"} {
				if !strings.Contains(thread, want) {
					t.Errorf("answer after an engine outage lacks %q:\n%s", want, thread)
				}
			}
		})
	}
}

func TestThreadEngineAnswer(t *testing.T) {
	e := newAccessEnv(t)
	ids := transcribeEngineMeeting(t, e, "rec-anna")
	g := newGate()
	srv := chattest.New(t, "", g.hold(engineAnswerReply))
	calls := useEngine(t, e, srv)
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))
	*calls = nil

	question := "Hur mycket är Sara skyldig i hyra, och vad sa kalle karlsson om det?"
	w := anna.post("/recordings/rec-anna/fraga", url.Values{CSRFField: {token}, "fraga": {question}})
	if w.Code != http.StatusSeeOther || !strings.HasPrefix(w.Header().Get("Location"), "/recordings/rec-anna#fraga-") {
		t.Fatalf("question = %d to %q, want 303 to the question", w.Code, w.Header().Get("Location"))
	}
	if got := *calls; len(got) != 1 || got[0].Detail["op"] != "question" || got[0].Detail["engine"] != "test-modell" {
		t.Errorf("access log calls for a question = %+v, want one with op question and engine test-modell", got)
	}
	thread := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
	for _, want := range []string{question, "Svaret skrivs …"} {
		if !strings.Contains(thread, want) {
			t.Errorf("thread while the engine answers lacks %q:\n%s", want, thread)
		}
	}

	close(g.release)
	waitForEngine(t, e)
	checkNoSecretsSent(t, srv)
	body := anna.get("/recordings/rec-anna").Body.String()
	thread = threadPart(t, body)
	for _, want := range []string{engineAnswerText, "Hon är skyldig hyresvärden 6 400 kronor.", "Citat ur utskriften som rör frågan:", "Skriven av språkmodellen test-modell"} {
		if !strings.Contains(thread, want) {
			t.Errorf("engine answer lacks %q:\n%s", want, thread)
		}
	}
	if strings.Contains(thread, "Svaret skrivs") || strings.Contains(thread, "ej belagt") {
		t.Errorf("engine answer still pending or marked unsupported:\n%s", thread)
	}
	debt := ids[4]
	cited := false
	for _, id := range citedSegments(body) {
		cited = cited || id == debt
	}
	if !cited {
		t.Errorf("answer cites %v, want segment %d about the rent debt", citedSegments(body), debt)
	}
	if strings.Contains(e.logs.String(), "skyldig") {
		t.Errorf("log holds the question's or the transcript's text:\n%s", e.logs.String())
	}
}

func TestThreadResummaryKeepsEarlier(t *testing.T) {
	for _, engine := range []bool{false, true} {
		name := "embedded"
		if engine {
			name = "engine"
		}
		t.Run(name, func(t *testing.T) {
			e := newAccessEnv(t)
			ids := transcribeEngineMeeting(t, e, "rec-anna")
			endRecording(t, e, "rec-anna")
			if engine {
				useEngine(t, e, chattest.New(t, "", engineSummaryReply))
			}
			anna := e.signIn(t, e.people["anna"])
			anna.get("/recordings/rec-anna")
			waitForEngine(t, e)
			first := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
			if strings.Contains(first, "Utskriften har ändrats") {
				t.Fatalf("a fresh summary says the transcript changed:\n%s", first)
			}

			if _, err := e.ts.EditSegment(context.Background(), "rec-anna", ids[6], "Nästa möte bokar vi den 19 april klockan tio.", e.people["anna"].ID); err != nil {
				t.Fatal(err)
			}
			page := anna.get("/recordings/rec-anna")
			thread := threadPart(t, page.Body.String())
			for _, want := range []string{"Utskriften har ändrats efter att sammanfattningen gjordes", "Gör en ny sammanfattning"} {
				if !strings.Contains(thread, want) {
					t.Fatalf("thread after an edit lacks %q:\n%s", want, thread)
				}
			}
			msgs, err := e.ts.Thread(context.Background(), "rec-anna")
			if err != nil || len(msgs) != 1 {
				t.Fatalf("Thread = %d, %v, want the first summary", len(msgs), err)
			}

			w := anna.post("/recordings/rec-anna/sammanfattning", url.Values{CSRFField: {csrf(t, page)}, "ersatt": {strconv.FormatInt(msgs[0].ID, 10)}})
			checkRedirect(t, w, "/recordings/rec-anna#sammanfattning")
			waitForEngine(t, e)
			thread = threadPart(t, anna.get("/recordings/rec-anna").Body.String())
			for _, want := range []string{"Tidigare sammanfattningar (1)", "den 12 april"} {
				if !strings.Contains(thread, want) {
					t.Errorf("thread after a new summary lacks %q:\n%s", want, thread)
				}
			}
			if strings.Contains(thread, "Utskriften har ändrats") {
				t.Errorf("the new summary still says the transcript changed:\n%s", thread)
			}
			if !engine && !strings.Contains(thread, "den 19 april") {
				t.Errorf("the new embedded summary lacks the edited date:\n%s", thread)
			}

			msgs, err = e.ts.Thread(context.Background(), "rec-anna")
			if err != nil || len(msgs) != 2 || msgs[0].Kind != store.ThreadSummary || msgs[1].Kind != store.ThreadSummary {
				t.Fatalf("Thread = %+v, %v, want the first and the new summary", msgs, err)
			}
			// A second request to replace the first summary changes nothing.
			anna.post("/recordings/rec-anna/sammanfattning", url.Values{CSRFField: {csrf(t, page)}, "ersatt": {strconv.FormatInt(msgs[0].ID, 10)}})
			waitForEngine(t, e)
			if again, _ := e.ts.Thread(context.Background(), "rec-anna"); len(again) != 2 {
				t.Errorf("Thread after a stale replacement = %d messages, want 2", len(again))
			}
		})
	}
}
