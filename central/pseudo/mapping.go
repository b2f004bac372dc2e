package pseudo

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Mapping holds the placeholders of one recording and the details they
// stand for. It is safe for concurrent use. Its JSON form, from
// MarshalJSON, contains personal data and must be stored sealed.
type Mapping struct {
	mu      sync.Mutex
	entries []mappingEntry
	byKey   map[string]int // normalized kind and text -> index in entries
}

type mappingEntry struct {
	Kind        Kind   `json:"kind"`
	Placeholder string `json:"placeholder"`
	Original    string `json:"original"`
}

// NewMapping returns an empty mapping.
func NewMapping() *Mapping {
	return &Mapping{byKey: map[string]int{}}
}

// Len returns the number of placeholders.
func (m *Mapping) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.entries)
}

// String describes the mapping without the details it holds, so that a
// mapping printed by mistake reveals nothing.
func (m *Mapping) String() string {
	return fmt.Sprintf("pseudo.Mapping{%d placeholders}", m.Len())
}

// placeholder returns the placeholder of a detail, creating one if the
// detail is new. A person already known by a longer name keeps its
// placeholder when named in part ("Mikael" after "Mikael Berg").
func (m *Mapping) placeholder(k Kind, text string) string {
	m.mu.Lock()
	defer m.mu.Unlock()

	key := normalizeKey(k, text)
	if i, ok := m.byKey[key]; ok {
		return m.entries[i].Placeholder
	}
	if k == Person {
		if i, ok := m.personPart(text); ok {
			m.byKey[key] = i
			return m.entries[i].Placeholder
		}
	}

	n := 1
	for _, e := range m.entries {
		if e.Kind == k {
			n++
		}
	}
	e := mappingEntry{Kind: k, Placeholder: fmt.Sprintf("[%s %d]", k.Label(), n), Original: text}
	m.entries = append(m.entries, e)
	m.byKey[key] = len(m.entries) - 1
	return e.Placeholder
}

// AddPerson adds name to m as a person's name and returns its placeholder,
// as if a detector had found it. It is for a name that a person typed as a
// name, such as a speaker's, which the detector's name lists may lack.
// Later Pseudonymize calls hide each word of the name wherever it occurs.
func (m *Mapping) AddPerson(name string) string {
	return m.placeholder(Person, strings.Join(strings.Fields(name), " "))
}

// personPart returns the entry of a known person whose name contains every
// word of text, or whose name text contains entirely, when exactly one
// person matches.
func (m *Mapping) personPart(text string) (int, bool) {
	words := strings.Fields(strings.ToLower(text))
	found := -1
	for i, e := range m.entries {
		if e.Kind != Person {
			continue
		}
		known := strings.Fields(strings.ToLower(e.Original))
		if !containsAll(known, words) && !containsAll(words, known) {
			continue
		}
		if found >= 0 && m.entries[found].Placeholder != e.Placeholder {
			return 0, false
		}
		found = i
	}
	return found, found >= 0
}

func containsAll(set, words []string) bool {
	for _, w := range words {
		if !slices.Contains(set, w) {
			return false
		}
	}
	return true
}

// normalizeKey makes the same detail written differently map to one
// placeholder: case and spaces for names, separators for numbers.
func normalizeKey(k Kind, text string) string {
	var norm string
	switch k {
	case Personnummer, Samordningsnummer, IDLike, Phone:
		norm = strings.Map(func(r rune) rune {
			if unicode.IsDigit(r) {
				return r
			}
			return -1
		}, text)
		if (k == Personnummer || k == Samordningsnummer) && len(norm) == 12 {
			norm = norm[2:]
		}
		if k == Phone {
			norm = strings.TrimPrefix(strings.TrimPrefix(norm, "0046"), "46")
			norm = strings.TrimPrefix(norm, "0")
		}
	default:
		norm = strings.ToLower(strings.Join(strings.Fields(text), " "))
	}
	return k.String() + ":" + norm
}

// Restore replaces every placeholder in text with the detail it stands
// for. Text that the mapping did not produce, such as a placeholder with an
// unknown number, is left as it is.
func (m *Mapping) Restore(text string) string {
	m.mu.Lock()
	defer m.mu.Unlock()

	// Longer placeholders first, so "[Person 12]" is not read as
	// "[Person 1]" followed by "2]".
	entries := slices.Clone(m.entries)
	slices.SortFunc(entries, func(a, b mappingEntry) int { return len(b.Placeholder) - len(a.Placeholder) })
	pairs := make([]string, 0, 2*len(entries))
	for _, e := range entries {
		pairs = append(pairs, e.Placeholder, e.Original)
	}
	return strings.NewReplacer(pairs...).Replace(text)
}

// holdsPerson reports whether m has a placeholder for the person name.
func (m *Mapping) holdsPerson(name string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.byKey[normalizeKey(Person, name)]
	return ok
}

// knownNames returns the capitalized words of text that are words of a
// person's name that m holds, or that name in the genitive.
func (m *Mapping) knownNames(text string) []Entity {
	m.mu.Lock()
	known := map[string]bool{}
	for _, e := range m.entries {
		if e.Kind != Person {
			continue
		}
		for _, w := range strings.Fields(e.Original) {
			if utf8.RuneCountInString(w) > 1 {
				known[strings.ToLower(w)] = true
			}
		}
	}
	m.mu.Unlock()
	if len(known) == 0 {
		return nil
	}

	var out []Entity
	for _, w := range words(text) {
		lower := strings.ToLower(w.text)
		if !capitalized(w.text) || !(known[lower] || known[strings.TrimSuffix(lower, "s")]) {
			continue
		}
		out = append(out, Entity{Kind: Person, Text: w.text, Start: w.start, End: w.end})
	}
	return out
}

// Placeholders returns every placeholder in the order they were created.
func (m *Mapping) Placeholders() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for _, e := range m.entries {
		out = append(out, e.Placeholder)
	}
	return out
}

// MarshalJSON encodes the mapping with the details it holds.
func (m *Mapping) MarshalJSON() ([]byte, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return json.Marshal(struct {
		Entries []mappingEntry `json:"entries"`
	}{m.entries})
}

// UnmarshalJSON decodes a mapping that MarshalJSON encoded.
func (m *Mapping) UnmarshalJSON(data []byte) error {
	var v struct {
		Entries []mappingEntry `json:"entries"`
	}
	if err := json.Unmarshal(data, &v); err != nil {
		return fmt.Errorf("decoding pseudonym mapping: %w", err)
	}

	m.mu.Lock()
	defer m.mu.Unlock()
	m.entries = nil
	m.byKey = map[string]int{}
	seen := map[string]bool{}
	for _, e := range v.Entries {
		if e.Placeholder == "" || e.Original == "" || seen[e.Placeholder] || e.Kind < Email || e.Kind > Person {
			return fmt.Errorf("decoding pseudonym mapping: invalid or repeated entry %q: the stored mapping is damaged", e.Placeholder)
		}
		seen[e.Placeholder] = true
		m.entries = append(m.entries, e)
		m.byKey[normalizeKey(e.Kind, e.Original)] = len(m.entries) - 1
	}
	return nil
}
