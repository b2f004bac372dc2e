package pseudo

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// surnameEndings are endings typical of Swedish surnames. A capitalized
// word with one of them that follows another capitalized word is taken as
// a surname ("Kalle Karlsson", "Per-Olof Nilsson").
var surnameEndings = []string{
	"sson", "son", "ström", "strom", "berg", "lund", "qvist", "kvist", "quist", "gren", "holm", "dahl", "dal",
	"lin", "ell", "ius", "ander", "stedt", "blom",
}

// notSurnames are places and common nouns with a surname ending.
var notSurnames = map[string]bool{
	"stockholm": true, "lund": true, "mölndal": true, "falkenberg": true, "lindesberg": true,
	"hässleholm": true, "bornholm": true, "berlin": true, "dublin": true, "norberg": true,
	"kungsholm": true, "person": true, "modell": true, "hotell": true, "kapell": true,
	"karusell": true, "pastell": true, "kartell": true, "insulin": true, "penicillin": true,
	"vaselin": true, "mandolin": true, "skandal": true, "pedal": true, "sandal": true,
	"salamander": true, "koriander": true, "celsius": true, "isberg": true,
}

// nameParticles join the parts of a name ("Fatima Al Hassan").
var nameParticles = map[string]bool{
	"al": true, "el": true, "bin": true, "ibn": true, "abu": true, "van": true, "von": true, "af": true,
}

// functionWords are words that start a sentence in capitals without being
// a name: pronouns, prepositions, conjunctions, greetings and adverbs.
// None of them starts a name or counts as the genitive of one.
var functionWords = map[string]bool{
	"i": true, "på": true, "till": true, "från": true, "med": true, "hos": true, "vid": true, "mot": true,
	"om": true, "efter": true, "före": true, "under": true, "över": true, "utan": true, "genom": true,
	"av": true, "för": true, "och": true, "men": true, "eller": true, "så": true, "som": true, "att": true,
	"när": true, "där": true, "här": true, "då": true, "nu": true, "sen": true, "sedan": true, "jag": true,
	"du": true, "han": true, "hon": true, "vi": true, "ni": true, "de": true, "den": true, "det": true,
	"dem": true, "man": true, "min": true, "mitt": true, "mina": true, "din": true, "ditt": true, "dina": true,
	"hans": true, "hennes": true, "deras": true, "dess": true, "vår": true, "vårt": true, "våra": true,
	"er": true, "ert": true, "era": true, "sin": true, "sitt": true, "sina": true, "hej": true, "tack": true,
	"ja": true, "nej": true, "okej": true, "kanske": true, "alltså": true, "bara": true, "också": true,
	"även": true, "inte": true, "vad": true, "vem": true, "vems": true, "vilken": true, "varför": true, "hur": true,
	"var": true, "ett": true, "en": true, "alla": true, "andras": true, "denna": true, "detta": true,
	"dessa": true, "klockan": true, "hallå": true, "godmorgon": true, "ens": true,
}

// placeWords start a place's or an organization's name, never a person's
// ("Region Stockholm", "Norra Lund").
var placeWords = map[string]bool{
	"region": true, "regionen": true, "kommun": true, "kommunen": true, "stad": true, "staden": true,
	"norra": true, "södra": true, "östra": true, "västra": true, "stora": true, "lilla": true,
	"gamla": true, "nya": true, "sankt": true, "landstinget": true, "universitet": true, "sjukhus": true,
}

// titles are words after which a listed surname, or a word with a
// surname ending, is a person's name ("doktor Lindqvist").
var titles = map[string]bool{
	"doktor": true, "doktorn": true, "dr": true, "professor": true, "läkare": true, "läkaren": true,
	"lärare": true, "läraren": true, "socialsekreterare": true, "socialsekreteraren": true,
	"handläggare": true, "handläggaren": true, "rektor": true, "rektorn": true, "advokat": true,
	"advokaten": true, "psykolog": true, "psykologen": true, "sjuksköterska": true, "sjuksköterskan": true,
	"kurator": true, "kuratorn": true, "tolk": true, "tolken": true, "polis": true, "fröken": true,
}

