package chat_test

import (
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

func newAssistant(t *testing.T, srv *chattest.Server, opts *chat.AssistantOptions) *chat.Assistant {
	t.Helper()
	engine, err := chat.New(srv.URL, &chat.Options{Model: "test-model"})
	if err != nil {
		t.Fatal(err)
	}
	if opts == nil {
		opts = &chat.AssistantOptions{}
	}
	opts.Logger = quiet()
	a, err := chat.NewAssistant(engine, opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

var identityNumber = regexp.MustCompile(`\d{6}[-+ ]?\d{4}`)

// TestNoIdentityNumberReachesEngine summarizes and asks about every meeting
// of the evaluation set, plus a meeting full of identity numbers, and checks
// that no identity number or detected name is in any request the fake
// engine received.
func TestNoIdentityNumberReachesEngine(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	meetings = append(meetings, evalset.Meeting{ID: "identity-numbers", Segments: []svtext.Segment{
		{ID: 1, Speaker: "Handläggare", Text: "Kan du säga ditt personnummer?"},
		{ID: 2, Speaker: "Klient", Text: "Ja, 19910704-5123. Och min sons är 111009-3349."},
		{ID: 3, Speaker: "Tolk", Text: "Han säger att hans samordningsnummer är 970167-4120 och hennes 85 03 12 23 87."},
		{ID: 4, Speaker: "Klient", Text: "Eller var det 850312-2388? Ring mig på 070-123 45 67."},
	}})
	detector, err := pseudo.NewDetector(nil)
	if err != nil {
		t.Fatal(err)
	}

	srv := chattest.New(t, "", fixed("## Deltagare\n"+chat.NothingForHeading))
	a := newAssistant(t, srv, &chat.AssistantOptions{Detector: detector})
	for _, m := range meetings {
		before := len(srv.Requests())
		mapping := pseudo.NewMapping()
		if _, err := a.Summarize(context.Background(), m.Segments, mapping); err != nil {
			t.Fatalf("Summarize(%s): %v", m.ID, err)
		}
		if _, err := a.Ask(context.Background(), m.Segments, "Vad sa Mikael Berg om personnummer 850312-2387?", mapping); err != nil {
			t.Fatalf("Ask(%s): %v", m.ID, err)
		}
		reqs := srv.Requests()[before:]
		if len(reqs) != 2 {
			t.Fatalf("%s: fake received %d requests, want 2", m.ID, len(reqs))
		}

		// Names are compared word by word, other details as a whole.
		names := map[string]bool{"Mikael": true, "Berg": true}
		details := []string{"850312-2387"}
		for _, s := range m.Segments {
			for _, e := range detector.Detect(s.Text) {
				if e.Kind != pseudo.Person {
					details = append(details, e.Text)
					continue
				}
				for _, tok := range svtext.Tokenize(e.Text) {
					names[tok.Text] = true
				}
			}
		}
		for i, r := range reqs {
			text := r.Text()
			if n := identityNumber.FindString(text); n != "" {
				t.Errorf("%s: request %d contains the identity number %q", m.ID, i, n)
			}
			for _, tok := range svtext.Tokenize(text) {
				if names[tok.Text] {
					t.Errorf("%s: request %d contains the name %q, which the detector found in the transcript", m.ID, i, tok.Text)
				}
			}
			for _, d := range details {
				if strings.Contains(text, d) {
					t.Errorf("%s: request %d contains %q, which the detector found in the transcript", m.ID, i, d)
				}
			}
		}
	}
}

var dialogue = []svtext.Segment{
	{ID: 101, Speaker: "Handläggare", Text: "Hej Mikael, jag heter Sara Lindqvist."},
	{ID: 102, Speaker: "Klient", Text: "Hyran är 8 400 kronor och jag har inte betalat elräkningen."},
	{ID: 103, Speaker: "Handläggare", Text: "Nästa möte blir tisdagen den 24 februari."},
}

func TestAssistantMapsBackAndMarksUnsupported(t *testing.T) {
	var seen string
	srv := chattest.New(t, "", func(r chattest.Request) string {
		seen = r.Text()
		return "## Deltagare\n[Person 2] säger hej till [Person 1] [S101].\n" +
			"## Vad klienten berättade\nHyran är 8 400 kronor [S102]. Hyran är 9 400 kronor [S102]. Elräkningen är betald [S102].\n" +
			"## Nästa steg och datum\nNästa möte är den 24 februari [S103]. Nästa möte är i mars [S103]. Ett hembesök bokas [S999]. Klienten ska ringa."
	})
	a := newAssistant(t, srv, nil)
	mapping := pseudo.NewMapping()
	reply, err := a.Summarize(context.Background(), dialogue, mapping)
	if err != nil {
		t.Fatal(err)
	}

	if strings.Contains(seen, "Mikael") || strings.Contains(seen, "Lindqvist") {
		t.Errorf("engine saw a name: %q", seen)
	}
	want := []struct {
		text      string
		supported bool
		problem   chat.ProblemKind
	}{
		{"Sara Lindqvist säger hej till Mikael.", true, 0},
		{"Hyran är 8 400 kronor.", true, 0},
		{"Hyran är 9 400 kronor.", false, chat.MissingNumber},
		{"Elräkningen är betald.", false, chat.Negation},
		{"Nästa möte är den 24 februari.", true, 0},
		{"Nästa möte är i mars.", false, chat.MissingDate},
		{"Ett hembesök bokas.", false, chat.UnknownSegment},
		{"Klienten ska ringa.", false, chat.NoCitation},
	}
	if len(reply.Sentences) != len(want) {
		t.Fatalf("reply has %d sentences, want %d: %+v", len(reply.Sentences), len(want), reply.Sentences)
	}
	for i, w := range want {
		got := reply.Sentences[i]
		if got.Text != w.text || got.Supported != w.supported {
			t.Errorf("sentence %d = %q supported %t, want %q supported %t", i, got.Text, got.Supported, w.text, w.supported)
		}
		if !w.supported && !hasProblem(got, w.problem) {
			t.Errorf("sentence %q problems = %v, want %s", got.Text, got.Problems, w.problem)
		}
	}
	if reply.Unsupported != 5 {
		t.Errorf("Unsupported = %d, want 5", reply.Unsupported)
	}
	if !strings.Contains(reply.Text(), "Hyran är 9 400 kronor. [ej belagt]") {
		t.Errorf("Text() = %q, want the unsupported sentence marked", reply.Text())
	}
}

func hasProblem(s chat.Sentence, k chat.ProblemKind) bool {
	for _, p := range s.Problems {
		if p.Kind == k {
			return true
		}
	}
	return false
}

func TestAskSendsOnlyMatchingPassagesOfLongTranscript(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var segs []svtext.Segment
	for _, m := range meetings {
		segs = append(segs, m.Segments...)
	}

	srv := chattest.New(t, "", fixed(chat.NothingAnswers))
	a := newAssistant(t, srv, &chat.AssistantOptions{MaxPromptChars: 4000})
	reply, err := a.Ask(context.Background(), segs, "Hur stor är hyresskulden?", pseudo.NewMapping())
	if err != nil {
		t.Fatal(err)
	}
	if len(reply.Sentences) != 1 || !reply.Sentences[0].Supported {
		t.Errorf("reply %+v, want the one supported sentence %q", reply.Sentences, chat.NothingAnswers)
	}

	text := srv.Requests()[0].Text()
	if !strings.Contains(text, "[S1006]") {
		t.Errorf("request lacks segment 1006, which holds the answer")
	}
	if n := strings.Count(text, "\n[S"); n >= len(segs) || len(text) > 4000+len(chatPromptSlack) {
		t.Errorf("request holds %d segments in %d bytes, want only the best passages", n, len(text))
	}
}

// chatPromptSlack stands for the system prompt and the question, which
// MaxPromptChars does not count.
var chatPromptSlack = strings.Repeat("x", 3000)

func TestSummarizeLongTranscriptInParts(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	segs := meetings[0].Segments

	// Each part's reply cites the part's first segment and leaves one
	// heading empty.
	srv := chattest.New(t, "", func(r chattest.Request) string {
		first := regexp.MustCompile(`\[S(\d+)\]`).FindStringSubmatch(r.Messages[1].Content)
		return "## Syfte med mötet\n" + chat.NothingForHeading + "\n## Vad klienten berättade\nSegmentet finns [S" + first[1] + "]."
	})
	a := newAssistant(t, srv, &chat.AssistantOptions{MaxPromptChars: 600})
	reply, err := a.Summarize(context.Background(), segs, pseudo.NewMapping())
	if err != nil {
		t.Fatal(err)
	}
	parts := len(srv.Requests())
	if parts < 3 {
		t.Fatalf("summary used %d requests, want the transcript split in at least 3", parts)
	}

	empty := 0
	for _, s := range reply.Sentences {
		if s.Text == chat.NothingForHeading {
			empty++
		}
	}
	if empty != 1 {
		t.Errorf("reply has %d %q sentences, want 1 for the heading that no part filled", empty, chat.NothingForHeading)
	}
	if len(reply.Sentences) != parts+1 {
		t.Errorf("reply has %d sentences, want one per part plus one", len(reply.Sentences))
	}
}

func TestAssistantErrors(t *testing.T) {
	srv := chattest.New(t, "", fixed("x"))
	a := newAssistant(t, srv, nil)
	if _, err := a.Summarize(context.Background(), nil, pseudo.NewMapping()); !errors.Is(err, chat.ErrNoSegments) {
		t.Errorf("Summarize(nil) = %v, want ErrNoSegments", err)
	}
	if _, err := a.Ask(context.Background(), dialogue, "  ", pseudo.NewMapping()); err == nil {
		t.Errorf("Ask(empty question) = nil error, want an error")
	}
	if err := srv.SetMode(chattest.Unavailable); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Summarize(context.Background(), dialogue, pseudo.NewMapping()); !errors.Is(err, chat.ErrUnavailable) {
		t.Errorf("Summarize with the engine down = %v, want ErrUnavailable", err)
	}
	if _, err := chat.NewAssistant(nil, nil); err == nil {
		t.Errorf("NewAssistant(nil) = nil error, want an error")
	}
}

// TestAskHidesNameFromQuestionInTranscript asks about a person whom the
// transcript names by first name only, which the detector cannot tell is
// a name, while the question gives the full name.
func TestAskHidesNameFromQuestionInTranscript(t *testing.T) {
	srv := chattest.New(t, "", fixed(chat.NothingAnswers))
	a := newAssistant(t, srv, nil)
	segs := []svtext.Segment{
		{ID: 1, Speaker: "Klient", Text: "Sen kom Omid hem och vi åt middag tillsammans."},
		{ID: 2, Speaker: "Handläggare", Text: "Hur har det gått med skolan?"},
	}

	if _, err := a.Ask(context.Background(), segs, "Vad gjorde Omid Karlsson när han kom hem?", pseudo.NewMapping()); err != nil {
		t.Fatal(err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 {
		t.Fatalf("engine requests = %d, want 1", len(reqs))
	}
	if text := reqs[0].Text(); strings.Contains(text, "Omid") || strings.Contains(text, "Karlsson") {
		t.Errorf("request to the engine names the person:\n%s", text)
	}
}
