package ui

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/audit/extract"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
)

// Paths of the register extract.
const (
	pathExtract       = "/registerutdrag"
	pathExtractExport = "/registerutdrag/export"
)

// Values of the register extract form's field "typ".
const (
	extractByName   = "namn"
	extractByNumber = "personnummer"
)

// extractForm is the register extract form as the person typed it.
type extractForm struct {
	Kind   string // extractByName or extractByNumber
	Value  string
	Reason string
}

type extractRow struct {
	ID       string
	Box      string
	Started  string
	WipeAt   string // empty without a wipe schedule
	Mentions int
	// Link is the recording page, set for a caseworker's own recordings.
	Link string
}

type extractPage struct {
	Title string
	CSRF  string
	Form  extractForm
	Error string
	// Done is set after a search, so an empty result shows as one.
	Done     bool
	Searched int
	Rows     []extractRow
}

func (h *auditor) serveExtractForm(w http.ResponseWriter, r *http.Request) {
	h.renderExtract(w, r, http.StatusOK, extractPage{Form: extractForm{Kind: extractByNumber}})
}

func (h *auditor) renderExtract(w http.ResponseWriter, r *http.Request, status int, page extractPage) {
	page.Title = "Registerutdrag"
	page.CSRF = CSRFTokenFromContext(r.Context())
	h.renderAuth(w, r, status, "extract.html", page)
}

// serveExtract searches the held recordings and lists those that mention
// the person. extract.Find logs the search before it returns.
func (h *auditor) serveExtract(w http.ResponseWriter, r *http.Request) {
	form, res, ok := h.runExtract(w, r)
	if !ok {
		return
	}
	page := extractPage{Form: form, Done: true, Searched: res.Searched}
	acc, _ := AccountFromContext(r.Context())
	for _, m := range res.Matches {
		row := extractRow{
			ID: m.Recording.ID, Box: m.Recording.BoxID,
			Started:  formatDateTime(recordingStart(m.Recording), h.now(), h.loc),
			Mentions: len(m.Segments),
		}
		if h.wipeTime != nil {
			row.WipeAt = formatDateTime(h.wipeTime(m.Recording), h.now(), h.loc)
		}
		if acc.Role == auth.RoleCaseworker {
			row.Link = "/recordings/" + m.Recording.ID
		}
		page.Rows = append(page.Rows, row)
	}
	h.renderExtract(w, r, http.StatusOK, page)
}

// extractExport is the JSON download of a register extract. Its field
// names are Swedish because the file goes to the data subject.
type extractExport struct {
	Created    time.Time                `json:"skapad"`
	Query      string                   `json:"sokning"` // "namn" or "personnummer", never the value
	Searched   int                      `json:"genomsokta_inspelningar"`
	Recordings []extractExportRecording `json:"inspelningar"`
}

type extractExportRecording struct {
	ID       string                 `json:"id"`
	Box      string                 `json:"box"`
	Started  time.Time              `json:"borjade"`
	Ended    *time.Time             `json:"slutade,omitempty"`
	WipeAt   *time.Time             `json:"gallras,omitempty"`
	Segments []extractExportSegment `json:"avsnitt"`
}

type extractExportSegment struct {
	Start float64 `json:"start_sekunder"`
	End   float64 `json:"slut_sekunder"`
	Text  string  `json:"text"`
}

