package ui

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Limits of a search.
const (
	maxQueryChars = 200 // longer queries are rejected
	maxSearchHits = 200 // hits shown; the rest are counted
	hitWindow     = 25  // words shown either side of the first match in a long row
)

// searchPage is the data of the search page.
type searchPage struct {
	Title      string
	Query      string
	Error      string
	Searched   bool
	Hits       []searchHit
	Total      int // hits found, of which Hits shows at most maxSearchHits
	Recordings int // recordings searched
}

// searchHit is one transcript row that matches the query.
type searchHit struct {
	URL     string // the recording page, at the row
	Start   string // when the recording started
	Room    string
	Clock   string // the row's offset into the recording
	Speaker string
	Parts   []hitPart
}

// hitPart is a run of a row's text, highlighted when it matches the query.
type hitPart struct {
	Text  string
	Match bool
}

// queryTerm is one word of the query. A row word matches it when their
// Swedish stems are equal or, for a term of three letters or more, when
// the row word starts with it, so "bostad" finds "bostadsbidrag".
type queryTerm struct {
	lower, stem string
}

func (q queryTerm) matches(t svtext.Token) bool {
	return t.Stem == q.stem || (utf8.RuneCountInString(q.lower) >= 3 && strings.HasPrefix(t.Lower, q.lower))
}

// serveSearch searches the transcripts of the signed-in person's own
// recordings. The index is built in memory for each request from the
// sealed segments and dropped with the response, so no plaintext index
// exists on disk or outlives the request.
func (h *handler) serveSearch(w http.ResponseWriter, r *http.Request) {
	page := searchPage{Title: "Sök i utskrifter"}
	raw, asked := r.URL.Query()["q"]
	if !asked {
		h.render(w, r, http.StatusOK, "search.html", page)
		return
	}

	query := strings.Join(strings.Fields(strings.Join(raw, " ")), " ")
	page.Query = query
	terms, errText := parseQuery(query)
	if errText != "" {
		page.Error = errText
		h.render(w, r, http.StatusBadRequest, "search.html", page)
		return
	}

	recs, err := h.searchableRecordings(r.Context())
	if err != nil {
		h.log.Error("list recordings for search failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	for _, rec := range recs {
		hits, err := h.searchRecording(r.Context(), rec, terms)
		if errors.Is(err, store.ErrDeleted) || errors.Is(err, store.ErrNotFound) {
			continue // deleted since Recordings returned
		}
		if err != nil {
			h.log.Error("search recording failed", "recording_id", rec.ID, "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
			return
		}
		page.Total += len(hits)
		if room := maxSearchHits - len(page.Hits); room > 0 {
			page.Hits = append(page.Hits, hits[:min(room, len(hits))]...)
		}
	}
	page.Searched = true
	page.Recordings = len(recs)

	detail := map[string]string{"hits": strconv.Itoa(page.Total), "recordings": strconv.Itoa(len(recs))}
	if !h.logAction(w, r, "search", "", detail) {
		return
	}
	h.render(w, r, http.StatusOK, "search.html", page)
}

// parseQuery returns the query's words, or a Swedish error text.
func parseQuery(query string) ([]queryTerm, string) {
	if utf8.RuneCountInString(query) > maxQueryChars {
		return nil, "Sökningen är för lång. Skriv högst " + strconv.Itoa(maxQueryChars) + " tecken."
	}
	var all, content []queryTerm
	for _, t := range svtext.Tokenize(query) {
		term := queryTerm{lower: t.Lower, stem: t.Stem}
		all = append(all, term)
		if !t.Stop {
			content = append(content, term)
		}
	}
	if len(all) == 0 {
		return nil, "Skriv minst ett ord att söka efter."
	}
	if len(content) == 0 {
		return all, "" // only stop words, such as "inte": search for them anyway
	}
	return content, ""
}

// searchableRecordings returns the recordings the signed-in person may
// search: their own. A manager's team recordings are left out, because
// reading them needs a reason per recording.
func (h *handler) searchableRecordings(ctx context.Context) ([]store.Recording, error) {
	recs, err := h.src.Recordings(ctx)
	if err != nil || h.auth == nil {
		return recs, err
	}
	acc, ok := AccountFromContext(ctx)
	if !ok {
		return nil, nil
	}
	ownerOf, err := h.recordingOwners(ctx)
	if err != nil {
		return nil, err
	}
	var own []store.Recording
	for _, rec := range recs {
		if owner, ok := ownerOf(rec); ok && owner == acc.ID {
			own = append(own, rec)
		}
	}
	return own, nil
}

// searchRecording returns the rows of rec whose text contains every term.
func (h *handler) searchRecording(ctx context.Context, rec store.Recording, terms []queryTerm) ([]searchHit, error) {
	segs, err := h.src.Segments(ctx, rec.ID)
	if err != nil || len(segs) == 0 {
		return nil, err
	}
	rows, _, _ := h.shownRows(ctx, rec.ID, segs)
	row := h.recordingRow(rec, nil)

	var hits []searchHit
	for _, sr := range rows {
		text := rowText(sr)
		parts, ok := highlight(text, terms)
		if !ok {
			continue
		}
		hits = append(hits, searchHit{
			URL:     row.URL + "#segment-" + strconv.FormatInt(sr.SegmentID, 10),
			Start:   row.Start,
			Room:    row.Room,
			Clock:   sr.Clock,
			Speaker: sr.Speaker,
			Parts:   parts,
		})
	}
	return hits, nil
}

// rowText returns the text of a transcript row.
func rowText(sr segmentRow) string {
	var b strings.Builder
	for _, p := range sr.Parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

// highlight splits text into runs with the words that match a term
// marked, and reports whether every term matched. A row of more than
// 2*hitWindow words is cut to hitWindow words either side of the first match.
func highlight(text string, terms []queryTerm) ([]hitPart, bool) {
	toks := svtext.Tokenize(text)
	found := make([]bool, len(terms))
	matched := make([]bool, len(toks))
	first := -1
	for i, t := range toks {
		for j, q := range terms {
			if q.matches(t) {
				found[j], matched[i] = true, true
			}
		}
		if matched[i] && first < 0 {
			first = i
		}
	}
	for _, f := range found {
		if !f {
			return nil, false
		}
	}

	from, to := 0, len(text)
	lo, hi := 0, len(toks)
	if len(toks) > 2*hitWindow {
		lo, hi = max(0, first-hitWindow), min(len(toks), first+hitWindow+1)
		from, to = toks[lo].Start, toks[hi-1].End
	}

	var parts []hitPart
	if from > 0 {
		parts = append(parts, hitPart{Text: "… "})
	}
	last := from
	for i := lo; i < hi; i++ {
		if !matched[i] {
			continue
		}
		if toks[i].Start > last {
			parts = append(parts, hitPart{Text: text[last:toks[i].Start]})
		}
		parts = append(parts, hitPart{Text: text[toks[i].Start:toks[i].End], Match: true})
		last = toks[i].End
	}
	if to > last {
		parts = append(parts, hitPart{Text: text[last:to]})
	}
	if to < len(text) {
		parts = append(parts, hitPart{Text: " …"})
	}
	return parts, true
}
