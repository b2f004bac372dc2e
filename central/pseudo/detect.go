package pseudo

import (
	"bufio"
	_ "embed"
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	personnummer "github.com/personnummer/go/v3"
)

//go:embed names.txt
var namesFile string

// Options configures a Detector. Zero fields mean the documented defaults.
type Options struct {
	// FirstNames and Surnames are added to the embedded name lists, for
	// example the names a caseworker gave the speakers.
	FirstNames, Surnames []string
}

// Detector finds identifying details. It is safe for concurrent use.
type Detector struct {
	first, last map[string]bool // lower case
}

// NewDetector returns a Detector with the embedded name lists and the
// names in opts. opts may be nil.
func NewDetector(opts *Options) (*Detector, error) {
	d := &Detector{first: map[string]bool{}, last: map[string]bool{}}
	if err := d.loadNames(namesFile); err != nil {
		return nil, err
	}
	if opts != nil {
		for _, n := range opts.FirstNames {
			d.first[strings.ToLower(strings.TrimSpace(n))] = true
		}
		for _, n := range opts.Surnames {
			d.last[strings.ToLower(strings.TrimSpace(n))] = true
		}
	}
	delete(d.first, "")
	delete(d.last, "")
	return d, nil
}

func (d *Detector) loadNames(file string) error {
	var section map[string]bool
	sc := bufio.NewScanner(strings.NewReader(file))
	for line := 1; sc.Scan(); line++ {
		text := strings.TrimSpace(sc.Text())
		switch {
		case text == "# first":
			section = d.first
		case text == "# last":
			section = d.last
		case text == "" || strings.HasPrefix(text, "#"):
		case section == nil:
			return fmt.Errorf("name list line %d: name %q before a \"# first\" or \"# last\" line", line, text)
		default:
			section[strings.ToLower(text)] = true
		}
	}
	return sc.Err()
}

// streetWords are the words that end a Swedish street name.
const streetWords = `(?:gatan|vägen|gränd|gränden|stigen|backen|torget|allén|allé|plan|leden|väg|gata|platsen|esplanaden|stråket|slingan|höjden|torg)`

var (
	// emailPattern matches an e-mail address, also with "@" written as
	// "(at)" or "[at]" to dodge address harvesters.
	emailPattern = regexp.MustCompile(`(?i)[\p{L}0-9._%+\-]+(?:@|\s?\(at\)\s?|\s?\[at\]\s?)[\p{L}0-9.\-]+\.\p{L}{2,}`)

	// idPattern matches 10 or 12 digits written as one personal identity
	// number: YYMMDD-NNNN, YYYYMMDDNNNN, or digit pairs with spaces as a
	// speech engine may write them.
	idPattern = regexp.MustCompile(`\b(?:\d{2})?\d{6}\s?[-+]?\s?\d{4}\b|\b\d{2}(?: \d{2}){4,5}\b`)

	// phonePattern matches Swedish phone numbers: a leading 0 or +46 and
	// 7 to 10 more digits in groups.
	phonePattern = regexp.MustCompile(`(?:\+46\s?|\b0046\s?|\b0)\(?\d{1,3}\)?(?:[\s\-]?\d){5,8}\b`)

	// addressPattern matches a street name with a number, optionally
	// followed by a flat number, a postcode and a town. The street is one
	// word ending in a street word ("Storgatan 1") or a capitalized word
	// and a street word ("Norra vägen 5").
	addressPattern = regexp.MustCompile(`(?:\b\p{L}+` + streetWords + `|\b\p{Lu}\p{L}+\s` + streetWords + `)\s\d{1,4}(?:\s?[A-Za-z]\b)?(?:,?\s(?:lgh|lägenhet)\s?\d{4})?(?:,?\s\d{3}\s?\d{2}(?:\s\p{Lu}\p{L}+)?)?`)

	// postcodePattern matches a postcode with a town on its own.
	postcodePattern = regexp.MustCompile(`\b\d{3}\s\d{2}\s\p{Lu}\p{L}+`)
)

