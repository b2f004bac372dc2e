package answer_test

import (
	"errors"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/answer"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

var transcript = []svtext.Segment{
	{ID: 21, Speaker: "Handläggare", Text: "Hur stor är hyresskulden just nu?"},
	{ID: 22, Speaker: "Klient", Text: "Den är ungefär 16 000 kronor. Jag har betalat av lite i januari."},
	{ID: 23, Speaker: "Handläggare", Text: "Nästa möte blir den 24 februari klockan 10."},
	{ID: 24, Speaker: "Klient", Text: "Min dotter går i förskolan på Solrosen."},
}

func TestAskQuotesReplyWithQuestion(t *testing.T) {
	ix, err := answer.NewIndex(transcript, nil)
	if err != nil {
		t.Fatal(err)
	}
	ans, err := ix.Ask("Hur stor är skulden?")
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Found || ans.Text != answer.FoundText {
		t.Fatalf("Ask() = %+v, want a found answer", ans)
	}
	top := ans.Passages[0]
	if top.SegmentID != 22 || top.ContextID != 21 {
		t.Errorf("top passage cites segment %d with context %d, want 22 with the question 21", top.SegmentID, top.ContextID)
	}
	if got, want := top.Segments(), []int64{21, 22}; len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("Segments() = %v, want %v", got, want)
	}
	if len(top.Highlights) == 0 {
		t.Fatalf("top passage has no highlights")
	}
	for _, h := range top.Highlights {
		text := transcript[0].Text
		if h.SegmentID == 22 {
			text = transcript[1].Text
		}
		if h.Start < 0 || h.End > len(text) || h.Start >= h.End {
			t.Errorf("highlight %+v is outside segment %d", h, h.SegmentID)
		}
	}
}

func TestAskWhenPrefersDates(t *testing.T) {
	ix, _ := answer.NewIndex(transcript, nil)
	ans, err := ix.Ask("När är nästa möte?")
	if err != nil {
		t.Fatal(err)
	}
	if !ans.Found || ans.Passages[0].SegmentID != 23 {
		t.Errorf("Ask(när är nästa möte) = %+v, want segment 23 first", ans)
	}
}

func TestAskNothingMatches(t *testing.T) {
	ix, _ := answer.NewIndex(transcript, nil)
	for _, q := range []string{"Vilken medicin tar klienten?", "Hur gammal är Solrosen?"} {
		ans, err := ix.Ask(q)
		if err != nil {
			t.Fatal(err)
		}
		if ans.Found || ans.Text != answer.NotFoundText || len(ans.Passages) != 0 {
			t.Errorf("Ask(%q) = %+v, want no answer", q, ans)
		}
	}
}

func TestAskErrors(t *testing.T) {
	ix, _ := answer.NewIndex(transcript, nil)
	for _, q := range []string{"", "   ", "Vad är det?", "??"} {
		if _, err := ix.Ask(q); !errors.Is(err, answer.ErrEmptyQuestion) {
			t.Errorf("Ask(%q) error = %v, want ErrEmptyQuestion", q, err)
		}
	}
	empty, err := answer.NewIndex(nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if ans, err := empty.Ask("Hur stor är skulden?"); err != nil || ans.Found {
		t.Errorf("Ask on an empty transcript = %+v, %v, want no answer and no error", ans, err)
	}
	for _, opts := range []answer.Options{{MinCoverage: 1.5}, {B: 2}, {MaxPassages: -1}} {
		if _, err := answer.NewIndex(transcript, &opts); err == nil {
			t.Errorf("NewIndex(%+v) = nil error, want an error", opts)
		}
	}
}

// BenchmarkAskTwoHours measures one question against a two-hour meeting
// built from the evaluation set, with the index built once.
func BenchmarkAskTwoHours(b *testing.B) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		b.Fatal(err)
	}
	ix, err := answer.NewIndex(evalset.LongTranscript(meetings, 2*time.Hour), nil)
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := ix.Ask("Hur stor är hyresskulden?"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIndexTwoHours measures building the index of a two-hour meeting.
func BenchmarkIndexTwoHours(b *testing.B) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		b.Fatal(err)
	}
	segs := evalset.LongTranscript(meetings, 2*time.Hour)
	for b.Loop() {
		if _, err := answer.NewIndex(segs, nil); err != nil {
			b.Fatal(err)
		}
	}
}
