package summary_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/summary"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

func seg(id int64, speaker, text string) svtext.Segment {
	return svtext.Segment{ID: id, Start: time.Duration(id) * 5 * time.Second, End: time.Duration(id)*5*time.Second + 4*time.Second, Speaker: speaker, Text: text}
}

// meeting is a short follow-up whose speakers have no roles in their labels.
var meeting = []svtext.Segment{
	seg(10, "Talare 1", "Hej, välkommen. Syftet med mötet idag är att följa upp din planering mot arbete."),
	seg(11, "Talare 2", "Hej. Jag har börjat en praktik på ett lager i Botkyrka tre dagar i veckan."),
	seg(12, "Talare 2", "Jag trivs bra men jag har ont i ryggen efter passen."),
	seg(13, "Talare 1", "Hur går det med ekonomin?"),
	seg(14, "Talare 2", "Hyran är betald men jag har en skuld på 5 000 kronor till en kompis."),
	seg(15, "Talare 1", "Ska vi boka en tid hos budget- och skuldrådgivningen?"),
	seg(16, "Talare 2", "Ja, gärna."),
	seg(17, "Talare 1", "Nästa möte blir tisdagen den 14 mars klockan 10."),
}

func TestSummarizeSections(t *testing.T) {
	s, err := summary.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summarize(meeting)
	if err != nil {
		t.Fatal(err)
	}

	var kinds []summary.Kind
	for _, sec := range sum.Sections {
		kinds = append(kinds, sec.Kind)
	}
	if diff := cmp.Diff(summary.Kinds, kinds); diff != "" {
		t.Errorf("section order mismatch (-want +got):\n%s", diff)
	}

	tests := []struct {
		kind summary.Kind
		want []int64 // segments that the section must cite
	}{
		{summary.Purpose, []int64{10}},
		{summary.ClientAccount, []int64{11, 14}},
		{summary.Agreements, []int64{15, 16}},
		{summary.NextSteps, []int64{17}},
	}
	for _, tt := range tests {
		t.Run(tt.kind.String(), func(t *testing.T) {
			var cited []int64
			for _, l := range sum.Section(tt.kind).Lines {
				cited = append(cited, l.Segments...)
			}
			for _, id := range tt.want {
				if !slices.Contains(cited, id) {
					t.Errorf("section %s cites %v, want it to include segment %d", tt.kind, cited, id)
				}
			}
		})
	}
}

func TestSummarizeInfersRoles(t *testing.T) {
	s, _ := summary.New(nil)
	sum, err := s.Summarize(meeting)
	if err != nil {
		t.Fatal(err)
	}
	got := sum.Section(summary.Participants).Lines
	want := []string{"Talare 1 (handläggare)", "Talare 2 (klient)"}
	if len(got) != len(want) {
		t.Fatalf("participants = %+v, want %d lines", got, len(want))
	}
	for i := range want {
		if got[i].Text != want[i] {
			t.Errorf("participant %d = %q, want %q", i, got[i].Text, want[i])
		}
	}
	for _, l := range sum.Section(summary.ClientAccount).Lines {
		if l.Speaker != "Talare 2" {
			t.Errorf("client account line %q is by %s, want Talare 2", l.Text, l.Speaker)
		}
	}
}

func TestSummarizeRolesOption(t *testing.T) {
	s, err := summary.New(&summary.Options{Roles: map[string]summary.Role{"Talare 1": summary.RoleClient, "Talare 2": summary.RoleCaseworker}})
	if err != nil {
		t.Fatal(err)
	}
	sum, err := s.Summarize(meeting)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range sum.Section(summary.ClientAccount).Lines {
		if l.Speaker != "Talare 1" {
			t.Errorf("client account line %q is by %s, want Talare 1 as Options.Roles says", l.Text, l.Speaker)
		}
	}
}

// TestLinesQuoteTheirSegments checks on the whole evaluation set that every
// line is verbatim text of a segment it cites, and that it cites only
// segments that exist.
func TestLinesQuoteTheirSegments(t *testing.T) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		t.Fatal(err)
	}
	s, _ := summary.New(nil)
	for _, m := range meetings {
		text := map[int64]string{}
		for _, sg := range m.Segments {
			text[sg.ID] = sg.Text
		}
		sum, err := s.Summarize(m.Segments)
		if err != nil {
			t.Fatalf("Summarize(%s): %v", m.ID, err)
		}
		for _, sec := range sum.Sections {
			for _, l := range sec.Lines {
				if len(l.Segments) == 0 {
					t.Errorf("%s: line %q cites no segment", m.ID, l.Text)
				}
				quoted := false
				for _, id := range l.Segments {
					seg, ok := text[id]
					if !ok {
						t.Errorf("%s: line %q cites segment %d, which does not exist", m.ID, l.Text, id)
					}
					quoted = quoted || strings.Contains(seg, l.Text)
				}
				if sec.Kind != summary.Participants && !quoted {
					t.Errorf("%s: line %q is not verbatim text of its segments %v", m.ID, l.Text, l.Segments)
				}
			}
		}
	}
}

func TestSummarizeErrors(t *testing.T) {
	s, _ := summary.New(nil)
	if _, err := s.Summarize(nil); !errors.Is(err, summary.ErrNoText) {
		t.Errorf("Summarize(nil) error = %v, want ErrNoText", err)
	}
	if _, err := s.Summarize([]svtext.Segment{seg(1, "Talare 1", " ... "), seg(2, "Talare 2", "")}); !errors.Is(err, summary.ErrNoText) {
		t.Errorf("Summarize(no words) error = %v, want ErrNoText", err)
	}
	dup := []svtext.Segment{seg(1, "Talare 1", "Hej."), seg(1, "Talare 2", "Hej hej.")}
	if _, err := s.Summarize(dup); err == nil || !strings.Contains(err.Error(), "unique") {
		t.Errorf("Summarize(duplicate ids) error = %v, want an error about unique ids", err)
	}
	for _, opts := range []summary.Options{{MaxLines: -1}, {Diversity: 1.5}, {MaxAccountLines: -2}} {
		if _, err := summary.New(&opts); err == nil {
			t.Errorf("New(%+v) = nil error, want an error", opts)
		}
	}
}

func TestSummaryText(t *testing.T) {
	s, _ := summary.New(nil)
	sum, err := s.Summarize(meeting[:2])
	if err != nil {
		t.Fatal(err)
	}
	text := sum.Text()
	for _, want := range []string{"Deltagare\n", "Syfte med mötet\n", "Nästa steg och datum\n- Inget i utskriften.\n"} {
		if !strings.Contains(text, want) {
			t.Errorf("Text() = %q, want it to contain %q", text, want)
		}
	}
}

// BenchmarkSummarizeTwoHours measures a summary of a two-hour meeting built
// from the evaluation set.
func BenchmarkSummarizeTwoHours(b *testing.B) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		b.Fatal(err)
	}
	segs := evalset.LongTranscript(meetings, 2*time.Hour)
	s, _ := summary.New(nil)
	b.ReportMetric(float64(len(segs)), "segments")
	b.ResetTimer()
	for b.Loop() {
		if _, err := s.Summarize(segs); err != nil {
			b.Fatal(err)
		}
	}
}
