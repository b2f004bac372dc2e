// Package pseudo finds identifying details in Swedish text and replaces them
// with stable placeholders such as "[Person 1]" and "[Personnummer 1]".
// It finds personal identity numbers and coordination numbers with a valid
// check digit, phone numbers, e-mail addresses, postal addresses and person
// names, from a name list and from context ("jag heter", "min mamma"). A
// number shaped like an identity number but with a wrong check digit is
// replaced too, as "[Nummer 1]", because a misheard digit must not let an
// identity number through.
//
// A Mapping keeps which placeholder stands for which detail, so that the
// same name gets the same placeholder in every text of a recording and a
// reply written with placeholders can be mapped back locally. The mapping
// holds personal data: it is sealed with the recording and deleted with it,
// and it is never logged. The central service and the chat engine client
// import this package.
package pseudo

import (
	"fmt"
	"slices"
	"strings"
)

// Kind is a kind of identifying detail.
type Kind int

// Kinds of detail, in the order in which overlapping detections win.
const (
	Email Kind = iota
	Personnummer
	Samordningsnummer
	Phone
	IDLike // shaped like a personal identity number but with a wrong check digit
	Address
	Person
)

// Kinds lists every kind.
var Kinds = []Kind{Email, Personnummer, Samordningsnummer, Phone, IDLike, Address, Person}

// Label returns the word of the kind's placeholders, as the user sees it.
func (k Kind) Label() string {
	switch k {
	case Email:
		return "E-post"
	case Personnummer:
		return "Personnummer"
	case Samordningsnummer:
		return "Samordningsnummer"
	case IDLike:
		return "Nummer"
	case Phone:
		return "Telefon"
	case Address:
		return "Adress"
	default:
		return "Person"
	}
}

func (k Kind) String() string {
	switch k {
	case Email:
		return "email"
	case Personnummer:
		return "personnummer"
	case Samordningsnummer:
		return "samordningsnummer"
	case IDLike:
		return "id_like"
	case Phone:
		return "phone"
	case Address:
		return "address"
	default:
		return "person"
	}
}

// ParseKind returns the kind that String returns as s.
func ParseKind(s string) (Kind, error) {
	for _, k := range Kinds {
		if k.String() == s {
			return k, nil
		}
	}
	return 0, fmt.Errorf("unknown kind of identifying detail %q: use one of email, personnummer, samordningsnummer, id_like, phone, address, person", s)
}

// Entity is one detected detail: text[Start:End] of the searched text.
type Entity struct {
	Kind       Kind
	Text       string
	Start, End int
}

// resolve sorts entities by position and drops every entity that overlaps
// an earlier-kind or longer one.
func resolve(ents []Entity) []Entity {
	slices.SortStableFunc(ents, func(a, b Entity) int {
		if a.Kind != b.Kind {
			return int(a.Kind) - int(b.Kind)
		}
		return (b.End - b.Start) - (a.End - a.Start)
	})
	var kept []Entity
	for _, e := range ents {
		overlaps := slices.ContainsFunc(kept, func(k Entity) bool { return e.Start < k.End && k.Start < e.End })
		if !overlaps {
			kept = append(kept, e)
		}
	}
	slices.SortFunc(kept, func(a, b Entity) int { return a.Start - b.Start })
	return kept
}

// Pseudonymize replaces every detail that d detects in text with its
// placeholder from m, adding new placeholders to m, and returns the result.
// A name that m already holds is replaced wherever it occurs, whole or by
// its parts and in any case. So a name found once from context ("dottern
// Yrsa") is also hidden where nothing marks it as a name, such as "yrsa är
// rädd" from a speech engine. A street and number that m holds is replaced
// in any case too. To hide such a name in text that comes before the
// context, call Learn on all texts first.
func (d *Detector) Pseudonymize(text string, m *Mapping) string {
	ents := append(d.Detect(text), m.knownNames(text, d)...)
	ents = resolve(append(ents, m.knownAddresses(text)...))
	if len(ents) == 0 {
		return text
	}

	var b strings.Builder
	last := 0
	for _, e := range ents {
		b.WriteString(text[last:e.Start])
		if base, ok := d.genitiveBase(e.Text, m); ok && e.Kind == Person {
			b.WriteString(m.placeholder(e.Kind, base) + "s")
		} else {
			b.WriteString(m.placeholder(e.Kind, e.Text))
		}
		last = e.End
	}
	b.WriteString(text[last:])
	return b.String()
}

// Learn adds the details that d detects in text to m without replacing
// anything, so that a later Pseudonymize of any text hides them.
func (d *Detector) Learn(text string, m *Mapping) {
	d.Pseudonymize(text, m)
}
