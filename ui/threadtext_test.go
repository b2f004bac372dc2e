package ui

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/speakers"
	"github.com/ordagrann/ordagrann/central/store"
)

// hostileMeeting is threadMeeting with characters that unicode.IsPrint
// rejects, as a speech engine may write them: a bidi override, a bell and
// no-break spaces.
var hostileMeeting = []string{
	" Välkommen. Syftet med mötet i dag är att följa upp er ansökan om ekonomiskt bistånd \u202eabc\u202c.",
	" Tack.\a Jag har fått ett nytt jobb på lagret i Borlänge och börjar den första april.",
	" Hyran för mars är inte betald, jag är skyldig hyresvärden 6\u00a0400 kronor.\a",
	" Vi kommer överens om att du lämnar in hyresavin senast på fredag \u202e.",
	" Nästa möte bokar vi den 12\u00a0april klockan tio.",
}

// transcribeTexts stores texts as rec's transcript, one segment each over
// the recording's one second of audio.
func transcribeTexts(t *testing.T, e *accessEnv, rec string, texts []string) {
	t.Helper()
	var segs []store.Segment
	step := time.Second / time.Duration(len(texts))
	for i, text := range texts {
		segs = append(segs, store.Segment{Start: time.Duration(i) * step, End: time.Duration(i+1) * step, Text: text})
	}
	e.ts.transcribe(t, rec, 0, 16000, segs)
}

func TestSummaryOfHostileEngineText(t *testing.T) {
	e := newAccessEnv(t)
	transcribeTexts(t, e, "rec-anna", hostileMeeting)
	endRecording(t, e, "rec-anna")
	anna := e.signIn(t, e.people["anna"])

	thread := threadPart(t, anna.get("/recordings/rec-anna").Body.String())
	if strings.Contains(thread, "Utskriften är inte klar än") {
		t.Errorf("finished recording's thread says the transcript is not done:\n%s", thread)
	}
	for _, want := range []string{"Sammanfattning av samtalet", "12\u00a0april", "6\u00a0400 kronor"} {
		if !strings.Contains(thread, want) {
			t.Errorf("summary lacks %q:\n%s", want, thread)
		}
	}
	if strings.Contains(thread, "\a") {
		t.Errorf("summary shows a bell character")
	}
	if !strings.Contains(thread, "på fredag \u202e.\u202c") {
		t.Errorf("summary line does not close the bidi override it leaves open:\n%s", thread)
	}
	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 1 || msgs[0].Kind != store.ThreadSummary {
		t.Errorf("Thread = %+v, %v, want one summary", msgs, err)
	}
}

func TestSummarizeButtonWithHostileEngineText(t *testing.T) {
	e := newAccessEnv(t)
	transcribeTexts(t, e, "rec-anna", hostileMeeting) // no end event, so no automatic summary
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna"))

	w := anna.post("/recordings/rec-anna/sammanfattning", url.Values{CSRFField: {token}})
	if w.Code != http.StatusSeeOther {
		t.Fatalf("summarize = %d, want 303:\n%s", w.Code, w.Body.String())
	}
	msgs, err := e.ts.Thread(context.Background(), "rec-anna")
	if err != nil || len(msgs) != 1 || msgs[0].Kind != store.ThreadSummary {
		t.Fatalf("Thread = %+v, %v, want one summary", msgs, err)
	}
	for _, l := range msgs[0].Lines {
		if err := store.CheckText(l.Text); err != nil {
			t.Errorf("stored line %q: %v", l.Text, err)
		}
	}
}

func TestCheckQuestionAllowsOrdinaryCharacters(t *testing.T) {
	for _, q := range []string{"Hur mycket är 10\u00a0000 kr?", "Vem är \u2067سارة\u2069?", "Vad sa tolken 👩\u200d⚕\ufe0f?"} {
		if msg := checkQuestion(q); msg != "" {
			t.Errorf("checkQuestion(%q) = %q, want it accepted", q, msg)
		}
	}
	if msg := checkQuestion("Hej\x1b[31m"); msg == "" {
		t.Errorf("checkQuestion(escape sequence) accepted it")
	}
}

