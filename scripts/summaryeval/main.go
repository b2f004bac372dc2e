// Command summaryeval prints the evaluation figures of the embedded
// summary, the question answering, the pseudonymization and the verifier
// of chat engine replies on the Swedish evaluation set in testdata/summary.
//
// The verifier is measured through a fake OpenAI-compatible engine on
// loopback that replies with each meeting's facts, written faithfully, and
// with planted errors made from them.
//
// Usage:
//
//	go run ./scripts/summaryeval [-dir testdata/summary] [-v]
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

func main() {
	dir := flag.String("dir", evalset.Dir(), "directory of the evaluation set, with meetings/*.json and pseudo.json")
	verbose := flag.Bool("v", false, "also list every miss")
	flag.Parse()

	if err := run(os.Stdout, *dir, *verbose); err != nil {
		fmt.Fprintln(os.Stderr, "summaryeval:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dir string, verbose bool) error {
	meetings, err := evalset.LoadMeetings(dir)
	if err != nil {
		return err
	}
	samples, err := evalset.LoadPseudo(dir)
	if err != nil {
		return err
	}
	segments, facts, questions := 0, 0, 0
	for _, m := range meetings {
		segments += len(m.Segments)
		facts += len(m.Facts)
		questions += len(m.Questions)
	}
	fmt.Fprintf(w, "evaluation set: %d meetings, %d segments, %d facts, %d questions, %d labelled texts\n\n", len(meetings), segments, facts, questions, len(samples))

	s, err := summary.New(nil)
	if err != nil {
		return err
	}
	recall, err := evalset.FactRecall(meetings, s)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "summary fact recall:          %.3f (%d of %d)\n", recall.Recall(), recall.Found, recall.Total)
	list(w, verbose, "missed", recall.Missed)

	answers, err := evalset.AnswerAccuracy(meetings, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "answer accuracy, top 1:       %.3f (%d of %d)\n", answers.Top1Accuracy(), answers.Top1, answers.Answerable)
	fmt.Fprintf(w, "answer accuracy, top 3:       %.3f (%d of %d)\n", answers.Top3Accuracy(), answers.Top3, answers.Answerable)
	fmt.Fprintf(w, "no-answer reply when none:    %.3f (%d of %d)\n", answers.Abstention(), answers.Abstained, answers.Unanswerable)
	list(w, verbose, "miss", answers.Misses)

	detector, err := pseudo.NewDetector(nil)
	if err != nil {
		return err
	}
	ps := evalset.PseudoAccuracy(samples, detector)
	fmt.Fprintf(w, "pseudonymization precision:   %.3f\n", ps.Precision())
	fmt.Fprintf(w, "pseudonymization recall:      %.3f (%d labelled details)\n", ps.Recall(), ps.TruePos+ps.FalseNeg)
	list(w, verbose, "error", ps.Errors)

	vs, err := verify(meetings, detector)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "verifier detection rate:      %.3f\n", vs.Detection())
	for _, k := range evalset.PlantedKinds {
		fmt.Fprintf(w, "  %-18s          %d of %d flagged\n", k, vs.Caught[k], vs.Planted[k])
	}
	fmt.Fprintf(w, "faithful sentences accepted:  %.3f (%d of %d)\n", vs.FaithfulAccepted(), vs.FaithfulOK, vs.Faithful)
	list(w, verbose, "escaped", vs.Escaped)
	list(w, verbose, "flagged faithful", vs.FalseFlags)
	return nil
}

// verify runs the planted-error evaluation through a fake engine on
// loopback.
func verify(meetings []evalset.Meeting, detector *pseudo.Detector) (evalset.VerifierScore, error) {
	var mu sync.Mutex
	reply := ""
	srv, err := chattest.Start("", func(chattest.Request) string {
		mu.Lock()
		defer mu.Unlock()
		return reply
	})
	if err != nil {
		return evalset.VerifierScore{}, err
	}
	defer srv.Close()

	engine, err := chat.New(srv.URL, &chat.Options{Model: "fake"})
	if err != nil {
		return evalset.VerifierScore{}, err
	}
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	assistant, err := chat.NewAssistant(engine, &chat.AssistantOptions{Detector: detector, Logger: quiet})
	if err != nil {
		return evalset.VerifierScore{}, err
	}
	return evalset.VerifierDetection(context.Background(), meetings, assistant, detector, func(r string) {
		mu.Lock()
		defer mu.Unlock()
		reply = r
	})
}

func list(w io.Writer, verbose bool, label string, items []string) {
	if !verbose {
		return
	}
	for _, it := range items {
		fmt.Fprintf(w, "    %s: %s\n", label, it)
	}
}
