package pseudo

import (
	"encoding/json"
	"fmt"
	"regexp"
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

// AddPerson adds name to m as a person's name and returns the name with
// its placeholder in place of the person. It is for a name that a person
// typed as a name, such as a speaker's, which the detector's name lists may
// lack. Role words before the name stay as they are ("Tolk Omid" returns
// "Tolk [Person 1]"), and a name of role words only is returned unchanged
// and not added. Later Pseudonymize calls hide each word of the name
// wherever it occurs.
func (m *Mapping) AddPerson(name string) string {
	fields := strings.Fields(name)
	roles := 0
	for roles < len(fields) && roleWords[strings.ToLower(fields[roles])] {
		roles++
	}
	if roles == len(fields) {
		return strings.Join(fields, " ")
	}

	placeholder := m.placeholder(Person, strings.Join(fields[roles:], " "))
	return strings.Join(append(fields[:roles:roles], placeholder), " ")
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

// streetKey matches the street and number at the start of a lower-case
// address.
var streetKey = regexp.MustCompile(`^\D+\d{1,4}(?:\s?[a-z]\b)?`)

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
	case Email:
		norm = strings.ToLower(strings.Join(strings.Fields(text), ""))
		norm = strings.NewReplacer("(at)", "@", "[at]", "@").Replace(norm)
	case Address:
		norm = strings.ToLower(strings.Join(strings.Fields(text), " "))
		if street := streetKey.FindString(norm); street != "" {
			// The same street and number is one address, written with or
			// without its flat, postcode and town.
			norm = strings.ReplaceAll(street, " ", "")
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

// knownNames returns the words of text that are words of a person's name
// that m holds (see knownWords), in any case, with adjacent words merged
// into one name ("kalle karlsson"). A genitive ("Kalles") yields the name
// without its "s". A known word that is also a common word ("per",
// "ström") counts only when capitalized.
func (m *Mapping) knownNames(text string, d *Detector) []Entity {
	known := m.knownWords(d)
	if len(known) == 0 {
		return nil
	}

	var out []Entity
	var last *Entity // the previous match, if it ended the name it could extend
	for _, w := range words(text) {
		lower := strings.ToLower(w.text)
		end := w.end
		switch {
		case known[lower]:
		case strings.HasSuffix(lower, "s") && known[lower[:len(lower)-1]]:
			end-- // keep the genitive "s" outside the placeholder
		default:
			last = nil
			continue
		}
		if !capitalized(w.text) && (commonWordNames[strings.TrimSuffix(lower, "s")] || functionWords[lower]) {
			last = nil
			continue
		}

		if last != nil && strings.TrimSpace(text[last.End:w.start]) == "" {
			last.End = end
			last.Text = text[last.Start:end]
		} else {
			out = append(out, Entity{Kind: Person, Text: text[w.start:end], Start: w.start, End: end})
			last = &out[len(out)-1]
		}
		if end != w.end {
			last = nil // a genitive ends the name
		}
	}
	return out
}

// knownAddresses returns the places in text, in any case, of the streets
// and numbers of the addresses that m holds ("norra vägen 5" after "Norra
// vägen 5, 831 45 Östersund").
func (m *Mapping) knownAddresses(text string) []Entity {
	m.mu.Lock()
	var streets []string
	for _, e := range m.entries {
		if e.Kind != Address {
			continue
		}
		if street := streetKey.FindString(strings.ToLower(strings.Join(strings.Fields(e.Original), " "))); street != "" {
			streets = append(streets, street)
		}
	}
	m.mu.Unlock()

	var out []Entity
	for _, street := range streets {
		parts := strings.Fields(street)
		for i, p := range parts {
			parts[i] = regexp.QuoteMeta(p)
		}
		pattern := regexp.MustCompile(`(?i)(?:^|[^\p{L}\p{N}])(` + strings.Join(parts, `\s+`) + `)(?:$|[^\p{L}\p{N}])`)
		for _, loc := range pattern.FindAllStringSubmatchIndex(text, -1) {
			out = append(out, Entity{Kind: Address, Text: text[loc[2]:loc[3]], Start: loc[2], End: loc[3]})
		}
	}
	return out
}

// knownWords returns the lower-case words of the person names that m
// holds: every capitalized word of more than one letter, and the
// lower-case words that d lists as names.
func (m *Mapping) knownWords(d *Detector) map[string]bool {
	m.mu.Lock()
	defer m.mu.Unlock()

	known := map[string]bool{}
	for _, e := range m.entries {
		if e.Kind != Person {
			continue
		}
		for _, w := range strings.Fields(e.Original) {
			lower := strings.ToLower(strings.Trim(w, ".,"))
			if utf8.RuneCountInString(lower) < 2 || roleWords[lower] {
				continue
			}
			if capitalized(w) || d.IsName(lower) {
				known[lower] = true
			}
		}
	}
	return known
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
