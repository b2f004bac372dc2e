package pseudo_test

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/pseudo"
)

// TestKnownNameInLaterTexts pseudonymizes a transcript line and then the
// texts a caseworker may send later, a question or an edit, with the same
// mapping, as the assistant does for one recording.
func TestKnownNameInLaterTexts(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	first := d.Pseudonymize("Klienten Kalle Karlsson bor på Norra vägen 5, 831 45 Östersund.", m)
	if want := "Klienten [Person 1] bor på [Adress 1]."; first != want {
		t.Fatalf("Pseudonymize(transcript) = %q, want %q", first, want)
	}

	tests := []struct {
		name, text, want string
	}{
		{"whole_name", "Vad sa Kalle Karlsson om hyran?", "Vad sa [Person 1] om hyran?"},
		{"lower_case", "vad sa kalle karlsson om hyran?", "vad sa [Person 1] om hyran?"},
		{"upper_case", "Vad sa KARLSSON?", "Vad sa [Person 1]?"},
		{"first_name_only", "Har kalle jobb?", "Har [Person 1] jobb?"},
		{"surname_only", "Vad sa Karlsson?", "Vad sa [Person 1]?"},
		{"genitive", "Hur mår Kalles mamma?", "Hur mår [Person 1]s mamma?"},
		{"street_only", "Bor han kvar på Norra vägen 5?", "Bor han kvar på [Adress 1]?"},
		{"street_lower_case", "bor han kvar på norra vägen 5?", "bor han kvar på [Adress 1]?"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := d.Pseudonymize(tt.text, m); got != tt.want {
				t.Errorf("Pseudonymize(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestKnownNameKeepsCommonWords(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	m.AddPerson("Per Mina")
	m.AddPerson("Linda Ström")

	text := "Det kostar 200 kronor per månad för ström, sa hon om mina räkningar."
	if got := d.Pseudonymize(text, m); got != text {
		t.Errorf("Pseudonymize(%q) = %q, want it unchanged", text, got)
	}
}

func TestAddPersonKeepsRole(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()

	if got, want := m.AddPerson("Tolk Omid"), "Tolk [Person 1]"; got != want {
		t.Errorf("AddPerson(Tolk Omid) = %q, want %q", got, want)
	}
	if got, want := m.AddPerson("Klienten"), "Klienten"; got != want {
		t.Errorf("AddPerson(Klienten) = %q, want %q", got, want)
	}
	if m.Len() != 1 {
		t.Errorf("Len after two AddPerson = %d, want 1: a role alone is no name", m.Len())
	}
	text := "Tolk Omid översatte, och omid sa att tolken var bra."
	if got, want := d.Pseudonymize(text, m), "Tolk [Person 1] översatte, och [Person 1] sa att tolken var bra."; got != want {
		t.Errorf("Pseudonymize(%q) = %q, want %q", text, got, want)
	}
	if got := m.Restore("Tolk [Person 1]"); got != "Tolk Omid" {
		t.Errorf("Restore(Tolk [Person 1]) = %q, want Tolk Omid", got)
	}
}

func TestPseudonymizeNamesAndAddresses(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unlisted_first_name", "Kalle Karlsson kom.", "[Person 1] kom."},
		{"surname_ending", "Vi träffade Omid Sundqvist igår.", "Vi träffade [Person 1] igår."},
		{"hyphenated_first_name", "Socialsekreteraren Per-Olof Nilsson ringer.", "Socialsekreteraren [Person 1] ringer."},
		{"hyphenated_surname", "Mamman Fatima Al-Hassan kom.", "Mamman [Person 1] kom."},
		{"particle", "Mamman Fatima Al Hassan kom.", "Mamman [Person 1] kom."},
		{"title", "Jag ringde doktor Lindqvist.", "Jag ringde doktor [Person 1]."},
		{"role_word_kept", "Mamma Karlsson kom.", "Mamma [Person 1] kom."},
		{"lower_case_pair", "sa lisa andersson.", "sa [Person 1]."},
		{"lower_case_first_alone", "sa lisa.", "sa lisa."},
		{"unlisted_genitive", "Yrsas mamma kom.", "[Person 1]s mamma kom."},
		{"noun_genitive", "Barnens pappa och Kommunens jurist kom.", "Barnens pappa och Kommunens jurist kom."},
		{"pronoun_genitive", "Hennes mamma kom.", "Hennes mamma kom."},
		{"place", "Region Stockholm och Hotell Modell i Lund.", "Region Stockholm och Hotell Modell i Lund."},
		{"sentence_start_preposition", "I Lund bor hon.", "I Lund bor hon."},
		{"two_word_street", "Adressen är Norra vägen 5, 831 45 Östersund.", "Adressen är [Adress 1]."},
		{"email_at", "Mejla kalle(at)exempel.se eller kalla [at] exempel.se.", "Mejla [E-post 1] eller [E-post 2]."},
		{"email_at_same_address", "Mejla kalle(at)exempel.se eller KALLE@EXEMPEL.SE.", "Mejla [E-post 1] eller [E-post 1]."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := newDetector(t)
			if got := d.Pseudonymize(tt.text, pseudo.NewMapping()); got != tt.want {
				t.Errorf("Pseudonymize(%q) = %q, want %q", tt.text, got, tt.want)
			}
		})
	}
}

func TestSameAddressOnePlaceholder(t *testing.T) {
	d := newDetector(t)
	m := pseudo.NewMapping()
	texts := []string{
		"Han bor på Storgatan 1, 123 45 Lilleby.",
		"Bor han kvar på Storgatan 1?",
		"Storgatan 1 lgh 1102 är adressen.",
		"Hon bor på Storgatan 12.",
	}
	var got []string
	for _, text := range texts {
		got = append(got, d.Pseudonymize(text, m))
	}
	want := []string{
		"Han bor på [Adress 1].",
		"Bor han kvar på [Adress 1]?",
		"[Adress 1] är adressen.",
		"Hon bor på [Adress 2].",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Pseudonymize mismatch (-want +got):\n%s", diff)
	}
	if restored := m.Restore(got[1]); !strings.Contains(restored, "Storgatan 1") {
		t.Errorf("Restore(%q) = %q, want the street back", got[1], restored)
	}
}