// storeTestSummary stores a summary of rec with one supported line under
// "Nästa steg och datum" citing the given segment and one unsupported
// line, made from the transcript with the given digest, and returns it.
func storeTestSummary(t *testing.T, e *accessEnv, rec string, segment int64, digest string) store.ThreadMessage {
	t.Helper()
	m, err := e.ts.AddThreadMessage(context.Background(), rec, store.ThreadMessage{Kind: store.ThreadSummary, Text: summaryText, Transcript: digest, Lines: []store.ThreadLine{
		{Heading: "Nästa steg och datum", Speaker: "Kalle Karlsson", Text: "Nästa möte med Lisa Andersson är den 12 april.", Segments: []int64{segment}},
		{Heading: "Nästa steg och datum", Text: "Klienten får 20 000 kr.", Unsupported: true, Reasons: []string{"Utskriften nämner inget belopp."}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestCopySummary(t *testing.T) {
	e := newActionsEnv(t)
	calls := recordDetails(t, e.accessEnv)
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	storeTestSummary(t, e.accessEnv, "rec-anna", segs[2].ID, "")
	anna := e.signIn(t, e.people["anna"])

	form := anna.get("/recordings/rec-anna/kopiera")
	checkPage(t, form, http.StatusOK, `value="sammanfattning"`)
	*calls = nil

	w := anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {csrf(t, form)}, "urval": {"sammanfattning"}})
	checkPage(t, w, http.StatusOK, "[ej belagt]")
	note := journalText(t, w.Body)
	for _, want := range []string{
		"Sammanfattning av samtalet ",
		"\nNästa steg och datum\n",
		"- Kalle Karlsson: Nästa möte med Lisa Andersson är den 12 april. (00:06)\n",
		"- [ej belagt] Klienten får 20 000 kr.\n",
		"\nSyfte med mötet\nInget i utskriften.\n",
	} {
		if !strings.Contains(note, want) {
			t.Errorf("summary note lacks %q:\n%s", want, note)
		}
	}
	if strings.Contains(note, "Obs: utskriften har ändrats") {
		t.Errorf("note of a current summary says the transcript changed:\n%s", note)
	}
	if len(*calls) != 1 || (*calls)[0].Action != "copy" || (*calls)[0].Detail["what"] != "summary" || (*calls)[0].Detail["pseudonymized"] != "no" {
		t.Errorf("access log calls = %+v, want one copy with what=summary", *calls)
	}
}

func TestCopySummaryPseudonymized(t *testing.T) {
	e := newActionsEnv(t)
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	storeTestSummary(t, e.accessEnv, "rec-anna", segs[2].ID, "")
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna/kopiera"))

	w := anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"sammanfattning"}, "pseudonymisera": {"ja"}})
	note := journalText(t, w.Body)
	for _, secret := range []string{"Kalle", "Karlsson", "Lisa", "Andersson"} {
		if strings.Contains(note, secret) {
			t.Errorf("pseudonymized summary note contains %q:\n%s", secret, note)
		}
	}
	if !strings.Contains(note, "- [Person ") || !strings.Contains(note, "- [ej belagt] Klienten") {
		t.Errorf("pseudonymized summary note lacks its placeholders or marks:\n%s", note)
	}
}

func TestCopySummaryWithoutSummary(t *testing.T) {
	e := newActionsEnv(t)
	anna := e.signIn(t, e.people["anna"])
	form := anna.get("/recordings/rec-anna/kopiera")
	if strings.Contains(form.Body.String(), `value="sammanfattning"`) {
		t.Errorf("copy form offers the summary of a recording without one")
	}
	e.actions.take()

	w := anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {csrf(t, form)}, "urval": {"sammanfattning"}})
	checkPage(t, w, http.StatusBadRequest, "ingen sammanfattning att kopiera")
	for _, c := range e.actions.take() {
		if c.Action == "copy" {
			t.Errorf("copy without a summary logged %+v", c)
		}
	}
}

func TestCopyStaleSummarySaysSo(t *testing.T) {
	e := newActionsEnv(t)
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil {
		t.Fatal(err)
	}
	storeTestSummary(t, e.accessEnv, "rec-anna", segs[2].ID, "digest-of-an-older-transcript")
	anna := e.signIn(t, e.people["anna"])
	token := csrf(t, anna.get("/recordings/rec-anna/kopiera"))

	note := journalText(t, anna.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"sammanfattning"}}).Body)
	if !strings.Contains(note, "Obs: utskriften har ändrats efter att sammanfattningen gjordes") {
		t.Errorf("note of a stale summary does not say so:\n%s", note)
	}
}

func TestEngineGetsNoSpeakerName(t *testing.T) {
	e := newAccessEnv(t)
	transcribeEngineMeeting(t, e, "rec-anna")
	endRecording(t, e, "rec-anna")
	res := diarize.Result{
		Turns:    []diarize.Turn{{Start: 0, End: 500 * time.Millisecond, Speaker: 0}, {Start: 500 * time.Millisecond, End: time.Second, Speaker: 1}},
		Speakers: []diarize.Speaker{{Label: "Talare 1"}, {Label: "Talare 2"}},
		Method:   diarize.MethodVoice, Final: true,
	}
	b, err := speakers.Encode(res)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := e.ts.PutDiarization(ctx, "rec-anna", true, b); err != nil {
		t.Fatal(err)
	}
	if err := e.ts.SetSpeakerName(ctx, "rec-anna", 0, "Handläggare"); err != nil {
		t.Fatal(err)
	}
	if err := e.ts.SetSpeakerName(ctx, "rec-anna", 1, "Omid Rahimi"); err != nil {
		t.Fatal(err)
	}
	srv := chattest.New(t, "", engineSummaryReply)
	useEngine(t, e, srv)
	anna := e.signIn(t, e.people["anna"])

	anna.get("/recordings/rec-anna")
	waitForEngine(t, e)
	if len(srv.Requests()) == 0 {
		t.Fatal("the fake engine received no request")
	}
	for i, req := range srv.Requests() {
		for _, secret := range []string{"Omid", "Rahimi"} {
			if strings.Contains(req.Text(), secret) {
				t.Errorf("request %d to the engine holds the speaker name part %q:\n%s", i, secret, req.Text())
			}
		}
		if !strings.Contains(req.Text(), "Handläggare") {
			t.Errorf("request %d to the engine lacks the role label Handläggare", i)
		}
	}
}