// Detect returns the identifying details in text, in text order and
// without overlaps.
func (d *Detector) Detect(text string) []Entity {
	var ents []Entity
	add := func(k Kind, start, end int) {
		ents = append(ents, Entity{Kind: k, Text: text[start:end], Start: start, End: end})
	}

	for _, loc := range emailPattern.FindAllStringIndex(text, -1) {
		add(Email, loc[0], loc[1])
	}
	for _, loc := range idPattern.FindAllStringIndex(text, -1) {
		if k, ok := classifyID(text[loc[0]:loc[1]]); ok {
			add(k, loc[0], loc[1])
		}
	}
	for _, loc := range phonePattern.FindAllStringIndex(text, -1) {
		if n := countDigits(text[loc[0]:loc[1]]); n >= 8 && n <= 13 {
			add(Phone, loc[0], loc[1])
		}
	}
	for _, loc := range addressPattern.FindAllStringIndex(text, -1) {
		add(Address, loc[0], loc[1])
	}
	for _, loc := range postcodePattern.FindAllStringIndex(text, -1) {
		add(Address, loc[0], loc[1])
	}
	ents = append(ents, d.persons(text)...)
	return resolve(ents)
}

// classifyID returns the kind of a number shaped like a personal identity
// number. A number whose date is possible but whose check digit is wrong is
// IDLike: a misheard digit must not let an identity number through.
func classifyID(s string) (Kind, bool) {
	digits := strings.Map(func(r rune) rune {
		if unicode.IsDigit(r) {
			return r
		}
		return -1
	}, s)
	if len(digits) != 10 && len(digits) != 12 {
		return 0, false
	}
	compact := digits[:len(digits)-4] + "-" + digits[len(digits)-4:]
	if strings.Contains(s, "+") {
		compact = digits[:len(digits)-4] + "+" + digits[len(digits)-4:]
	}

	p, err := personnummer.Parse(compact)
	if err == nil {
		if p.IsCoordinationNumber() {
			return Samordningsnummer, true
		}
		return Personnummer, true
	}
	if plausibleDate(digits[len(digits)-10 : len(digits)-4]) {
		return IDLike, true
	}
	return 0, false
}

// plausibleDate reports whether YYMMDD has a month of 01-12 and a day of
// 01-31, or 61-91 as in a coordination number.
func plausibleDate(yymmdd string) bool {
	month := int(yymmdd[2]-'0')*10 + int(yymmdd[3]-'0')
	day := int(yymmdd[4]-'0')*10 + int(yymmdd[5]-'0')
	if day > 60 {
		day -= 60
	}
	return month >= 1 && month <= 12 && day >= 1 && day <= 31
}

func countDigits(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsDigit(r) {
			n++
		}
	}
	return n
}

// nameCues are words after which a capitalized word is a person's name,
// even if the name list lacks it ("min kontaktperson Yrsa").
var nameCues = map[string]bool{
	"heter": true, "hette": true, "kallas": true, "mamma": true, "pappa": true, "mor": true, "far": true,
	"son": true, "sonen": true, "dotter": true, "dottern": true, "bror": true, "brodern": true,
	"syster": true, "systern": true, "sambo": true, "sambon": true, "man": true, "maken": true,
	"fru": true, "frun": true, "hustru": true, "partner": true, "pojkvän": true, "flickvän": true,
	"handläggare": true, "handläggaren": true, "socialsekreterare": true, "kontaktperson": true,
	"kontaktpersonen": true, "behandlare": true, "behandlaren": true, "mentor": true, "mentorn": true,
	"lärare": true, "läraren": true, "kurator": true, "kuratorn": true, "läkare": true, "läkaren": true,
	"mormor": true, "morfar": true, "farmor": true, "farfar": true, "kompis": true, "kompisen": true,
	"bästis": true, "herr": true, "barnet": true, "barnen": true, "lillebror": true,
	"lillasyster": true, "storebror": true, "storasyster": true, "grannen": true, "chefen": true,
	"boendestödjare": true, "namn": true, "namnet": true,
}

