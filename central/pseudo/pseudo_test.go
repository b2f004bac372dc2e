package pseudo_test

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

func newDetector(t testing.TB) *pseudo.Detector {
	t.Helper()
	d, err := pseudo.NewDetector(nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDetectIdentityNumbers(t *testing.T) {
	d := newDetector(t)
	tests := []struct {
		name string
		text string
		want pseudo.Kind
		ok   bool
	}{
		{"short", "nummer 850312-2387 här", pseudo.Personnummer, true},
		{"long", "nummer 19850312-2387 här", pseudo.Personnummer, true},
		{"no_separator", "nummer 8503122387 här", pseudo.Personnummer, true},
		{"plus_over_hundred", "nummer 850312+2387 här", pseudo.Personnummer, true},
		{"coordination", "nummer 970167-4120 här", pseudo.Samordningsnummer, true},
		{"wrong_check_digit", "nummer 850312-2388 här", pseudo.IDLike, true},
		{"spoken_pairs", "nummer 85 03 12 23 87 här", pseudo.Personnummer, true},
		{"impossible_date", "nummer 851312-2387 här", 0, false},
		{"money", "skulden är 412 000 kronor", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ents := d.Detect(tt.text)
			if !tt.ok {
				if len(ents) != 0 {
					t.Errorf("Detect(%q) = %v, want nothing", tt.text, ents)
				}
				return
			}
			if len(ents) != 1 || ents[0].Kind != tt.want {
				t.Errorf("Detect(%q) = %v, want one %s", tt.text, ents, tt.want)
			}
		})
	}
}

func TestPseudonymizeIsStable(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()

	got := []string{
		d.Pseudonymize("Jag heter Mikael Berg, 850312-2387.", m),
		d.Pseudonymize("Mikael ringde från 070-123 45 67 om Linneas skola.", m),
		d.Pseudonymize("Linnea och Mikael Berg kom, 8503122387 stod på lappen.", m),
	}
	want := []string{
		"Jag heter [Person 1], [Personnummer 1].",
		"[Person 1] ringde från [Telefon 1] om [Person 2]s skola.",
		"[Person 2] och [Person 1] kom, [Personnummer 1] stod på lappen.",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pseudonymize mismatch (-want +got):\n%s", diff)
	}

	restored := m.Restore("[Person 1] och [Person 2]s mamma, [Personnummer 1], [Person 9].")
	if want := "Mikael Berg och Linneas mamma, 850312-2387, [Person 9]."; restored != want {
		t.Errorf("Restore() = %q, want %q", restored, want)
	}
}

func TestRestoreManyPlaceholders(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	names := []string{"Adam", "Agnes", "Alice", "Alma", "Alva", "Amanda", "Amina", "Anders", "Andreas", "Anna", "Anton", "Arvid"}
	text := d.Pseudonymize(strings.Join(names, " och "), m)
	if !strings.Contains(text, "[Person 12]") {
		t.Fatalf("Pseudonymize(12 names) = %q, want [Person 12]", text)
	}
	if got := m.Restore("[Person 12] och [Person 1]"); got != "Arvid och Adam" {
		t.Errorf("Restore() = %q, want %q", got, "Arvid och Adam")
	}
}

func TestMappingJSON(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	d.Pseudonymize("Sara Lindqvist, sara@exempel.se, Storgatan 12.", m)

	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	back := pseudo.NewMapping()
	if err := json.Unmarshal(data, back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Placeholders(), back.Placeholders()); diff != "" {
		t.Errorf("placeholders after a JSON round trip mismatch (-want +got):\n%s", diff)
	}
	if got := d.Pseudonymize("Sara Lindqvist igen.", back); got != "[Person 1] igen." {
		t.Errorf("Pseudonymize with the decoded mapping = %q, want the same placeholder", got)
	}

	for _, bad := range []string{`{"entries":[{"kind":6,"placeholder":"","original":"x"}]}`, `{"entries":[{"kind":99,"placeholder":"[X 1]","original":"x"}]}`, `not json`} {
		if err := json.Unmarshal([]byte(bad), pseudo.NewMapping()); err == nil {
			t.Errorf("Unmarshal(%s) = nil error, want an error", bad)
		}
	}
}

func TestMappingPrintsNoDetails(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	d.Pseudonymize("Jag heter Mikael Berg, 850312-2387.", m)
	for _, s := range []string{fmt.Sprint(m), fmt.Sprintf("%v", m), m.String()} {
		if strings.Contains(s, "Mikael") || strings.Contains(s, "850312") {
			t.Errorf("printed mapping %q contains a detail it holds", s)
		}
	}
}

func TestNameCueStaysInSentence(t *testing.T) {
	d := newDetector(t)
	if ents := d.Detect("Du får en kontaktperson. Vill du det?"); len(ents) != 0 {
		t.Errorf("Detect() = %v, want no name across the sentence end", ents)
	}
	if ents := d.Detect("Min kontaktperson Yrsa ringde."); len(ents) != 1 || ents[0].Text != "Yrsa" {
		t.Errorf("Detect() = %v, want Yrsa", ents)
	}
}

func TestDetectorOptions(t *testing.T) {
	d, err := pseudo.NewDetector(&pseudo.Options{FirstNames: []string{"Omid"}})
	if err != nil {
		t.Fatal(err)
	}
	ents := d.Detect("Sen kom Omid hem.")
	if len(ents) != 1 || ents[0].Text != "Omid" {
		t.Errorf("Detect with an added first name = %v, want Omid", ents)
	}
}

func FuzzDetect(f *testing.F) {
	for _, seed := range []string{"Jag heter Mikael Berg, 850312-2387.", "070-123 45 67", "Storgatan 12, 151 32 Södertälje", "a@b.se", "heter å", "Anna K.", "85 03 12 23 87", "\xff\xfe"} {
		f.Add(seed)
	}
	d, err := pseudo.NewDetector(nil)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, text string) {
		ents := d.Detect(text)
		last := 0
		for _, e := range ents {
			if e.Start < last || e.End > len(text) || e.Start >= e.End || text[e.Start:e.End] != e.Text {
				t.Fatalf("Detect(%q) returned bad or overlapping entity %+v", text, e)
			}
			last = e.End
		}
		m := pseudo.NewMapping()
		out := d.Pseudonymize(text, m)
		if len(ents) == 0 && out != text {
			t.Fatalf("Pseudonymize(%q) = %q, want the text unchanged", text, out)
		}
	})
}

// BenchmarkPseudonymizeTwoHours measures pseudonymizing every segment of a
// two-hour meeting built from the evaluation set, as the chat assistant
// does before each request.
func BenchmarkPseudonymizeTwoHours(b *testing.B) {
	meetings, err := evalset.LoadMeetings(evalset.Dir())
	if err != nil {
		b.Fatal(err)
	}
	segs := evalset.LongTranscript(meetings, 2*time.Hour)
	d := newDetector(b)
	for b.Loop() {
		m := pseudo.NewMapping()
		for _, s := range segs {
			d.Pseudonymize(s.Text, m)
		}
	}
}

func TestPseudonymizeKnownNameEverywhere(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	texts := []string{"Mina har ont i magen.", "Hon säger att dottern Mina vägrar gå till skolan.", "Det gäller Minas skola, inte mina böcker."}
	for _, text := range texts {
		d.Learn(text, m)
	}

	var got []string
	for _, text := range texts {
		got = append(got, d.Pseudonymize(text, m))
	}
	want := []string{"[Person 1] har ont i magen.", "Hon säger att dottern [Person 1] vägrar gå till skolan.", "Det gäller [Person 1]s skola, inte mina böcker."}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pseudonymize mismatch (-want +got):\n%s", diff)
	}
}
