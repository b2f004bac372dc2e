package pseudo

import (
	"strings"
	"testing"
)

func TestAddPersonHidesUnlistedName(t *testing.T) {
	d, err := NewDetector(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := NewMapping()

	p := m.AddPerson(" Omid  Rahimi ")
	if p != "[Person 1]" {
		t.Errorf("AddPerson(Omid Rahimi) = %q, want [Person 1]", p)
	}
	if again := m.AddPerson("omid rahimi"); again != p {
		t.Errorf("AddPerson(omid rahimi) = %q, want the same placeholder %q", again, p)
	}
	got := d.Pseudonymize("Hej Omid, och hej Rahimi.", m)
	if strings.Contains(got, "Omid") || strings.Contains(got, "Rahimi") {
		t.Errorf("Pseudonymize after AddPerson = %q, want both words hidden", got)
	}
}