// introCues are words after which a name in the list counts as a name even
// in lower case.
var introCues = map[string]bool{"heter": true, "hette": true, "kallas": true}

// notNames are capitalized words that follow a name cue without being a
// name: pronouns, institutions and other words that start a clause.
var notNames = map[string]bool{
	"jag": true, "hon": true, "han": true, "vi": true, "de": true, "det": true, "den": true,
	"socialtjänsten": true, "skolan": true, "försäkringskassan": true, "arbetsförmedlingen": true,
	"kronofogden": true, "polisen": true, "sverige": true, "och": true, "men": true, "som": true,
}

// word is a word of a text with its byte range.
type word struct {
	text       string
	start, end int
}

func words(text string) []word {
	var out []word
	i := 0
	for i < len(text) {
		r, size := utf8.DecodeRuneInString(text[i:])
		if !unicode.IsLetter(r) {
			i += size
			continue
		}
		start := i
		for i < len(text) {
			r, size = utf8.DecodeRuneInString(text[i:])
			if !unicode.IsLetter(r) && r != '-' {
				break
			}
			i += size
		}
		out = append(out, word{text: strings.TrimRight(text[start:i], "-"), start: start, end: start + len(strings.TrimRight(text[start:i], "-"))})
	}
	return out
}

// genitiveBase returns the name without the genitive "s" when name is the
// genitive of a listed first name or surname ("Linneas", "Bergs") or of a
// name that m holds.
func (d *Detector) genitiveBase(name string, m *Mapping) (string, bool) {
	lower := strings.ToLower(name)
	base, ok := strings.CutSuffix(name, "s")
	if !ok || d.first[lower] || d.last[lower] || m.holdsPerson(name) {
		return "", false
	}
	lowerBase := strings.ToLower(base)
	if d.first[lowerBase] || d.last[lastWord(lowerBase)] || m.holdsPerson(base) {
		return base, true
	}
	return "", false
}

func lastWord(s string) string {
	fields := strings.Fields(s)
	if len(fields) == 0 {
		return ""
	}
	return fields[len(fields)-1]
}

// isAcronym reports whether a word is written in capitals only, like a
// group's or an authority's abbreviation ("ABC", "LSS"), which a name cue
// such as "heter" does not make a person's name.
func isAcronym(s string) bool {
	return utf8.RuneCountInString(s) > 1 && strings.ToUpper(s) == s
}

func capitalized(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.IsUpper(r)
}

// ambiguousNames are first names that are also common words ("Per" as in
// "per månad", "Bo" as in "bo kvar"). At the start of a sentence they count
// as names only when a surname follows.
var ambiguousNames = map[string]bool{"per": true, "bo": true, "maj": true, "siv": true, "vera": true, "bella": true}

// persons finds person names. These start a name:
//   - a capitalized word in the first-name list, or right after a name cue;
//   - a listed surname, or a word with a surname ending, after a title
//     ("doktor Lindqvist", "fru Sjöberg");
//   - a capitalized word followed by such a surname ("Kalle Karlsson");
//   - a capitalized genitive before a family word ("Kalles mamma");
//   - in lower case, a listed first name and a listed surname ("lisa andersson").
//
// The surnames, initials and hyphenated parts that follow the name are
// included ("Fatima Al-Hassan").
//
// NOTE: a name that is neither in the lists nor marked by context is
// missed ("Sen kom Omid hem"), so pseudonymized text can still contain
// rare names.
func (d *Detector) persons(text string) []Entity {
	ws := words(text)
	var ents []Entity
	for i := 0; i < len(ws); i++ {
		start, ok := d.startsName(text, ws, i)
		if !ok {
			continue
		}
		w := ws[i]
		end := w.end
		if start == genitiveStart {
			// An unlisted name known only from its genitive ("Kalles
			// mamma") is stored without the "s", as the name itself.
			ents = append(ents, Entity{Kind: Person, Text: w.text[:len(w.text)-1], Start: w.start, End: w.end - 1})
			continue
		}

		j := i + 1
		for j < len(ws) && j <= i+2 && d.adjacent(text, ws[j-1], ws[j]) && d.continuesName(text, w, ws[j]) {
			end = ws[j].end
			if isInitial(text, ws[j]) {
				end++ // the dot of "K."
			}
			j++
		}
		ents = append(ents, Entity{Kind: Person, Text: text[w.start:end], Start: w.start, End: end})
		i = j - 1
	}
	return ents
}

