package ui

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/store"
)

// actionCall is one call of Options.Access with the action's detail.
type actionCall struct {
	Actor, Action, Recording, Reason string
	Detail                           map[string]string
}

// actionRecorder keeps the calls of Options.Access, and fails them while err is set.
type actionRecorder struct {
	mu    sync.Mutex
	calls []actionCall
	err   error
}

func (a *actionRecorder) record(r *http.Request, action, rec string) error {
	acc, _ := AccountFromContext(r.Context())
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.err != nil {
		return a.err
	}
	a.calls = append(a.calls, actionCall{Actor: acc.ID, Action: action, Recording: rec,
		Reason: AccessDetailFromContext(r.Context()).Reason, Detail: ActionDetailFromContext(r.Context())})
	return nil
}

func (a *actionRecorder) take() []actionCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	calls := a.calls
	a.calls = nil
	return calls
}

// actionsEnv is the access test world (anna, bo, maja, cilla) with
// transcripts on anna's and bo's recordings and an Access hook that
// keeps each action's detail.
type actionsEnv struct {
	*accessEnv
	actions *actionRecorder
}

func newActionsEnv(t *testing.T) *actionsEnv {
	t.Helper()
	e := &actionsEnv{accessEnv: newAccessEnv(t), actions: &actionRecorder{}}
	h, err := New(e.ts, &Options{Logger: slog.New(slog.NewTextHandler(e.logs, nil)), Now: e.clock.Now, Auth: e.store,
		Access: e.actions.record, WipeTime: func(rec store.Recording) time.Time { return testNow.Add(50 * time.Hour) }})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h

	e.ts.transcribe(t, "rec-anna", 0, 16000, []store.Segment{
		{Start: 0, End: 3 * time.Second, Text: "Hej Lisa Andersson, välkommen hit."},
		{Start: 3 * time.Second, End: 6 * time.Second, Text: "Vi ska prata om ditt bostadsbidrag och boendet."},
		{Start: 6 * time.Second, End: 9 * time.Second, Text: "Mitt personnummer är 19811218-9876."},
	})
	e.ts.transcribe(t, "rec-bo", 0, 16000, []store.Segment{
		{Start: 0, End: 3 * time.Second, Text: "Boendet i Malmö är bra."},
	})
	return e
}

func TestSearchFindsOwnRowsWithHighlights(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])

	w := b.get("/sok?q=" + url.QueryEscape("boende"))
	checkPage(t, w, http.StatusOK, "1 träff i 1 inspelning")
	body := w.Body.String()
	segs, err := e.ts.Segments(context.Background(), "rec-anna")
	if err != nil || len(segs) < 2 {
		t.Fatalf("Segments(rec-anna) = %d, %v", len(segs), err)
	}
	anchor := fmt.Sprintf(`href="/recordings/rec-anna#segment-%d"`, segs[1].ID)
	for _, want := range []string{"<mark>boendet</mark>", anchor} {
		if !strings.Contains(body, want) {
			t.Errorf("search page lacks %q:\n%s", want, body)
		}
	}
	if strings.Contains(body, "Malmö") {
		t.Errorf("search page shows bo's recording to anna")
	}

	want := []actionCall{{Actor: e.people["anna"].ID, Action: "search", Detail: map[string]string{"hits": "1", "recordings": "1"}}}
	if diff := cmp.Diff(want, e.actions.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}
	if strings.Contains(e.logs.String(), "boende") {
		t.Errorf("service log contains the query text")
	}
}

func TestSearchStemsAndPrefixes(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])

	tests := []struct {
		query, want string
	}{
		{"bostad", "<mark>bostadsbidrag</mark>"},      // prefix of a compound
		{"pratar", "<mark>prata</mark>"},              // same stem
		{"BOSTADSBIDRAGET", "<mark>bostadsbidrag"},    // case and inflection
		{"prata bostadsbidrag", "<mark>prata</mark>"}, // every word must match
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			checkPage(t, b.get("/sok?q="+url.QueryEscape(tt.query)), http.StatusOK, tt.want)
		})
	}
	checkPage(t, b.get("/sok?q="+url.QueryEscape("bostadsbidrag Malmö")), http.StatusOK, "Inga träffar")
}

func TestSearchLogsOneEntry(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.actions.take()

	checkPage(t, b.get("/sok"), http.StatusOK, "Sök bland dina egna inspelningar")
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("search form without a query logged %+v, want nothing", calls)
	}
	checkPage(t, b.get("/sok?q=zebra"), http.StatusOK, "Inga träffar")
	if calls := e.actions.take(); len(calls) != 1 || calls[0].Detail["hits"] != "0" {
		t.Errorf("search without hits logged %+v, want one entry with hits 0", calls)
	}
}

