package ui

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// Transcript text of rec-anna. None of it may reach the access log.
const (
	subjectName   = "Sven Svensson"
	subjectNumber = "19121212-1212"
	secretWords   = "hyresskulden"
)

var transcriptText = "Klienten " + subjectName + " med personnummer " + subjectNumber + " berättade om " + secretWords + "."

// auditorEnv is the access view with a real access log in a temporary
// directory, an auditor greta and an IT admin ivar besides the people of
// accessEnv, and a transcript of rec-anna that names a data subject.
type auditorEnv struct {
	*accessEnv
	log *audit.Log
}

func newAuditorEnv(t *testing.T) *auditorEnv {
	t.Helper()
	e := &auditorEnv{accessEnv: newAccessEnv(t)}
	dir := t.TempDir()
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	l, err := audit.Open(filepath.Join(dir, "audit.db"), dir, &audit.Options{Now: e.clock.Now, Logger: logger})
	if err != nil {
		t.Fatalf("audit.Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	e.log = l

	h, err := New(e.ts, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store, Access: e.access.record, Audit: l})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h

	e.people["greta"] = authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "greta", DisplayName: "Test greta", Role: auth.RoleAuditor})
	e.people["ivar"] = authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "ivar", DisplayName: "Test ivar", Role: auth.RoleAdmin})
	e.clock.Advance(30 * time.Second)

	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 0, End: 500 * time.Millisecond, Text: "Hej och välkommen."},
		{Start: 500 * time.Millisecond, End: time.Second, Text: transcriptText},
	})
	e.ts.transcribe(t, "rec-cilla", 0, 16000, []store.Segment{{Start: 0, End: time.Second, Text: "Ett samtal om " + subjectName + "."}})
	return e
}

// appendEntries appends entries and returns them with their seqs.
func (e *auditorEnv) appendEntries(t *testing.T, entries ...audit.Entry) []audit.Entry {
	t.Helper()
	out, err := e.log.AppendBatch(context.Background(), entries)
	if err != nil {
		t.Fatalf("AppendBatch: %v", err)
	}
	return out
}

var rowSeq = regexp.MustCompile(`<tr>\s*<td>(\d+)</td>`)

