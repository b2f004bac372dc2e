package chat_test

import (
	"context"
	"sync"
	"testing"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

// minFaithfulAccepted is the share of faithful sentences that the
// verifier must accept. The measured value is printed with -v.
const minFaithfulAccepted = 0.90

// TestVerifierFlagsPlanted sends every meeting of the evaluation set
// through the fake engine. Its reply contains the meeting's facts, written
// faithfully with citations, and after each fact planted errors: a wrong
// number, a wrong name, a flipped negation and an invented action. The
// verifier must flag every planted sentence.
func TestVerifierFlagsPlanted(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	detector, err := pseudo.NewDetector(nil)
	if err != nil {
		t.Fatal(err)
	}

	var mu sync.Mutex
	reply := ""
	srv := chattest.New(t, "test-key", func(chattest.Request) string {
		mu.Lock()
		defer mu.Unlock()
		return reply
	})
	engine, err := chat.New(srv.URL, &chat.Options{Model: "test-model", APIKey: "test-key"})
	if err != nil {
		t.Fatal(err)
	}
	assistant, err := chat.NewAssistant(engine, &chat.AssistantOptions{Detector: detector, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}

	score, err := evalset.VerifierDetection(context.Background(), meetings, assistant, detector, func(r string) {
		mu.Lock()
		defer mu.Unlock()
		reply = r
	})
	if err != nil {
		t.Fatal(err)
	}

	for _, kind := range evalset.PlantedKinds {
		t.Logf("planted %s: %d of %d flagged", kind, score.Caught[kind], score.Planted[kind])
		if score.Planted[kind] == 0 {
			t.Errorf("no %s sentences were planted", kind)
		}
	}
	for _, e := range score.Escaped {
		t.Errorf("planted sentence passed the verifier: %s", e)
	}
	for _, f := range score.FalseFlags {
		t.Logf("faithful sentence flagged: %s", f)
	}
	t.Logf("faithful sentences accepted: %d of %d (%.3f)", score.FaithfulOK, score.Faithful, score.FaithfulAccepted())
	if got := score.FaithfulAccepted(); got < minFaithfulAccepted {
		t.Errorf("faithful sentences accepted = %.3f, want at least %.2f", got, minFaithfulAccepted)
	}
}
