package store

import (
	"bytes"
	"context"
	"errors"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/pseudo"
)

// mappedText contains a name from the detector's name lists, a surname it
// learns from context and a valid personal identity number.
const mappedText = "Jag heter Anna Zetterqvist och mitt personnummer är 850312-2387."

func newMapping(t *testing.T) *pseudo.Mapping {
	t.Helper()
	d, err := pseudo.NewDetector(nil)
	if err != nil {
		t.Fatal(err)
	}
	m := pseudo.NewMapping()
	hidden := d.Pseudonymize(mappedText, m)
	if m.Len() < 2 {
		t.Fatalf("detector mapped %d details of %q (%q), want the name and the number", m.Len(), mappedText, hidden)
	}
	return m
}

func TestPseudonymMappingSealedAndReplaced(t *testing.T) {
	e, _ := threadEnv(t)
	ctx := context.Background()

	empty, err := e.s.PseudonymMapping(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if empty.Len() != 0 {
		t.Errorf("PseudonymMapping before any is stored = %d placeholders, want 0", empty.Len())
	}

	m := newMapping(t)
	if err := e.s.SetPseudonymMapping(ctx, "rec-1", m); err != nil {
		t.Fatal(err)
	}
	e.reopen(t)
	got, err := e.s.PseudonymMapping(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(m.Placeholders(), got.Placeholders()); diff != "" {
		t.Errorf("stored placeholders (-want +got):\n%s", diff)
	}
	for _, p := range m.Placeholders() {
		if got.Restore(p) != m.Restore(p) {
			t.Errorf("stored mapping restores %s as %q, want %q", p, got.Restore(p), m.Restore(p))
		}
	}

	for file, content := range fileContents(t, e) {
		for _, secret := range []string{"Zetterqvist", "850312", "Anna"} {
			if bytes.Contains(content, []byte(secret)) {
				t.Errorf("%s holds %q of the pseudonym mapping in plaintext", file, secret)
			}
		}
	}

	// A second store replaces the first, so there is one row per recording.
	if err := e.s.SetPseudonymMapping(ctx, "rec-1", got); err != nil {
		t.Fatal(err)
	}
	if n := countRows(t, e, "pseudonym_mappings", "rec-1"); n != 1 {
		t.Errorf("pseudonym_mappings rows of rec-1 = %d, want 1", n)
	}
}

func TestPseudonymMappingDeletedWithRecording(t *testing.T) {
	tests := []struct {
		name   string
		delete func(*Store) error
	}{
		{"manual", func(s *Store) error { return s.DeleteRecording(context.Background(), "rec-1", "manual") }},
		{"wipe", func(s *Store) error {
			_, err := s.DeleteRecordings(context.Background(), []string{"rec-1"}, "wipe")
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := threadEnv(t)
			ctx := context.Background()
			if err := e.s.SetPseudonymMapping(ctx, "rec-1", newMapping(t)); err != nil {
				t.Fatal(err)
			}

			if err := tt.delete(e.s); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, e, "pseudonym_mappings", "rec-1"); n != 0 {
				t.Errorf("pseudonym_mappings rows after deletion = %d, want 0", n)
			}
			if _, err := e.s.PseudonymMapping(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
				t.Errorf("PseudonymMapping after deletion = %v, want ErrDeleted", err)
			}
			if err := e.s.SetPseudonymMapping(ctx, "rec-1", pseudo.NewMapping()); !errors.Is(err, ErrDeleted) {
				t.Errorf("SetPseudonymMapping after deletion = %v, want ErrDeleted", err)
			}
			for file, content := range fileContents(t, e) {
				if bytes.Contains(content, []byte("Zetterqvist")) {
					t.Errorf("%s holds a mapped name after deletion", file)
				}
			}
		})
	}
}