func TestSearchRejectsBadQueries(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.actions.take()

	tests := []struct {
		name, query, want string
	}{
		{"empty", "", "Skriv minst ett ord"},
		{"blank", "   ", "Skriv minst ett ord"},
		{"punctuation", "?!", "Skriv minst ett ord"},
		{"oversize", strings.Repeat("ord ", 60), "Sökningen är för lång"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.get("/sok?q="+url.QueryEscape(tt.query)), http.StatusBadRequest, tt.want)
		})
	}
	if calls := e.actions.take(); len(calls) != 0 {
		t.Errorf("rejected searches logged %+v, want nothing", calls)
	}
}

func TestSearchWithoutAccessLogShowsNothing(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.actions.err = context.DeadlineExceeded

	w := b.get("/sok?q=boende")
	if w.Code != http.StatusServiceUnavailable {
		t.Errorf("search with a failing access log = %d, want 503", w.Code)
	}
	if strings.Contains(w.Body.String(), "boendet") {
		t.Errorf("search page shows hits although the access log failed")
	}
}

func TestSearchForbiddenForAdmin(t *testing.T) {
	e := newActionsEnv(t)
	admin := e.enrolled(t, "ida", "admin")
	b := e.signIn(t, admin)
	checkPage(t, b.get("/sok?q=boende"), http.StatusForbidden, "Du har inte behörighet")
}

func TestHighlightCutsLongRows(t *testing.T) {
	text := strings.Repeat("ord ", 100) + "bostad " + strings.Repeat("mer ", 100)
	parts, ok := highlight(text, []queryTerm{{lower: "bostad", stem: "bostad"}})
	if !ok {
		t.Fatalf("highlight(%q...) found nothing", text[:20])
	}
	var got strings.Builder
	for _, p := range parts {
		got.WriteString(p.Text)
	}
	if n := len(strings.Fields(got.String())); n != 2*hitWindow+1+2 {
		t.Errorf("cut row has %d words, want %d words and two ellipses", n, 2*hitWindow+1+2)
	}
	if !strings.HasPrefix(got.String(), "… ") || !strings.HasSuffix(got.String(), " …") {
		t.Errorf("cut row %q lacks ellipses at both ends", got.String())
	}
}

func TestActionDetailsAreValidEntries(t *testing.T) {
	e := newActionsEnv(t)
	b := e.signIn(t, e.people["anna"])
	token := csrf(t, b.get("/"))
	e.actions.take()

	b.get("/sok?q=boende")
	b.post("/recordings/rec-anna/kopiera", url.Values{CSRFField: {token}, "urval": {"alla"}, "pseudonymisera": {"ja"}})
	b.post("/recordings/rec-anna/gallra", url.Values{CSRFField: {token}, "bekrafta": {"ja"}})

	calls := e.actions.take()
	if len(calls) != 3 {
		t.Fatalf("access log calls = %+v, want search, copy and delete", calls)
	}
	for _, c := range calls {
		entry := audit.Entry{Actor: c.Actor, Role: audit.RoleCaseworker, Action: audit.Action(c.Action), RecordingID: c.Recording, Device: "web", Detail: c.Detail}
		if err := entry.Validate(); err != nil {
			t.Errorf("%s entry: Validate() = %v, want nil", c.Action, err)
		}
	}
}

// BenchmarkSearchTwentyRecordings searches twenty two-hour recordings of
// 1,200 rows each, the index built in memory per request as in production.
func BenchmarkSearchTwentyRecordings(b *testing.B) {
	words := strings.Fields("vi ska prata om ditt bostadsbidrag och boendet i höst när skolan börjar igen och hur det går med ekonomin")
	src := &fakeSource{segments: map[string][]store.Segment{}}
	for i := range 20 {
		id := "rec-" + strconv.Itoa(i)
		src.recs = append(src.recs, store.Recording{ID: id, BoxID: "rum-1", FirstSeen: testNow})
		for j := range 1200 {
			text := strings.Join(words[j%5:j%5+12], " ") + "."
			src.segments[id] = append(src.segments[id], store.Segment{Start: time.Duration(j) * 6 * time.Second, End: time.Duration(j+1) * 6 * time.Second, Text: text})
		}
	}
	h, err := New(src, &Options{Now: func() time.Time { return testNow }, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		b.Fatal(err)
	}

	b.ReportAllocs()
	for b.Loop() {
		r := httptest.NewRequest(http.MethodGet, "/sok?q=skolan+ekonomi", nil)
		r.RemoteAddr, r.Host = "127.0.0.1:5000", "127.0.0.1"
		w := httptest.NewRecorder()
		h.ServeHTTP(w, r)
		if w.Code != http.StatusOK {
			b.Fatalf("GET /sok = %d", w.Code)
		}
	}
}
