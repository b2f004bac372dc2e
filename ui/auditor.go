package ui

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
)

// AuditLog is the access log behind the auditor's pages and the register
// extract. *audit.Log implements it.
type AuditLog interface {
	Query(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
	// Export writes the entries that match f and appends an audit_export entry for actor.
	Export(ctx context.Context, actor audit.Entry, f audit.Filter, format audit.Format, w io.Writer) (int, error)
	WeeklyReport(ctx context.Context, day time.Time, opts *audit.ReportOptions) (audit.Report, error)
	AppendBatch(ctx context.Context, entries []audit.Entry) ([]audit.Entry, error)
}

var _ AuditLog = (*audit.Log)(nil)

// Paths of the auditor's pages.
const (
	pathAuditLog    = "/granskning"
	pathAuditExport = "/granskning/export"
	pathAuditWeek   = "/granskning/vecka"
)

// auditPageSize is the number of entries on one page of the access log.
const auditPageSize = 100

// auditorPageNames are the templates of the auditor's pages and the
// register extract, each parsed with the shared layout.
var auditorPageNames = []string{"auditorlog.html", "auditorweek.html", "extract.html"}

// auditor serves the auditor's pages and the register extract. It needs
// sign-in, so it exists only when Options.Auth is set.
type auditor struct {
	*handler
	auditLog AuditLog
}

// registerAuditor registers the access-log pages for auditors and the
// register extract for caseworkers and auditors. Without log it registers
// nothing. None of the routes reads a recording's content without writing
// its own entry: the log pages read entries, the export and the extract
// append theirs, so all are routeOther.
// It is called by New after the sign-in pages exist.
func (h *handler) registerAuditor(log AuditLog) error {
	if log == nil || h.auth == nil {
		return nil
	}
	for _, name := range auditorPageNames {
		t, err := template.New(name).ParseFS(templateFiles, "templates/layout.html", "templates/"+name)
		if err != nil {
			return fmt.Errorf("ui: parse template %s: %w", name, err)
		}
		h.auth.pages[name] = t
	}

	a := &auditor{handler: h, auditLog: log}
	h.hasAuditor = true
	onlyAuditor := RequireRole(auth.RoleAuditor)
	h.handle("GET "+pathAuditLog, routeOther, onlyAuditor(http.HandlerFunc(a.serveAuditLog)))
	h.handle("POST "+pathAuditExport, routeOther, onlyAuditor(http.HandlerFunc(a.serveAuditExport)))
	h.handle("GET "+pathAuditWeek, routeOther, onlyAuditor(http.HandlerFunc(a.serveAuditWeek)))

	extractRole := RequireRole(auth.RoleCaseworker, auth.RoleAuditor)
	h.handle("GET "+pathExtract, routeOther, extractRole(http.HandlerFunc(a.serveExtractForm)))
	h.handle("POST "+pathExtract, routeOther, extractRole(http.HandlerFunc(a.serveExtract)))
	h.handle("POST "+pathExtractExport, routeOther, extractRole(http.HandlerFunc(a.serveExtractExport)))
	return nil
}

// actionNames are the Swedish names of the access-log actions.
var actionNames = map[audit.Action]string{
	audit.ActionRead:            "Läste inspelning",
	audit.ActionEdit:            "Ändrade utskrift",
	audit.ActionCopy:            "Kopierade",
	audit.ActionExport:          "Exporterade",
	audit.ActionSearch:          "Sökte i utskrifter",
	audit.ActionDelete:          "Gallrade inspelning",
	audit.ActionWithdraw:        "Samtycke återkallat",
	audit.ActionWipe:            "Schemalagd gallring",
	audit.ActionRegisterExtract: "Registerutdrag",
	audit.ActionLogin:           "Inloggning",
	audit.ActionLoginFailed:     "Misslyckad inloggning",
	audit.ActionLogout:          "Utloggning",
	audit.ActionAdmin:           "Administration av konton",
	audit.ActionBoxCommand:      "Kommando till box",
	audit.ActionAuditExport:     "Export av åtkomstloggen",
	audit.ActionAuditPrune:      "Gallring av åtkomstloggen",
}

// roleNames are the Swedish names of the access-log roles.
var roleNames = map[audit.Role]string{
	audit.RoleCaseworker: "handläggare",
	audit.RoleManager:    "närmsta chef",
	audit.RoleAuditor:    "granskare",
	audit.RoleIT:         "IT-administratör",
	audit.RoleClient:     "klient",
	audit.RoleBox:        "box",
	audit.RoleSystem:     "systemet",
	audit.RoleUnknown:    "okänt användarnamn",
}

func actionName(a audit.Action) string {
	if s, ok := actionNames[a]; ok {
		return s
	}
	return string(a)
}

func roleName(r audit.Role) string {
	if s, ok := roleNames[r]; ok {
		return s
	}
	return string(r)
}

// auditRole returns the access-log role of an account's role.
func auditRole(r auth.Role) audit.Role {
	switch r {
	case auth.RoleCaseworker:
		return audit.RoleCaseworker
	case auth.RoleManager:
		return audit.RoleManager
	case auth.RoleAuditor:
		return audit.RoleAuditor
	}
	return audit.RoleIT
}

// auditFilterForm is the filter form's fields as the auditor typed them.
type auditFilterForm struct {
	Person, Recording, Box, Action, From, To string
}

// values returns the form as query parameters, for links and the export form.
func (f auditFilterForm) values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"person": f.Person, "inspelning": f.Recording, "box": f.Box, "handling": f.Action, "fran": f.From, "till": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

func readFilterForm(v url.Values) auditFilterForm {
	get := func(k string) string {
		s := strings.TrimSpace(v.Get(k))
		if len(s) > audit.MaxIDLen {
			s = s[:audit.MaxIDLen]
		}
		return s
	}
	return auditFilterForm{Person: get("person"), Recording: get("inspelning"), Box: get("box"), Action: get("handling"), From: get("fran"), To: get("till")}
}

// dateLayout is the format of the date fields, the one input type=date sends.
const dateLayout = "2006-01-02"

// filter turns the form into an audit.Filter, or returns a Swedish error
// text. A person is an account id or a user name. To is a whole day, so
// it ends at the next midnight.
func (h *handler) filter(ctx context.Context, f auditFilterForm) (audit.Filter, string) {
	var out audit.Filter
	if f.Person != "" {
		actor, err := h.actorID(ctx, f.Person)
		if err != nil {
			h.log.Error("list accounts failed", "error", err)
			return out, "Kontona kunde inte läsas. Försök igen om en stund."
		}
		out.Actor = actor
	}
	out.RecordingID, out.BoxID = f.Recording, f.Box
	if f.Action != "" {
		if _, ok := actionNames[audit.Action(f.Action)]; !ok {
			return out, "Okänd händelse. Välj en händelse i listan."
		}
		out.Actions = []audit.Action{audit.Action(f.Action)}
	}

	var err error
	if f.From != "" {
		if out.From, err = time.ParseInLocation(dateLayout, f.From, h.loc); err != nil {
			return out, "Skriv datumet Från som ÅÅÅÅ-MM-DD, till exempel 2026-12-04."
		}
	}
	if f.To != "" {
		to, err := time.ParseInLocation(dateLayout, f.To, h.loc)
		if err != nil {
			return out, "Skriv datumet Till som ÅÅÅÅ-MM-DD, till exempel 2026-12-04."
		}
		out.To = time.Date(to.Year(), to.Month(), to.Day()+1, 0, 0, 0, 0, h.loc)
	}
	if !out.From.IsZero() && !out.To.IsZero() && !out.From.Before(out.To) {
		return out, "Datumet Från ligger efter datumet Till. Byt plats på dem."
	}
	return out, ""
}

// actorID returns the account id of a user name, or person itself when
// no account has that user name, such as an account id, a box id or "schedule".
func (h *handler) actorID(ctx context.Context, person string) (string, error) {
	accs, err := h.auth.dir.ListAccounts(ctx)
	if err != nil {
		return "", err
	}
	for _, a := range accs {
		if strings.EqualFold(a.UserName, person) {
			return a.ID, nil
		}
	}
	return person, nil
}

// auditRow is one entry in the access-log table.
type auditRow struct {
	Seq       uint64
	Time      string
	Who       string
	Role      string
	Action    string
	Recording string
	Box       string
	Device    string
	Reason    string
	Detail    string
}

type optionView struct {
	Value, Label string
	Selected     bool
}

type auditLogPage struct {
	Title   string
	CSRF    string
	Form    auditFilterForm
	Actions []optionView
	Error   string
	Rows    []auditRow
	// NextURL links the next page, empty on the last.
	NextURL string
	// FirstURL links the first page, empty on it.
	FirstURL string
}

func (h *auditor) serveAuditLog(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	q := r.URL.Query()
	form := readFilterForm(q)
	if len(q) == 0 {
		// The first visit shows the last seven days.
		form.From = h.now().In(h.loc).AddDate(0, 0, -7).Format(dateLayout)
	}
	page := auditLogPage{Title: "Åtkomstlogg", CSRF: CSRFTokenFromContext(ctx), Form: form, Actions: actionOptions(form.Action)}

	f, errText := h.filter(ctx, form)
	if errText != "" {
		page.Error = errText
		h.renderAuth(w, r, http.StatusBadRequest, "auditorlog.html", page)
		return
	}
	after, _ := strconv.ParseUint(q.Get("efter"), 10, 64)
	afterTime, _ := strconv.ParseInt(q.Get("efter_tid"), 10, 64)
	entries, more, err := h.auditPage(ctx, f, after, afterTime)
	if err != nil {
		h.log.Error("query audit log failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	names, err := h.accountNames(ctx)
	if err != nil {
		h.log.Error("list accounts failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	for _, e := range entries {
		page.Rows = append(page.Rows, h.auditRow(e, names))
	}
	if more {
		last := entries[len(entries)-1]
		v := form.values()
		v.Set("efter", strconv.FormatUint(last.Seq, 10))
		v.Set("efter_tid", strconv.FormatInt(last.Time.UnixNano(), 10))
		page.NextURL = pathAuditLog + "?" + v.Encode()
	}
	if after > 0 {
		page.FirstURL = pathAuditLog + "?" + form.values().Encode()
	}
	h.renderAuth(w, r, http.StatusOK, "auditorlog.html", page)
}

// auditPage returns up to auditPageSize entries that match f after the
// entry with seq after and time afterTime (Unix nanoseconds), and whether
// more follow. The filter has no seq bound, so the page starts at
// afterTime and drops the entries of that time up to after.
// NOTE: this assumes entry times grow with seq, which holds while the
// service's clock does not step back.
func (h *auditor) auditPage(ctx context.Context, f audit.Filter, after uint64, afterTime int64) ([]audit.Entry, bool, error) {
	if after > 0 {
		if t := time.Unix(0, afterTime); t.After(f.From) {
			f.From = t
		}
	}
	for limit := auditPageSize + 1; ; limit *= 2 {
		f.Limit = limit
		entries, err := h.auditLog.Query(ctx, f)
		if err != nil {
			return nil, false, err
		}
		full := len(entries) == limit
		entries = slices.DeleteFunc(entries, func(e audit.Entry) bool { return e.Seq <= after })
		if len(entries) > auditPageSize {
			return entries[:auditPageSize], true, nil
		}
		if !full {
			return entries, false, nil
		}
	}
}

func actionOptions(selected string) []optionView {
	opts := []optionView{{Value: "", Label: "Alla händelser", Selected: selected == ""}}
	for _, a := range audit.Actions() {
		opts = append(opts, optionView{Value: string(a), Label: actionName(a), Selected: string(a) == selected})
	}
	return opts
}

// accountNames maps account ids to "Display Name (user name)".
func (h *handler) accountNames(ctx context.Context) (map[string]string, error) {
	accs, err := h.auth.dir.ListAccounts(ctx)
	if err != nil {
		return nil, err
	}
	names := make(map[string]string, len(accs))
	for _, a := range accs {
		names[a.ID] = fmt.Sprintf("%s (%s)", a.DisplayName, a.UserName)
	}
	return names, nil
}

func (h *handler) auditRow(e audit.Entry, names map[string]string) auditRow {
	who := e.Actor
	switch {
	case names[e.Actor] != "":
		who = names[e.Actor]
	case e.Actor == "schedule":
		who = "Schemat"
	case e.Role == audit.RoleUnknown:
		who = "Okänd"
	}
	keys := make([]string, 0, len(e.Detail))
	for k := range e.Detail {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	var detail []string
	for _, k := range keys {
		detail = append(detail, k+"="+e.Detail[k])
	}
	return auditRow{
		Seq:       e.Seq,
		Time:      e.Time.In(h.loc).Format("2006-01-02 15:04:05"),
		Who:       who,
		Role:      roleName(e.Role),
		Action:    actionName(e.Action),
		Recording: e.RecordingID,
		Box:       e.BoxID,
		Device:    e.Device,
		Reason:    e.Reason,
		Detail:    strings.Join(detail, " "),
	}
}

// serveAuditExport sends the entries that match the filter as a CSV or
// JSON download. audit.Log.Export logs the export itself, and the file is
// sent only after that entry is stored.
// NOTE: the export is built in memory, so a filter that matches millions
// of entries needs as many times a few hundred bytes of memory.
func (h *auditor) serveAuditExport(w http.ResponseWriter, r *http.Request) {
	if !h.parseAuthForm(w, r) {
		return
	}
	ctx := r.Context()
	form := readFilterForm(r.PostForm)
	format := audit.Format(r.PostForm.Get("format"))
	if format != audit.FormatCSV && format != audit.FormatJSON {
		h.renderAuth(w, r, http.StatusBadRequest, "auditorlog.html", auditLogPage{
			Title: "Åtkomstlogg", CSRF: CSRFTokenFromContext(ctx), Form: form, Actions: actionOptions(form.Action),
			Error: "Välj CSV eller JSON för exporten.",
		})
		return
	}
	f, errText := h.filter(ctx, form)
	if errText != "" {
		h.renderAuth(w, r, http.StatusBadRequest, "auditorlog.html", auditLogPage{
			Title: "Åtkomstlogg", CSRF: CSRFTokenFromContext(ctx), Form: form, Actions: actionOptions(form.Action), Error: errText,
		})
		return
	}

	acc, _ := AccountFromContext(ctx)
	var buf bytes.Buffer
	n, err := h.auditLog.Export(ctx, audit.Entry{Actor: acc.ID, Role: auditRole(acc.Role), Device: "web"}, f, format, &buf)
	if err != nil {
		h.log.Error("export audit log failed", "account_id", acc.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	h.log.Info("audit log exported", "account_id", acc.ID, "format", string(format), "entries", n)

	contentType := "text/csv; charset=utf-8"
	if format == audit.FormatJSON {
		contentType = "application/json"
	}
	name := fmt.Sprintf("atkomstlogg-%s.%s", h.now().In(h.loc).Format("20060102-150405"), format)
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// findingNames are the Swedish names of the weekly report's findings.
var findingNames = map[audit.FindingKind]string{
	audit.FindingManagerMany:    "Chef har öppnat många inspelningar",
	audit.FindingOutsideHours:   "Åtkomst utanför arbetstid",
	audit.FindingFailedSignIns:  "Upprepade misslyckade inloggningar",
	audit.FindingCopyNotDeleted: "Kopia utan senare gallring",
}

type findingRow struct {
	Kind      string
	Who       string
	Role      string
	Recording string
	Count     int
	First     string
	Last      string
	// LogURL links the access log filtered to the finding's person and days.
	LogURL string
}

type auditWeekPage struct {
	Title    string
	Week     string // ISO week as input type=week sends it, "2026-W49"
	Heading  string
	Error    string
	Findings []findingRow
	PrevURL  string
	NextURL  string
}

func (h *auditor) serveAuditWeek(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	day := h.now().In(h.loc)
	if v := r.URL.Query().Get("vecka"); v != "" {
		monday, ok := parseISOWeek(v, h.loc)
		if !ok {
			year, week := day.ISOWeek()
			h.renderAuth(w, r, http.StatusBadRequest, "auditorweek.html", auditWeekPage{
				Title: "Veckouppföljning", Week: fmt.Sprintf("%04d-W%02d", year, week),
				Error: "Välj en vecka, till exempel 2026-W49 för vecka 49 år 2026.",
			})
			return
		}
		day = monday
	}

	rep, err := h.auditLog.WeeklyReport(ctx, day, &audit.ReportOptions{Location: h.loc})
	if err != nil {
		h.log.Error("weekly audit report failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	names, err := h.accountNames(ctx)
	if err != nil {
		h.log.Error("list accounts failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	year, week := rep.From.In(h.loc).ISOWeek()
	lastDay := rep.To.In(h.loc).AddDate(0, 0, -1)
	page := auditWeekPage{
		Title: "Veckouppföljning",
		Week:  fmt.Sprintf("%04d-W%02d", year, week),
		Heading: fmt.Sprintf("Vecka %d, %d (%s – %s)", week, year,
			rep.From.In(h.loc).Format(dateLayout), lastDay.Format(dateLayout)),
	}
	py, pw := rep.From.In(h.loc).AddDate(0, 0, -7).ISOWeek()
	ny, nw := rep.To.In(h.loc).ISOWeek()
	page.PrevURL = fmt.Sprintf("%s?vecka=%04d-W%02d", pathAuditWeek, py, pw)
	page.NextURL = fmt.Sprintf("%s?vecka=%04d-W%02d", pathAuditWeek, ny, nw)

	for _, f := range rep.Findings {
		who := f.Actor
		if n := names[f.Actor]; n != "" {
			who = n
		} else if f.Role == audit.RoleUnknown {
			who = "Okänd"
		}
		kind := findingNames[f.Kind]
		if kind == "" {
			kind = string(f.Kind)
		}
		link := auditFilterForm{
			Person: f.Actor, Recording: f.RecordingID,
			From: f.First.In(h.loc).Format(dateLayout), To: f.Last.In(h.loc).Format(dateLayout),
		}
		page.Findings = append(page.Findings, findingRow{
			Kind: kind, Who: who, Role: roleName(f.Role), Recording: f.RecordingID, Count: f.Count,
			First:  f.First.In(h.loc).Format("2006-01-02 15:04"),
			Last:   f.Last.In(h.loc).Format("2006-01-02 15:04"),
			LogURL: pathAuditLog + "?" + link.values().Encode(),
		})
	}
	h.renderAuth(w, r, http.StatusOK, "auditorweek.html", page)
}

// parseISOWeek returns the Monday at 00:00 in loc of an ISO week written
// as "2026-W49".
func parseISOWeek(s string, loc *time.Location) (time.Time, bool) {
	yearText, weekText, ok := strings.Cut(s, "-W")
	if !ok {
		return time.Time{}, false
	}
	year, err1 := strconv.Atoi(yearText)
	week, err2 := strconv.Atoi(weekText)
	if err1 != nil || err2 != nil || year < 2000 || year > 9999 || week < 1 || week > 53 {
		return time.Time{}, false
	}
	// January 4 is always in week 1.
	jan4 := time.Date(year, time.January, 4, 0, 0, 0, 0, loc)
	monday := jan4.AddDate(0, 0, -((int(jan4.Weekday())+6)%7)+(week-1)*7)
	if y, w := monday.ISOWeek(); y != year || w != week {
		return time.Time{}, false // week 53 of a year with 52
	}
	return monday, true
}