// kinWords are family words after which a capitalized genitive is a
// person's name ("Kalles mamma").
var kinWords = map[string]bool{
	"mamma": true, "pappa": true, "mor": true, "far": true, "bror": true, "syster": true, "son": true,
	"dotter": true, "fru": true, "sambo": true, "pojkvän": true, "flickvän": true, "mormor": true,
	"morfar": true, "farmor": true, "farfar": true, "kompis": true, "bästis": true, "barn": true,
	"föräldrar": true, "syskon": true, "lillebror": true, "lillasyster": true, "storebror": true,
	"storasyster": true, "exfru": true, "exman": true, "pojke": true, "flicka": true,
}

// commonWordNames are names that are also common lower-case Swedish words
// ("ström" is electricity, "berg" a mountain). A known name counts in lower
// case only if it is not one of them.
var commonWordNames = map[string]bool{
	"ström": true, "berg": true, "lund": true, "lind": true, "holm": true, "ek": true, "strand": true,
	"palm": true, "björk": true, "ljung": true, "falk": true, "blom": true, "björn": true, "lina": true,
	"linda": true, "axel": true, "siv": true, "vera": true, "per": true, "bo": true, "maj": true,
	"mina": true, "bella": true, "august": true, "ros": true, "sten": true, "tor": true,
}

// roleWords are words that a speaker label may put before a name ("Tolk
// Omid", "Klienten Kalle"). AddPerson keeps them outside the placeholder.
var roleWords = map[string]bool{
	"klient": true, "klienten": true, "tolk": true, "tolken": true, "handläggare": true,
	"handläggaren": true, "socialsekreterare": true, "socialsekreteraren": true, "mamma": true,
	"pappa": true, "mamman": true, "pappan": true, "barn": true, "barnet": true, "god": true,
	"förvaltare": true, "kontaktperson": true, "anhörig": true, "förälder": true,
	"vårdnadshavare": true, "doktor": true, "dr": true, "läkare": true, "lärare": true, "man": true,
}

// surnameLike reports whether a capitalized word has a typical Swedish
// surname ending and is not a known place.
func surnameLike(word string) bool {
	lower := strings.ToLower(word)
	if !capitalized(word) || notSurnames[lower] || strings.ContainsRune(lower, '-') {
		return false
	}
	for _, ending := range surnameEndings {
		if strings.HasSuffix(lower, ending) && utf8.RuneCountInString(lower) >= utf8.RuneCountInString(ending)+2 {
			return true
		}
	}
	return false
}

// hyphenatedName reports whether word is two or more capitalized parts
// joined by hyphens ("Al-Hassan", "Per-Olof").
func hyphenatedName(word string) bool {
	parts := strings.Split(word, "-")
	if len(parts) < 2 {
		return false
	}
	for _, p := range parts {
		r, _ := utf8.DecodeRuneInString(p)
		if p == "" || !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

// isFirstName reports whether lower, a lower-case word, is a listed first
// name, a hyphenated pair of them ("per-olof"), or the genitive of either.
func (d *Detector) isFirstName(lower string) bool {
	for _, w := range []string{lower, strings.TrimSuffix(lower, "s")} {
		if d.first[w] {
			return true
		}
		parts := strings.Split(w, "-")
		if len(parts) < 2 {
			continue
		}
		all := true
		for _, p := range parts {
			all = all && d.first[p]
		}
		if all {
			return true
		}
	}
	return false
}

// isSurname reports whether word is a listed surname, its genitive, or a
// capitalized word with a typical surname ending.
func (d *Detector) isSurname(word string) bool {
	lower := strings.ToLower(word)
	return d.last[lower] || d.last[strings.TrimSuffix(lower, "s")] || surnameLike(word)
}

// mayStartName reports whether a capitalized word can be the first word
// of a name that only its surname marks as one.
func mayStartName(w string) bool {
	lower := strings.ToLower(w)
	return capitalized(w) && utf8.RuneCountInString(w) > 1 && !isAcronym(w) && !functionWords[lower] &&
		!placeWords[lower] && !notNames[lower] && !nameCues[lower] && !titles[lower] && !roleWords[lower]
}

// mayBeGenitiveName reports whether a capitalized word ending in "s" can
// be the genitive of an unlisted name ("Kalles"). The genitive of a noun in
// the definite form ("Barnens", "Kommunens") or of a country ("Sveriges")
// cannot.
func mayBeGenitiveName(w string) bool {
	base, ok := strings.CutSuffix(strings.ToLower(w), "s")
	if !ok || !mayStartName(w) || placeWords[base] || notNames[base] {
		return false
	}
	return !strings.HasSuffix(base, "en") && !strings.HasSuffix(base, "et") && !strings.HasSuffix(base, "ige")
}
