// Package extract searches held recordings for one person, for a register
// extract (registerutdrag) under the GDPR right of access. It returns every
// recording still held whose transcript mentions a given name or personal
// identity number, with the segments that mention it. Transcripts are
// opened in memory only, and every search is written to the access log
// before its result is returned.
package extract

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/personnummer/go/v3"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/store"
)

// Store is the part of *store.Store that a search reads.
type Store interface {
	Recordings(ctx context.Context) ([]store.Recording, error)
	Segments(ctx context.Context, rec string) ([]store.Segment, error)
}

var _ Store = (*store.Store)(nil)

// Log is the access log that records each search. *audit.Log implements it.
type Log interface {
	AppendBatch(ctx context.Context, entries []audit.Entry) ([]audit.Entry, error)
}

// Errors returned by Find.
var (
	// ErrInvalidQuery is returned for a query without a name or number, with both, or with a name of no letters.
	ErrInvalidQuery = errors.New("invalid register extract query")
	// ErrInvalidPersonalNumber is returned for a personal identity number that does not validate.
	ErrInvalidPersonalNumber = errors.New("invalid personal identity number")
)

// Query names the data subject: a name or a personal identity number
// (personnummer or samordningsnummer), in any common spelling.
type Query struct {
	Name           string
	PersonalNumber string
}

// Match is a held recording that mentions the data subject.
type Match struct {
	Recording store.Recording
	// Segments are the transcript segments that mention the subject.
	Segments []store.Segment
}

// Result is the outcome of a search.
type Result struct {
	Matches []Match
	// Searched counts the recordings whose transcripts were searched.
	Searched int
}

// Find searches the transcripts of every held recording for q on behalf of
// by. The Actor, Role, Device and Reason of by go into the access log, and
// a reason (such as the request's case number) is required. Find appends
// one register_extract entry per matching recording and one for the search.
// They record the kind of query and the counts, never the name or number.
// Find returns the result only after the entries are stored.
func Find(ctx context.Context, st Store, log Log, by audit.Entry, q Query) (Result, error) {
	if by.Reason == "" {
		return Result{}, fmt.Errorf("%w: missing reason, such as the request's case number", ErrInvalidQuery)
	}
	match, kind, err := matcher(q)
	if err != nil {
		return Result{}, err
	}

	recs, err := st.Recordings(ctx)
	if err != nil {
		return Result{}, fmt.Errorf("register extract: %w", err)
	}
	var res Result
	for _, rec := range recs {
		segs, err := st.Segments(ctx, rec.ID)
		if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
			continue // deleted since it was listed
		}
		if err != nil {
			return Result{}, fmt.Errorf("register extract: %w", err)
		}
		res.Searched++
		var hits []store.Segment
		for _, s := range segs {
			if match(s.Text) {
				hits = append(hits, s)
			}
		}
		if len(hits) > 0 {
			res.Matches = append(res.Matches, Match{Recording: rec, Segments: hits})
		}
	}

	if err := logSearch(ctx, log, by, kind, res); err != nil {
		return Result{}, err
	}
	return res, nil
}

func logSearch(ctx context.Context, log Log, by audit.Entry, kind string, res Result) error {
	by.Action = audit.ActionRegisterExtract
	by.Time = time.Time{}
	var entries []audit.Entry
	ids := make([]string, 0, len(res.Matches))
	for _, m := range res.Matches {
		e := by
		e.RecordingID, e.BoxID = m.Recording.ID, m.Recording.BoxID
		e.Detail = map[string]string{"query": kind, "segments": strconv.Itoa(len(m.Segments))}
		entries = append(entries, e)
		ids = append(ids, m.Recording.ID)
	}
	by.RecordingID, by.BoxID = "", ""
	by.Detail = map[string]string{
		"query":    kind,
		"searched": strconv.Itoa(res.Searched),
		"matches":  strconv.Itoa(len(res.Matches)),
	}
	entries = append(entries, by)

	if _, err := log.AppendBatch(ctx, entries); err != nil {
		return fmt.Errorf("register extract: logging the search (its result is withheld): %w", err)
	}
	return nil
}

// matcher returns a function that reports whether a transcript text
// mentions q, and the kind of query for the log.
func matcher(q Query) (func(string) bool, string, error) {
	name, number := strings.TrimSpace(q.Name), strings.TrimSpace(q.PersonalNumber)
	switch {
	case name != "" && number != "":
		return nil, "", fmt.Errorf("%w: give a name or a personal identity number, not both", ErrInvalidQuery)
	case number != "":
		m, err := numberMatcher(number)
		return m, "personal_number", err
	case name != "":
		words := splitWords(name)
		if len(words) == 0 {
			return nil, "", fmt.Errorf("%w: the name has no letters", ErrInvalidQuery)
		}
		return func(text string) bool { return containsWords(splitWords(text), words) }, "name", nil
	}
	return nil, "", fmt.Errorf("%w: missing name or personal identity number", ErrInvalidQuery)
}

// splitWords returns the lower-case words of s: runs of letters and digits.
func splitWords(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	})
}

// containsWords reports whether words occur in text as consecutive whole words.
func containsWords(text, words []string) bool {
	for i := 0; i+len(words) <= len(text); i++ {
		found := true
		for j, w := range words {
			if text[i+j] != w {
				found = false
				break
			}
		}
		if found {
			return true
		}
	}
	return false
}

// numberMatcher returns a function that finds the personal identity number
// in text in its common spellings: with or without century, with a hyphen,
// a plus or spaces between the digit groups ("19121212-1212",
// "121212-1212", "1212121212", "19 12 12 12 12 12").
func numberMatcher(number string) (func(string) bool, error) {
	p, err := personnummer.Parse(number)
	if err != nil {
		return nil, fmt.Errorf("%w: check the digits and the control digit", ErrInvalidPersonalNumber)
	}
	long, err := p.Format(true)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrInvalidPersonalNumber, err)
	}
	short := long[2:] // every spelling contains the ten digits without the century

	return func(text string) bool {
		// Contains rather than equality, because spaces also join the
		// number to a neighbouring one ("klockan 14 121212-1212").
		for _, run := range digitRuns(text) {
			if strings.Contains(run, short) {
				return true
			}
		}
		return false
	}, nil
}

// digitRuns returns the digits of each run of digits in text that may be
// split by single spaces, hyphens or plus signs between digits.
func digitRuns(text string) []string {
	var runs []string
	var cur strings.Builder
	rs := []rune(text)
	for i := 0; i < len(rs); i++ {
		r := rs[i]
		switch {
		case r >= '0' && r <= '9':
			cur.WriteRune(r)
			continue
		case (r == ' ' || r == '-' || r == '+') && cur.Len() > 0 && i+1 < len(rs) && rs[i+1] >= '0' && rs[i+1] <= '9':
			continue // a separator inside a number
		}
		if cur.Len() > 0 {
			runs = append(runs, cur.String())
			cur.Reset()
		}
	}
	if cur.Len() > 0 {
		runs = append(runs, cur.String())
	}
	return runs
}
