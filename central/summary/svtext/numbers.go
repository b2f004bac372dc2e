package svtext

import (
	"strconv"
	"strings"
)

// numberWords are Swedish cardinal and ordinal number words with their
// values. "en" and "ett" are left out because they are mostly articles.
var numberWords = map[string]int{
	"noll": 0, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9,
	"tio": 10, "elva": 11, "tolv": 12, "tretton": 13, "fjorton": 14, "femton": 15, "sexton": 16,
	"sjutton": 17, "arton": 18, "nitton": 19, "tjugo": 20, "trettio": 30, "fyrtio": 40,
	"femtio": 50, "sextio": 60, "sjuttio": 70, "åttio": 80, "nittio": 90, "hundra": 100,
	"tusen": 1000, "första": 1, "tredje": 3, "fjärde": 4, "femte": 5, "sjätte": 6,
	"sjunde": 7, "åttonde": 8, "nionde": 9, "tionde": 10, "elfte": 11, "tolfte": 12,
	"trettonde": 13, "fjortonde": 14, "femtonde": 15, "sextonde": 16, "sjuttonde": 17,
	"artonde": 18, "nittonde": 19, "tjugonde": 20, "trettionde": 30,
	"båda": 2, "bägge": 2,
}

// tens and units make compound number words such as "åttiofyra".
var (
	tens  = []string{"tjugo", "trettio", "fyrtio", "femtio", "sextio", "sjuttio", "åttio", "nittio"}
	units = map[string]int{"en": 1, "ett": 1, "två": 2, "tre": 3, "fyra": 4, "fem": 5, "sex": 6, "sju": 7, "åtta": 8, "nio": 9}
)

// numberWord returns the value of a Swedish number word, "åttiofyra" and
// "tjugoett" included.
func numberWord(lower string) (int, bool) {
	if v, ok := numberWords[lower]; ok {
		return v, true
	}
	for i, t := range tens {
		rest, ok := strings.CutPrefix(lower, t)
		if !ok {
			continue
		}
		if u, ok := units[rest]; ok {
			return (i+2)*10 + u, true
		}
	}
	return 0, false
}

// Numbers returns the numbers in s, normalized so that the same quantity
// written differently compares equal. Digits lose their thousands
// separators ("18 000" and "18000" give "18000"), times get a colon
// ("14.30" gives "14:30"), and number words become digits ("tre" gives
// "3", "femtonde" gives "15", "åttiofyra" gives "84"). The words "en", "ett", "andra" and "par"
// are left out, because they are mostly articles or mean "other" and
// "couple".
func Numbers(s string) []string {
	toks := Tokenize(s)
	var out []string
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !t.Number {
			if v, ok := numberWord(t.Lower); ok {
				out = append(out, strconv.Itoa(v))
			}
			continue
		}

		value := t.Text
		// Join thousands groups written with a space: "18 000", "1 250 000".
		for i+1 < len(toks) && toks[i+1].Number && len(toks[i+1].Text) == 3 &&
			isDigits(toks[i+1].Text) && isDigits(value) && len(value) <= 3 &&
			strings.TrimSpace(s[t.End:toks[i+1].Start]) == "" {
			value += toks[i+1].Text
			t = toks[i+1]
			i++
		}
		out = append(out, normalizeNumber(value))
	}
	return out
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// normalizeNumber writes a time "14.30" as "14:30" and leaves other
// numbers as they are.
func normalizeNumber(s string) string {
	if h, m, ok := strings.Cut(s, "."); ok && len(m) == 2 && len(h) <= 2 && isDigits(h) && isDigits(m) {
		if hour, _ := strconv.Atoi(h); hour < 24 {
			return h + ":" + m
		}
	}
	return s
}

// calendarWords are month and weekday names, with the common
// abbreviations, mapped to one form.
var calendarWords = map[string]string{
	"januari": "januari", "jan": "januari", "februari": "februari", "feb": "februari",
	"mars": "mars", "april": "april", "maj": "maj", "juni": "juni", "juli": "juli",
	"augusti": "augusti", "aug": "augusti", "september": "september", "sept": "september",
	"oktober": "oktober", "okt": "oktober", "november": "november", "nov": "november",
	"december": "december", "dec": "december",
	"måndag": "måndag", "måndagen": "måndag", "tisdag": "tisdag", "tisdagen": "tisdag",
	"onsdag": "onsdag", "onsdagen": "onsdag", "torsdag": "torsdag", "torsdagen": "torsdag",
	"fredag": "fredag", "fredagen": "fredag", "lördag": "lördag", "lördagen": "lördag",
	"söndag": "söndag", "söndagen": "söndag", "måndags": "måndag", "tisdags": "tisdag",
	"onsdags": "onsdag", "torsdags": "torsdag", "fredags": "fredag", "lördags": "lördag",
	"söndags": "söndag", "imorgon": "imorgon", "idag": "idag", "igår": "igår",
	"jul": "jul", "påsk": "påsk", "midsommar": "midsommar", "sommarlovet": "sommarlovet",
	"höstlovet": "höstlovet", "sportlovet": "sportlovet",
}

// CalendarWords returns the month names, weekdays and named days in s, in
// one form each ("tisdagen" and "tisdag" both give "tisdag").
func CalendarWords(s string) []string {
	var out []string
	for _, t := range Tokenize(s) {
		if w, ok := calendarWords[t.Lower]; ok {
			out = append(out, w)
		}
	}
	return out
}

// HasDate reports whether s names a date or a time: a month, a weekday, a
// clock time or a date written with digits.
func HasDate(s string) bool {
	if len(CalendarWords(s)) > 0 {
		return true
	}
	toks := Tokenize(s)
	for i, t := range toks {
		if !t.Number {
			continue
		}
		if strings.Count(t.Text, "-") == 2 || strings.Contains(t.Text, ":") || strings.Count(t.Text, "/") == 1 {
			return true
		}
		if i > 0 && (toks[i-1].Lower == "kl" || toks[i-1].Lower == "klockan" || toks[i-1].Lower == "vecka") {
			return true
		}
		if normalizeNumber(t.Text) != t.Text {
			return true
		}
	}
	return false
}
