package ui

import (
	"context"
	"errors"
	"html"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/answer"
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
