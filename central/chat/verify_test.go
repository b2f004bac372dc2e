package chat

import (
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

var source = []svtext.Segment{
	{ID: 1, Speaker: "Handläggare", Text: "Vi träffas idag för att prata om ansökan om försörjningsstöd för mars."},
	{ID: 2, Speaker: "Klient", Text: "Jag har två barn, sex och nio år. Jag vill inte att de byter skola."},
	{ID: 3, Speaker: "Klient", Text: "Min sambo [Person 1] jobbar inte längre, han blev sjukskriven i januari."},
	{ID: 4, Speaker: "Handläggare", Text: "Har ni ansökt om bostadsbidrag?"},
	{ID: 5, Speaker: "Klient", Text: "Nej, det har vi inte gjort."},
	{ID: 6, Speaker: "Handläggare", Text: "Jag skickar beslutet senast fredagen den 14 mars och ringer dig klockan 10."},
}

// TestVerify checks sentences written by hand, not by the planting rules of
// the evaluation test, against a transcript.
func TestVerify(t *testing.T) {
	tests := []struct {
		claim string
		want  []ProblemKind // empty for a supported sentence
	}{
		// Faithful paraphrases.
		{"Mötet gällde ansökan om försörjningsstöd för mars [S1].", nil},
		{"Klienten har två barn som är sex och nio år [S2].", nil},
		{"Klienten vill inte att barnen byter skola [S2].", nil},
		{"Sambon [Person 1] är sjukskriven sedan januari och jobbar inte [S3].", nil},
		{"De har inte ansökt om bostadsbidrag [S4, S5].", nil},
		{"Beslutet skickas senast fredagen den 14 mars [S6].", nil},
		{"Handläggaren ringer klockan 10 [S6].", nil},

		// Unsupported sentences.
		{"Klienten har tre barn [S2].", []ProblemKind{MissingNumber}},
		{"Barnen är sex och tio år [S2].", []ProblemKind{MissingNumber}},
		{"Beslutet skickas senast torsdagen den 14 mars [S6].", []ProblemKind{MissingDate}},
		{"Handläggaren ringer klockan 11 [S6].", []ProblemKind{MissingNumber}},
		{"Sambon [Person 2] är sjukskriven [S3].", []ProblemKind{MissingName}},
		{"Sambon Ahmed är sjukskriven [S3].", []ProblemKind{MissingName}},
		{"Klienten vill att barnen byter skola [S2].", []ProblemKind{Negation}},
		{"Sambon jobbar fortfarande [S3].", []ProblemKind{Negation}},
		{"De har ansökt om bostadsbidrag [S4, S5].", []ProblemKind{Negation}},
		{"Klienten har inte två barn [S2].", []ProblemKind{Negation}},
		{"Handläggaren ska göra ett hembesök hos familjen [S6].", []ProblemKind{LowOverlap}},
		{"Klienten ska söka arbete på lager [S2].", []ProblemKind{LowOverlap}},
		{"Klienten har två barn.", []ProblemKind{NoCitation}},
		{"Klienten har två barn [S77].", []ProblemKind{UnknownSegment}},
		{"Klienten har två barn [S2, S77].", []ProblemKind{UnknownSegment}},
	}
	v, err := NewVerifier(source, &VerifierOptions{IsName: func(w string) bool { return w == "Ahmed" }})
	if err != nil {
		t.Fatal(err)
	}
	for _, tt := range tests {
		t.Run(strings.Fields(tt.claim)[1], func(t *testing.T) {
			got := v.Verify(tt.claim)
			if len(got) != 1 {
				t.Fatalf("Verify(%q) = %d sentences, want 1", tt.claim, len(got))
			}
			s := got[0]
			if s.Supported != (len(tt.want) == 0) {
				t.Errorf("Verify(%q).Supported = %t, want %t (problems %v)", tt.claim, s.Supported, len(tt.want) == 0, s.Problems)
			}
			for _, k := range tt.want {
				found := false
				for _, p := range s.Problems {
					found = found || p.Kind == k
				}
				if !found {
					t.Errorf("Verify(%q) problems = %v, want %s among them", tt.claim, s.Problems, k)
				}
			}
		})
	}
}

func TestProblemsHaveSwedishText(t *testing.T) {
	for k := NoCitation; k <= LowOverlap; k++ {
		text := Problem{Kind: k, Value: "3"}.Swedish()
		if text == "" || !strings.HasSuffix(text, ".") {
			t.Errorf("Problem{%s}.Swedish() = %q, want a sentence", k, text)
		}
	}
}

func FuzzParseReply(f *testing.F) {
	for _, seed := range []string{
		"## Syfte\nAnsökan [S1]. Hyran [S2, S3].",
		"Text utan källa. [S] [S-1] [S99999999999999999999]",
		"- [S1][S2]. ... [s3;4]",
		"\xff[S1\n",
	} {
		f.Add(seed)
	}
	v, err := NewVerifier(source, nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, reply string) {
		for _, s := range v.Verify(reply) {
			if s.Supported != (len(s.Problems) == 0) {
				t.Fatalf("sentence %q: Supported %t with problems %v", s.Text, s.Supported, s.Problems)
			}
			if len(s.Citations) == 0 && s.Supported {
				t.Fatalf("sentence %q without citations is supported", s.Text)
			}
		}
	})
}

func TestSwedishNumber(t *testing.T) {
	for in, want := range map[string]string{
		"3": "3", "250": "250", "9900": "9 900", "1250000": "1 250 000", "2024": "2024", "1999": "1999",
		"12,5": "12,5", "18000": "18 000",
	} {
		if got := swedishNumber(in); got != want {
			t.Errorf("swedishNumber(%q) = %q, want %q", in, got, want)
		}
	}
}