// nameStart is the kind of word that starts a person's name.
type nameStart int

const (
	plainStart    nameStart = iota
	genitiveStart           // an unlisted name in the genitive before a family word
)

// startsName reports whether ws[i] starts a person's name, and how.
func (d *Detector) startsName(text string, ws []word, i int) (nameStart, bool) {
	w := ws[i]
	lower := strings.ToLower(w.text)
	prev := ""
	if i > 0 && strings.TrimSpace(text[ws[i-1].end:w.start]) == "" {
		prev = strings.ToLower(ws[i-1].text)
	}
	var next *word
	if i+1 < len(ws) && d.adjacent(text, w, ws[i+1]) {
		next = &ws[i+1]
	}

	if !capitalized(w.text) {
		// Speech engines sometimes write names in lower case. A listed
		// first name counts after "heter" or before a listed surname.
		if !d.first[lower] {
			return plainStart, false
		}
		return plainStart, introCues[prev] || next != nil && !capitalized(next.text) && d.last[strings.ToLower(next.text)]
	}

	isFirst := d.isFirstName(lower)
	isCued := nameCues[prev] && !notNames[lower] && !isAcronym(w.text)
	isTitled := (titles[prev] || prev == "fru" || prev == "herr") && d.isSurname(w.text)
	isPair := next != nil && mayStartName(w.text) && capitalized(next.text) && d.isSurname(next.text)
	isGenitive := next != nil && kinWords[strings.ToLower(next.text)] && mayBeGenitiveName(w.text)
	switch {
	case isFirst && ambiguousNames[lower] && sentenceStart(text, w.start) && !(next != nil && d.isSurname(next.text)):
		return plainStart, false
	case isFirst || isCued || isTitled || isPair:
		return plainStart, true
	case isGenitive:
		return genitiveStart, true
	}
	return plainStart, false
}

// continuesName reports whether next, which directly follows a name that
// starts with first, is part of that name: a surname, first name, initial,
// hyphenated capitalized word or particle such as "Al".
func (d *Detector) continuesName(text string, first, next word) bool {
	lowerNext := strings.ToLower(next.text)
	if !capitalized(first.text) {
		return !capitalized(next.text) && d.last[lowerNext]
	}
	if !capitalized(next.text) || functionWords[lowerNext] || notNames[lowerNext] {
		return false
	}
	return d.isSurname(next.text) || d.first[lowerNext] || isInitial(text, next) || hyphenatedName(next.text) ||
		nameParticles[lowerNext]
}

// adjacent reports whether b follows a within one name: only spaces
// separate them, or the dot of an initial ("K. Svensson").
func (d *Detector) adjacent(text string, a, b word) bool {
	sep := strings.TrimSpace(text[a.end:b.start])
	return sep == "" || sep == "." && isInitial(text, a)
}

// isInitial reports whether w is one capital letter followed by a dot.
func isInitial(text string, w word) bool {
	return utf8.RuneCountInString(w.text) == 1 && w.end < len(text) && text[w.end] == '.'
}

// sentenceStart reports whether offset i starts a sentence.
func sentenceStart(text string, i int) bool {
	before := strings.TrimRight(text[:i], " \t\n\"“”")
	return before == "" || strings.HasSuffix(before, ".") || strings.HasSuffix(before, "?") || strings.HasSuffix(before, "!") || strings.HasSuffix(before, ":")
}

// IsName reports whether a word is a first name or surname in the lists,
// also in the genitive ("Linneas").
func (d *Detector) IsName(word string) bool {
	lower := strings.ToLower(word)
	base := strings.TrimSuffix(lower, "s")
	return d.first[lower] || d.last[lower] || (base != lower && (d.first[base] || d.last[base]))
}