// shownSeqs returns the seqs of the access-log table's rows.
func shownSeqs(t *testing.T, body string) []uint64 {
	t.Helper()
	var seqs []uint64
	for _, m := range rowSeq.FindAllStringSubmatch(body, -1) {
		n, err := strconv.ParseUint(m[1], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		seqs = append(seqs, n)
	}
	return seqs
}

func seqsOf(entries ...audit.Entry) []uint64 {
	var seqs []uint64
	for _, e := range entries {
		seqs = append(seqs, e.Seq)
	}
	return seqs
}

func TestAuditorPagesOnlyForAuditors(t *testing.T) {
	e := newAuditorEnv(t)
	for _, person := range []string{"anna", "maja", "ivar", "greta"} {
		t.Run(person, func(t *testing.T) {
			b := e.signIn(t, e.people[person])
			want := http.StatusForbidden
			if person == "greta" {
				want = http.StatusOK
			}
			for _, path := range []string{pathAuditLog, pathAuditWeek} {
				if w := b.get(path); w.Code != want {
					t.Errorf("GET %s as %s = %d, want %d", path, person, w.Code, want)
				}
			}
			token := csrf(t, b.get(pathSignOut))
			w := b.post(pathAuditExport, url.Values{CSRFField: {token}, "format": {"csv"}})
			if w.Code != want {
				t.Errorf("POST %s as %s = %d, want %d", pathAuditExport, person, w.Code, want)
			}
		})
	}
	// Only greta's export is in the log.
	exports, err := e.log.Query(context.Background(), audit.Filter{Actions: []audit.Action{audit.ActionAuditExport}})
	if err != nil {
		t.Fatal(err)
	}
	if len(exports) != 1 || exports[0].Actor != e.people["greta"].ID {
		t.Errorf("audit_export entries = %+v, want one by greta", exports)
	}
}

func TestAuditLogFilters(t *testing.T) {
	e := newAuditorEnv(t)
	anna, bo := e.people["anna"].ID, e.people["bo"].ID
	day := time.Date(2026, 12, 1, 9, 0, 0, 0, e.clock.Now().Location())
	es := e.appendEntries(t,
		audit.Entry{Time: day, Actor: anna, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-anna", BoxID: "box-1", Device: "web"},
		audit.Entry{Time: day.Add(time.Hour), Actor: bo, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-bo", BoxID: "box-1", Device: "web"},
		audit.Entry{Time: day.AddDate(0, 0, 1), Actor: anna, Role: audit.RoleCaseworker, Action: audit.ActionCopy, RecordingID: "rec-anna", BoxID: "box-1", Device: "web"},
		audit.Entry{Time: day.AddDate(0, 0, 2), Actor: "box-2", Role: audit.RoleBox, Action: audit.ActionWithdraw, RecordingID: "rec-x", BoxID: "box-2", Device: "box-2"},
		audit.Entry{Time: day.AddDate(0, 0, 2), Actor: bo, Role: audit.RoleManager, Action: audit.ActionRead, RecordingID: "rec-anna", BoxID: "box-1", Device: "web", Reason: "Uppföljning av ärende 12"},
	)
	b := e.signIn(t, e.people["greta"])

	tests := []struct {
		name  string
		query url.Values
		want  []uint64
	}{
		{"user name", url.Values{"person": {"anna"}}, seqsOf(es[0], es[2])},
		{"account id", url.Values{"person": {bo}}, seqsOf(es[1], es[4])},
		{"recording", url.Values{"inspelning": {"rec-anna"}}, seqsOf(es[0], es[2], es[4])},
		{"box", url.Values{"box": {"box-2"}}, seqsOf(es[3])},
		{"action", url.Values{"handling": {"copy"}}, seqsOf(es[2])},
		{"one day", url.Values{"fran": {"2026-12-02"}, "till": {"2026-12-02"}}, seqsOf(es[2])},
		{"combined", url.Values{"person": {"bo"}, "inspelning": {"rec-anna"}}, seqsOf(es[4])},
		{"nothing", url.Values{"person": {"ingen"}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := b.get(pathAuditLog + "?" + tt.query.Encode())
			if w.Code != http.StatusOK {
				t.Fatalf("GET = %d, want 200:\n%s", w.Code, w.Body)
			}
			if diff := cmp.Diff(tt.want, shownSeqs(t, w.Body.String())); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}

	// The row says who, in which role, what and why in Swedish.
	w := b.get(pathAuditLog + "?" + url.Values{"inspelning": {"rec-anna"}, "person": {"bo"}}.Encode())
	for _, want := range []string{"Test bo (bo)", "närmsta chef", "Läste inspelning", "Uppföljning av ärende 12", "2026-12-03 10:00:00"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("row does not contain %q", want)
		}
	}
}

func TestAuditLogRejectsBadFilter(t *testing.T) {
	e := newAuditorEnv(t)
	b := e.signIn(t, e.people["greta"])
	tests := []struct {
		name  string
		query url.Values
		want  string
	}{
		{"bad date", url.Values{"fran": {"1/12/2026"}}, "Skriv datumet Från som ÅÅÅÅ-MM-DD"},
		{"bad end date", url.Values{"till": {"igår"}}, "Skriv datumet Till som ÅÅÅÅ-MM-DD"},
		{"reversed", url.Values{"fran": {"2026-12-03"}, "till": {"2026-12-01"}}, "Datumet Från ligger efter datumet Till"},
		{"unknown action", url.Values{"handling": {"drop_table"}}, "Okänd händelse"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.get(pathAuditLog+"?"+tt.query.Encode()), http.StatusBadRequest, tt.want)
		})
	}
}

func TestAuditLogPages(t *testing.T) {
	e := newAuditorEnv(t)
	start := e.clock.Now().Add(-2 * 24 * time.Hour)
	var batch []audit.Entry
	for i := range 150 {
		// Pairs share a time, so a page boundary falls inside a tie.
		batch = append(batch, audit.Entry{Time: start.Add(time.Duration((i+1)/2) * time.Minute), Actor: e.people["anna"].ID, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-anna", Device: "web"})
	}
	es := e.appendEntries(t, batch...)
	b := e.signIn(t, e.people["greta"])

	first := b.get(pathAuditLog + "?inspelning=rec-anna")
	got := shownSeqs(t, first.Body.String())
	next := regexp.MustCompile(`href="(/granskning\?[^"]+)">Nästa sida`).FindStringSubmatch(first.Body.String())
	if len(got) != auditPageSize || next == nil {
		t.Fatalf("first page has %d rows and next link %v, want %d rows and a link", len(got), next, auditPageSize)
	}
	second := b.get(strings.ReplaceAll(next[1], "&amp;", "&"))
	got = append(got, shownSeqs(t, second.Body.String())...)
	if diff := cmp.Diff(seqsOf(es...), got); diff != "" {
		t.Errorf("rows of both pages (-want +got):\n%s", diff)
	}
	if strings.Contains(second.Body.String(), "Nästa sida") {
		t.Errorf("last page links a next page")
	}
}

func TestAuditExport(t *testing.T) {
	e := newAuditorEnv(t)
	anna := e.people["anna"].ID
	es := e.appendEntries(t,
		audit.Entry{Actor: anna, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-anna", Device: "web"},
		audit.Entry{Actor: anna, Role: audit.RoleCaseworker, Action: audit.ActionEdit, RecordingID: "rec-anna", Device: "web", Detail: map[string]string{"segment": "2"}},
		audit.Entry{Actor: e.people["bo"].ID, Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: "rec-bo", Device: "web"},
		audit.Entry{Actor: anna, Role: audit.RoleCaseworker, Action: audit.ActionDelete, RecordingID: "rec-anna", Device: "web", Reason: "=HYPERLINK(\"x\")"},
	)
	b := e.signIn(t, e.people["greta"])
	token := csrf(t, b.get(pathAuditLog))
	form := url.Values{CSRFField: {token}, "person": {"anna"}}

	for _, format := range []string{"csv", "json"} {
		t.Run(format, func(t *testing.T) {
			form.Set("format", format)
			w := b.post(pathAuditExport, form)
			if w.Code != http.StatusOK {
				t.Fatalf("POST export = %d, want 200:\n%s", w.Code, w.Body)
			}
			if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || !strings.HasSuffix(cd, "."+format+`"`) {
				t.Errorf("Content-Disposition = %q, want an attachment named .%s", cd, format)
			}
			body := w.Body.String()
			if strings.Contains(body, secretWords) || strings.Contains(body, subjectName) {
				t.Errorf("export contains transcript text:\n%s", body)
			}

			var seqs []uint64
			switch format {
			case "csv":
				rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
				if err != nil {
					t.Fatalf("export is not CSV: %v", err)
				}
				for _, row := range rows[1:] {
					n, _ := strconv.ParseUint(row[0], 10, 64)
					seqs = append(seqs, n)
				}
				if got := rows[len(rows)-1][8]; !strings.HasPrefix(got, "'=") {
					t.Errorf("reason in CSV = %q, want a defused formula", got)
				}
			case "json":
				var got []audit.Entry
				if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
					t.Fatalf("export is not JSON: %v", err)
				}
				seqs = seqsOf(got...)
			}
			if diff := cmp.Diff(seqsOf(es[0], es[1], es[3]), seqs); diff != "" {
				t.Errorf("exported entries (-want +got):\n%s", diff)
			}

			last, err := e.log.Query(context.Background(), audit.Filter{Actions: []audit.Action{audit.ActionAuditExport}})
			if err != nil {
				t.Fatal(err)
			}
			got := last[len(last)-1]
			if got.Actor != e.people["greta"].ID || got.Role != audit.RoleAuditor || got.Detail["format"] != format || got.Detail["filter_actor"] != anna || got.Detail["entries"] != "3" {
				t.Errorf("export entry = %+v, want greta's %s export of 3 entries filtered to anna", got, format)
			}
		})
	}

	form.Set("format", "pdf")
	checkPage(t, b.post(pathAuditExport, form), http.StatusBadRequest, "Välj CSV eller JSON")
	// Without the CSRF token nothing is exported.
	form.Del(CSRFField)
	form.Set("format", "csv")
	if w := b.post(pathAuditExport, form); w.Code != http.StatusForbidden {
		t.Errorf("POST export without CSRF token = %d, want 403", w.Code)
	}
}

func TestAuditWeek(t *testing.T) {
	e := newAuditorEnv(t)
	// Six failed sign-ins within ten minutes on Tuesday of week 49, 2026,
	// and a read on Sunday night.
	tuesday := time.Date(2026, 12, 1, 10, 0, 0, 0, e.clock.Now().Location()).In(time.UTC)
	var batch []audit.Entry
	for i := range 6 {
		batch = append(batch, audit.Entry{Time: tuesday.Add(time.Duration(i) * time.Minute), Actor: e.people["bo"].ID, Role: audit.RoleCaseworker, Action: audit.ActionLoginFailed, Device: "web"})
	}
	e.appendEntries(t, batch...)
	b := e.signIn(t, e.people["greta"])

	w := b.get(pathAuditWeek + "?vecka=2026-W49")
	checkPage(t, w, http.StatusOK, "Upprepade misslyckade inloggningar")
	for _, want := range []string{"Vecka 49, 2026 (2026-11-30 – 2026-12-06)", "Test bo (bo)", "vecka=2026-W48", "vecka=2026-W50"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("week page does not contain %q", want)
		}
	}
	checkPage(t, b.get(pathAuditWeek+"?vecka=2026-W48"), http.StatusOK, "Inga avvikelser den här veckan")
	checkPage(t, b.get(pathAuditWeek+"?vecka=2026-W54"), http.StatusBadRequest, "Välj en vecka")
	checkPage(t, b.get(pathAuditWeek+"?vecka=vecka+49"), http.StatusBadRequest, "Välj en vecka")
}

func TestParseISOWeek(t *testing.T) {
	tests := []struct {
		in   string
		want string // Monday, or "" for an error
	}{
		{"2026-W49", "2026-11-30"},
		{"2026-W01", "2025-12-29"},
		{"2026-W53", "2026-12-28"}, // 2026 has 53 weeks
		{"2025-W53", ""},
		{"2026-W00", ""},
		{"2026W49", ""},
	}
	for _, tt := range tests {
		got, ok := parseISOWeek(tt.in, time.UTC)
		if gotText := got.Format(dateLayout); ok != (tt.want != "") || (ok && gotText != tt.want) {
			t.Errorf("parseISOWeek(%q) = %s, %v, want %q", tt.in, gotText, ok, tt.want)
		}
	}
}

func TestRegisterExtract(t *testing.T) {
	e := newAuditorEnv(t)
	ctx := context.Background()

	tests := []struct {
		person string
		kind   string
		value  string
		want   []string // recordings listed
	}{
		{"greta", extractByNumber, "121212-1212", []string{"rec-anna"}},
		{"greta", extractByName, "sven svensson", []string{"rec-anna", "rec-cilla"}},
		// A caseworker searches only her own recordings.
		{"anna", extractByName, "Sven Svensson", []string{"rec-anna"}},
		{"bo", extractByName, "Sven Svensson", nil},
	}
	for _, tt := range tests {
		t.Run(tt.person+" "+tt.kind, func(t *testing.T) {
			e.clock.Advance(30 * time.Second) // a new TOTP step for the next sign-in
			b := e.signIn(t, e.people[tt.person])
			form := b.get(pathExtract)
			checkPage(t, form, http.StatusOK, "Registerutdrag")
			before, _ := e.log.Query(ctx, audit.Filter{Actions: []audit.Action{audit.ActionRegisterExtract}})

			w := b.post(pathExtract, url.Values{CSRFField: {csrf(t, form)}, "typ": {tt.kind}, "varde": {tt.value}, "skal": {"Begäran dnr 2026/123"}})
			checkPage(t, w, http.StatusOK, "genomsökta inspelningar nämner personen")
			var listed []string
			for _, id := range []string{"rec-anna", "rec-bo", "rec-cilla", "rec-unmapped"} {
				if strings.Contains(w.Body.String(), "<code>"+id+"</code>") {
					listed = append(listed, id)
				}
			}
			if diff := cmp.Diff(tt.want, listed); diff != "" {
				t.Errorf("recordings listed (-want +got):\n%s", diff)
			}
			if strings.Contains(w.Body.String(), secretWords) {
				t.Errorf("result page shows transcript text")
			}

			after, _ := e.log.Query(ctx, audit.Filter{Actions: []audit.Action{audit.ActionRegisterExtract}})
			added := after[len(before):]
			if len(added) != len(tt.want)+1 {
				t.Fatalf("register_extract entries = %d, want one per match and one for the search", len(added))
			}
			for _, entry := range added {
				if entry.Actor != e.people[tt.person].ID || entry.Reason != "Begäran dnr 2026/123" || entry.Device != "web" {
					t.Errorf("entry = %+v, want %s's with the reason", entry, tt.person)
				}
			}
		})
	}
}

func TestRegisterExtractExport(t *testing.T) {
	e := newAuditorEnv(t)
	b := e.signIn(t, e.people["greta"])
	token := csrf(t, b.get(pathExtract))
	w := b.post(pathExtractExport, url.Values{CSRFField: {token}, "typ": {extractByNumber}, "varde": {"191212121212"}, "skal": {"Begäran dnr 2026/124"}})
	if w.Code != http.StatusOK {
		t.Fatalf("POST export = %d, want 200:\n%s", w.Code, w.Body)
	}
	if cd := w.Header().Get("Content-Disposition"); !strings.HasPrefix(cd, `attachment; filename="registerutdrag-`) {
		t.Errorf("Content-Disposition = %q, want a registerutdrag attachment", cd)
	}
	var got extractExport
	if err := json.Unmarshal(w.Body.Bytes(), &got); err != nil {
		t.Fatalf("export is not JSON: %v", err)
	}
	if len(got.Recordings) != 1 || got.Recordings[0].ID != "rec-anna" || len(got.Recordings[0].Segments) != 1 || got.Recordings[0].Segments[0].Text != transcriptText {
		t.Errorf("export = %+v, want rec-anna with the one segment that names the person", got)
	}
	if got.Query != extractByNumber || strings.Contains(w.Body.String(), `"sokning": "1912`) {
		t.Errorf("export query = %q, want the kind only", got.Query)
	}
	entries, _ := e.log.Query(context.Background(), audit.Filter{Actions: []audit.Action{audit.ActionRegisterExtract}})
	if len(entries) != 2 {
		t.Errorf("register_extract entries after export = %d, want 2", len(entries))
	}
}

func TestRegisterExtractRejects(t *testing.T) {
	e := newAuditorEnv(t)
	ctx := context.Background()
	b := e.signIn(t, e.people["greta"])
	token := csrf(t, b.get(pathExtract))

	tests := []struct {
		name string
		form url.Values
		want string
	}{
		{"no reason", url.Values{"typ": {extractByNumber}, "varde": {subjectNumber}}, "Skriv skälet till registerutdraget"},
		{"short reason", url.Values{"typ": {extractByNumber}, "varde": {subjectNumber}, "skal": {"nej"}}, "Skriv skälet till registerutdraget"},
		{"bad control digit", url.Values{"typ": {extractByNumber}, "varde": {"19121212-1213"}, "skal": {"dnr 2026/1"}}, "Personnumret är inte giltigt"},
		{"letters as number", url.Values{"typ": {extractByNumber}, "varde": {"Sven"}, "skal": {"dnr 2026/1"}}, "Personnumret är inte giltigt"},
		{"name without letters", url.Values{"typ": {extractByName}, "varde": {"123"}, "skal": {"dnr 2026/1"}}, "Skriv ett namn med minst en bokstav"},
		{"empty value", url.Values{"typ": {extractByName}, "skal": {"dnr 2026/1"}}, "Skriv namnet du söker efter"},
		{"no kind", url.Values{"varde": {subjectNumber}, "skal": {"dnr 2026/1"}}, "Välj om du söker på namn eller personnummer"},
		{"control character", url.Values{"typ": {extractByNumber}, "varde": {subjectNumber}, "skal": {"dnr\u00002026"}}, "Skälet innehåller tecken"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.form.Set(CSRFField, token)
			checkPage(t, b.post(pathExtract, tt.form), http.StatusBadRequest, tt.want)
			checkPage(t, b.post(pathExtractExport, tt.form), http.StatusBadRequest, tt.want)
		})
	}
	if entries, _ := e.log.Query(ctx, audit.Filter{}); len(entries) != 0 {
		t.Errorf("rejected searches wrote %d entries, want none", len(entries))
	}

	// Managers and IT admins may not search.
	for _, person := range []string{"maja", "ivar"} {
		b := e.signIn(t, e.people[person])
		if w := b.get(pathExtract); w.Code != http.StatusForbidden {
			t.Errorf("GET %s as %s = %d, want 403", pathExtract, person, w.Code)
		}
		form := url.Values{CSRFField: {csrf(t, b.get(pathSignOut))}, "typ": {extractByNumber}, "varde": {subjectNumber}, "skal": {"dnr 2026/1"}}
		if w := b.post(pathExtract, form); w.Code != http.StatusForbidden {
			t.Errorf("POST %s as %s = %d, want 403", pathExtract, person, w.Code)
		}
	}
}

// TestAuditorRoutesKeepContentOutOfLog runs every auditor and extract
// route, then checks that no access-log entry holds the transcript, the
// searched name or the personal identity number.
func TestAuditorRoutesKeepContentOutOfLog(t *testing.T) {
	e := newAuditorEnv(t)
	for _, person := range []string{"greta", "anna"} {
		b := e.signIn(t, e.people[person])
		token := csrf(t, b.get(pathSignOut))
		for _, form := range []url.Values{
			{"typ": {extractByNumber}, "varde": {subjectNumber}},
			{"typ": {extractByName}, "varde": {subjectName}},
		} {
			form.Set(CSRFField, token)
			form.Set("skal", "dnr 2026/9")
			b.post(pathExtract, form)
			b.post(pathExtractExport, form)
		}
		b.get(pathAuditLog)
		b.get(pathAuditWeek)
		b.post(pathAuditExport, url.Values{CSRFField: {token}, "format": {"json"}})
	}

	var buf bytes.Buffer
	if err := audit.WriteCSV(&buf, mustQuery(t, e.log)); err != nil {
		t.Fatal(err)
	}
	raw, err := io.ReadAll(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{secretWords, "Svensson", "Sven", "121212"} {
		if bytes.Contains(bytes.ToLower(raw), bytes.ToLower([]byte(secret))) {
			t.Errorf("access log contains %q:\n%s", secret, raw)
		}
	}
	if !bytes.Contains(raw, []byte("register_extract")) || !bytes.Contains(raw, []byte("audit_export")) {
		t.Errorf("access log lacks the searches and exports:\n%s", raw)
	}
}

func mustQuery(t *testing.T, l *audit.Log) []audit.Entry {
	t.Helper()
	entries, err := l.Query(context.Background(), audit.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	return entries
}