// serveExtractExport sends what is held about the person as a JSON
// download: each recording that mentions them with the segments that do.
// It searches again, so the export has its own access-log entries.
func (h *auditor) serveExtractExport(w http.ResponseWriter, r *http.Request) {
	form, res, ok := h.runExtract(w, r)
	if !ok {
		return
	}
	out := extractExport{Created: h.now().In(h.loc), Query: form.Kind, Searched: res.Searched, Recordings: []extractExportRecording{}}
	for _, m := range res.Matches {
		rec := extractExportRecording{ID: m.Recording.ID, Box: m.Recording.BoxID, Started: recordingStart(m.Recording).In(h.loc)}
		if !m.Recording.EndedAt.IsZero() {
			ended := m.Recording.EndedAt.In(h.loc)
			rec.Ended = &ended
		}
		if h.wipeTime != nil {
			wipe := h.wipeTime(m.Recording).In(h.loc)
			rec.WipeAt = &wipe
		}
		for _, s := range m.Segments {
			rec.Segments = append(rec.Segments, extractExportSegment{Start: s.Start.Seconds(), End: s.End.Seconds(), Text: s.Text})
		}
		out.Recordings = append(out.Recordings, rec)
	}

	body, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		h.log.Error("encode register extract failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	name := fmt.Sprintf("registerutdrag-%s.json", h.now().In(h.loc).Format("20060102-150405"))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(http.StatusOK)
	w.Write(body)
}

// runExtract reads and checks the form and runs the search. When the form
// is wrong or the search fails, it writes the response and returns false.
func (h *auditor) runExtract(w http.ResponseWriter, r *http.Request) (extractForm, extract.Result, bool) {
	if !h.parseAuthForm(w, r) {
		return extractForm{}, extract.Result{}, false
	}
	ctx := r.Context()
	form := extractForm{
		Kind:   r.PostForm.Get("typ"),
		Value:  strings.TrimSpace(r.PostForm.Get("varde")),
		Reason: strings.Join(strings.Fields(r.PostForm.Get("skal")), " "),
	}
	fail := func(text string) (extractForm, extract.Result, bool) {
		h.renderExtract(w, r, http.StatusBadRequest, extractPage{Form: form, Error: text})
		return form, extract.Result{}, false
	}

	var q extract.Query
	switch form.Kind {
	case extractByName:
		q.Name = form.Value
	case extractByNumber:
		q.PersonalNumber = form.Value
	default:
		form.Kind = extractByNumber
		return fail("Välj om du söker på namn eller personnummer.")
	}
	switch {
	case form.Value == "" && form.Kind == extractByName:
		return fail("Skriv namnet du söker efter.")
	case form.Value == "":
		return fail("Skriv personnumret du söker efter, till exempel 19121212-1212.")
	case utf8.RuneCountInString(form.Value) > 100:
		return fail("Sökordet är för långt. Skriv högst 100 tecken.")
	case form.Kind == extractByName && strings.IndexFunc(form.Value, unicode.IsLetter) < 0:
		return fail("Skriv ett namn med minst en bokstav.")
	}
	if text := checkExtractReason(form.Reason); text != "" {
		return fail(text)
	}

	acc, _ := AccountFromContext(ctx)
	by := audit.Entry{Actor: acc.ID, Role: auditRole(acc.Role), Device: "web", Reason: form.Reason}
	src := extract.Store(h.src)
	if acc.Role == auth.RoleCaseworker {
		src = ownRecordings{h: h.handler, src: h.src}
	}
	res, err := extract.Find(ctx, src, h.auditLog, by, q)
	switch {
	case errors.Is(err, extract.ErrInvalidPersonalNumber):
		return fail("Personnumret är inte giltigt. Skriv det som ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN och kontrollera siffrorna, särskilt den sista.")
	case errors.Is(err, extract.ErrInvalidQuery) && form.Kind == extractByName:
		return fail("Skriv ett namn med minst en bokstav.")
	case err != nil:
		h.log.Error("register extract failed", "account_id", acc.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return form, extract.Result{}, false
	}
	h.log.Info("register extract", "account_id", acc.ID, "query", form.Kind, "searched", res.Searched, "matches", len(res.Matches))
	return form, res, true
}

// checkExtractReason returns a Swedish error text for a reason that is
// missing or cannot go into the access log, or "".
func checkExtractReason(reason string) string {
	switch {
	case utf8.RuneCountInString(reason) < minReasonLen:
		return fmt.Sprintf("Skriv skälet till registerutdraget, till exempel ärendets diarienummer, med minst %d tecken.", minReasonLen)
	case utf8.RuneCountInString(reason) > maxReasonChars || len(reason) > audit.MaxReasonLen || !utf8.ValidString(reason):
		return fmt.Sprintf("Skälet är för långt. Skriv det kortare, med högst %d tecken.", maxReasonChars)
	case strings.IndexFunc(reason, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0:
		return "Skälet innehåller tecken som inte kan sparas. Skriv det med vanliga bokstäver och siffror."
	}
	return ""
}

// recordingStart returns when the client consented, or when the service
// first heard of the recording if the consent time is unknown.
func recordingStart(rec store.Recording) time.Time {
	if !rec.ConsentAt.IsZero() {
		return rec.ConsentAt
	}
	return rec.FirstSeen
}

// ownRecordings limits a caseworker's register extract to the recordings
// the recording list shows them: their own.
type ownRecordings struct {
	h   *handler
	src Source
}

func (o ownRecordings) Recordings(ctx context.Context) ([]store.Recording, error) {
	recs, err := o.src.Recordings(ctx)
	if err != nil {
		return nil, err
	}
	return o.h.visibleRecordings(ctx, recs)
}

func (o ownRecordings) Segments(ctx context.Context, rec string) ([]store.Segment, error) {
	return o.src.Segments(ctx, rec)
}
