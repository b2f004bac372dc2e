package svtext

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestSplitSentences(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want []string
	}{
		{"plain", "Hej. Vi börjar nu! Går det bra?", []string{"Hej.", "Vi börjar nu!", "Går det bra?"}},
		{"abbreviation", "Vi ses t.ex. på tisdag kl. 14.30. Sen ringer jag.", []string{"Vi ses t.ex. på tisdag kl. 14.30.", "Sen ringer jag."}},
		{"decimal", "Det kostar 2,5 procent. Ja.", []string{"Det kostar 2,5 procent.", "Ja."}},
		{"ellipsis_lowercase", "Jag vet inte... det är svårt. Okej.", []string{"Jag vet inte... det är svårt.", "Okej."}},
		{"ellipsis_capital", "Jag vet inte... Det är svårt.", []string{"Jag vet inte...", "Det är svårt."}},
		{"initial", "Hon heter Anna K. Svensson. Bra.", []string{"Hon heter Anna K. Svensson.", "Bra."}},
		{"no_punctuation", "ja alltså jag har bott där i tre år", []string{"ja alltså jag har bott där i tre år"}},
		{"only_punctuation", " ... ?! ", nil},
		{"quote", "Hon sa \"nej.\" Sen gick hon.", []string{"Hon sa \"nej.\"", "Sen gick hon."}},
		{"newline", "Första raden\nandra raden", []string{"Första raden", "andra raden"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, s := range SplitSentences(tt.in) {
				got = append(got, s.Text)
				if tt.in[s.Start:s.Start+len(s.Text)] != s.Text {
					t.Errorf("sentence %q has offset %d that points to %q", s.Text, s.Start, tt.in[s.Start:])
				}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("SplitSentences(%q) mismatch (-want +got):\n%s", tt.in, diff)
			}
		})
	}
}

func TestSplitSentencesCutsLongRuns(t *testing.T) {
	in := strings.Repeat("jag gick till affären och köpte mjölk ", 20)
	got := SplitSentences(in)
	if len(got) < 3 {
		t.Fatalf("SplitSentences(%d words) = %d sentences, want at least 3", len(Tokenize(in)), len(got))
	}
	var joined []string
	for _, s := range got {
		if n := len(Tokenize(s.Text)); n > maxSentenceWords {
			t.Errorf("sentence has %d words, want at most %d", n, maxSentenceWords)
		}
		joined = append(joined, s.Text)
	}
	if strings.Join(strings.Fields(strings.Join(joined, " ")), " ") != strings.Join(strings.Fields(in), " ") {
		t.Errorf("cut sentences do not add up to the input text")
	}
}

func TestTokenize(t *testing.T) {
	var got []string
	for _, tok := range Tokenize("Mötet kl. 14.30 den 2026-03-15, CSN-lån på 2,5 procent.") {
		got = append(got, tok.Text)
	}
	want := []string{"Mötet", "kl", "14.30", "den", "2026-03-15", "CSN-lån", "på", "2,5", "procent"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Tokenize mismatch (-want +got):\n%s", diff)
	}
}

func TestContentStems(t *testing.T) {
	got := ContentStems("Jag har inte betalat hyran för mars, eh, alltså")
	want := []string{Stem("betalat"), Stem("hyran"), Stem("mars")}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("ContentStems mismatch (-want +got):\n%s", diff)
	}
	for _, pair := range [][2]string{{"beslutet", "beslut"}, {"förskolan", "förskola"}, {"mötet", "möte"}, {"hyran", "hyra"}} {
		if Stem(pair[0]) != Stem(pair[1]) {
			t.Errorf("Stem(%s) = %q, Stem(%s) = %q, want the same stem", pair[0], Stem(pair[0]), pair[1], Stem(pair[1]))
		}
	}
	if Stem("skulden") != Stem("skulder") {
		t.Errorf("Stem(skulden) = %q, Stem(skulder) = %q, want the same stem", Stem("skulden"), Stem("skulder"))
	}
}

func TestNumbers(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"Skulden är 18 000 kronor.", []string{"18000"}},
		{"Skulden är 18000 kronor.", []string{"18000"}},
		{"Vi ses kl. 14.30 den 2026-03-15.", []string{"14:30", "2026-03-15"}},
		{"Hon har tre barn, det femtonde året.", []string{"3", "15"}},
		{"Han är 7 och 12 år.", []string{"7", "12"}},
		{"En bil och ett hus.", nil},
		{"Han är åttiofyra och de andra är tjugoett.", []string{"84", "21"}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, Numbers(tt.in)); diff != "" {
			t.Errorf("Numbers(%q) mismatch (-want +got):\n%s", tt.in, diff)
		}
	}
}

func TestHasDate(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{"Nästa möte är tisdagen den 14 mars.", true},
		{"Vi ses kl. 10.", true},
		{"Vi ses 14.30.", true},
		{"Återbesök 2026-04-02.", true},
		{"Jag har två barn.", false},
		{"Vi ses vecka 12.", true},
	}
	for _, tt := range tests {
		if got := HasDate(tt.in); got != tt.want {
			t.Errorf("HasDate(%q) = %t, want %t", tt.in, got, tt.want)
		}
	}
}

func FuzzSplitSentences(f *testing.F) {
	for _, seed := range []string{"Hej. Vi ses kl. 14.30!", "t.ex... nej", "\xff.\n?", strings.Repeat("och ", 100)} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, text string) {
		for _, s := range SplitSentences(text) {
			if s.Start < 0 || s.Start+len(s.Text) > len(text) || text[s.Start:s.Start+len(s.Text)] != s.Text {
				t.Fatalf("SplitSentences(%q) returned %q at offset %d, which is not in the text", text, s.Text, s.Start)
			}
		}
		for _, tok := range Tokenize(text) {
			if text[tok.Start:tok.End] != tok.Text {
				t.Fatalf("Tokenize(%q) returned %q at [%d, %d)", text, tok.Text, tok.Start, tok.End)
			}
		}
	})
}
