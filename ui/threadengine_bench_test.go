package ui

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

// memoryThreads keeps threads in memory around a fake source, so a
// benchmark measures the engine path and not SQLite.
type memoryThreads struct {
	*fakeSource
	mu     sync.Mutex
	nextID int64
	msgs   []store.ThreadMessage
}

func (m *memoryThreads) Thread(ctx context.Context, rec string) ([]store.ThreadMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]store.ThreadMessage(nil), m.msgs...), nil
}

func (m *memoryThreads) AddThreadMessage(ctx context.Context, rec string, msg store.ThreadMessage) (store.ThreadMessage, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.nextID++
	msg.ID, msg.CreatedAt = m.nextID, testNow
	m.msgs = append(m.msgs, msg)
	return msg, nil
}

func (m *memoryThreads) AddNewerSummary(ctx context.Context, rec string, msg store.ThreadMessage, previous int64) (store.ThreadMessage, error) {
	return m.AddThreadMessage(ctx, rec, msg)
}

// twoHourMeetingSource returns a two-hour recording whose 1,440 segments of
// five seconds repeat the Swedish meetings of the evaluation set, with their
// names, numbers and dates for the pseudonymizer and the verifier.
func twoHourMeetingSource(b *testing.B) *memoryThreads {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		b.Fatal(err)
	}
	src := twoHourSource()
	segs := src.segments["rec-long"]
	i := 0
	for _, m := range meetings {
		for _, s := range m.Segments {
			if i == len(segs) {
				break
			}
			segs[i].Text, segs[i].Words = " "+s.Text, nil
			i++
		}
	}
	for j := i; j < len(segs); j++ {
		segs[j].Text = segs[j%i].Text
	}
	return &memoryThreads{fakeSource: src}
}

// citingResponder replies with one sentence per heading, each a segment of
// the request quoted with its citation, so the verifier has real work.
func citingResponder(req chattest.Request) string {
	var lines []string
	for _, line := range strings.Split(req.Messages[len(req.Messages)-1].Content, "\n") {
		if strings.HasPrefix(line, "[S") {
			lines = append(lines, line)
		}
		if len(lines) == 5 {
			break
		}
	}
	var b strings.Builder
	for i, heading := range []string{"Deltagare", "Syfte med mötet", "Vad klienten berättade", "Överenskommelser", "Nästa steg och datum"} {
		b.WriteString("## " + heading + "\n")
		if i >= len(lines) {
			b.WriteString(chat.NothingForHeading + "\n")
			continue
		}
		id, text, _ := strings.Cut(lines[i], " ")
		_, text, _ = strings.Cut(text, ": ")
		b.WriteString(text + " " + id + "\n")
	}
	return b.String()
}

func benchmarkEngineHandler(b *testing.B) (*handler, *memoryThreads, *chattest.Server) {
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := chattest.New(b, "", citingResponder)
	client, err := chat.New(srv.URL, &chat.Options{Model: "bench", Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	a, err := chat.NewAssistant(client, &chat.AssistantOptions{Logger: quiet})
	if err != nil {
		b.Fatal(err)
	}
	src := twoHourMeetingSource(b)
	h, _ := newTestHandler(b, src, &Options{Assistant: a, AssistantModel: "bench", Logger: quiet})
	return h.(*handler), src, srv
}

// BenchmarkEngineSummaryTwoHours measures one background summary of a
// two-hour meeting through the fake engine on loopback: reading the shown
// transcript, pseudonymizing it, one request per part, verifying every
// sentence and storing the summary. The fake engine replies at once, so a
// real engine's generation time comes on top.
func BenchmarkEngineSummaryTwoHours(b *testing.B) {
	h, src, srv := benchmarkEngineHandler(b)
	ctx := context.Background()
	b.ResetTimer()
	for b.Loop() {
		h.writeEngineSummary(ctx, src, "rec-long", 0)
	}
	b.StopTimer()
	checkBenchmarkMessages(b, src, store.ThreadSummary)
	b.ReportMetric(float64(len(srv.Requests()))/float64(b.N), "requests/op")
}

// BenchmarkEngineAnswerTwoHours measures one background answer about a
// two-hour meeting through the fake engine: the embedded index's passages
// pick what is sent, and the reply is verified and stored.
func BenchmarkEngineAnswerTwoHours(b *testing.B) {
	h, src, srv := benchmarkEngineHandler(b)
	ctx := context.Background()
	question, err := src.AddThreadMessage(ctx, "rec-long", store.ThreadMessage{Kind: store.ThreadQuestion, Text: "När är nästa möte bokat?", Author: "acc-1"})
	if err != nil {
		b.Fatal(err)
	}
	rows, err := h.currentRows(ctx, "rec-long")
	if err != nil {
		b.Fatal(err)
	}
	embedded, err := embeddedAnswerFor(rows, question.Text)
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for b.Loop() {
		h.writeEngineAnswer(ctx, src, "rec-long", question, embedded)
	}
	b.StopTimer()
	checkBenchmarkMessages(b, src, store.ThreadAnswer)
	b.ReportMetric(float64(len(srv.Requests()))/float64(b.N), "requests/op")
}

// checkBenchmarkMessages fails unless every stored message of kind was
// written by the engine, so the benchmark did not time a fallback.
func checkBenchmarkMessages(b *testing.B, src *memoryThreads, kind store.ThreadKind) {
	msgs, _ := src.Thread(context.Background(), "rec-long")
	n := 0
	for _, m := range msgs {
		if m.Kind != kind {
			continue
		}
		n++
		if m.Engine != "bench" || len(m.Lines) == 0 {
			b.Fatalf("stored %s by %q with %d lines, want one by the engine with lines", kind, m.Engine, len(m.Lines))
		}
	}
	if n == 0 {
		b.Fatalf("no %s stored", kind)
	}
}
