package ui

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// accessCall is one call of Options.Access.
type accessCall struct {
	Actor, Action, Recording string
	Detail                   AccessDetail
}

// accessRecorder keeps the calls of Options.Access.
type accessRecorder struct {
	mu    sync.Mutex
	calls []accessCall
}

func (a *accessRecorder) record(r *http.Request, action, rec string) error {
	acc, _ := AccountFromContext(r.Context())
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, accessCall{Actor: acc.ID, Action: action, Recording: rec, Detail: AccessDetailFromContext(r.Context())})
	return nil
}

// take returns the calls since the last take.
func (a *accessRecorder) take() []accessCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	calls := a.calls
	a.calls = nil
	return calls
}

// accessEnv is the view with sign-in over a real recording store and a
// real account store, with four people: caseworkers anna and bo and
// manager maja in Team Nord, and caseworker cilla in Team Syd.
type accessEnv struct {
	*authEnv
	access *accessRecorder
	ts     *testStore
	people map[string]authtest.Account
}

func newAccessEnv(t *testing.T) *accessEnv {
	t.Helper()
	e := &accessEnv{
		authEnv: &authEnv{clock: &authClock{now: testNow}, logs: &bytes.Buffer{}},
		access:  &accessRecorder{},
		ts:      openTestStore(t),
		people:  map[string]authtest.Account{},
	}
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	e.store = authtest.Open(t, &auth.Options{Now: e.clock.Now, Logger: logger})
	h, err := New(e.ts, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store, Access: e.access.record})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h

	for _, p := range []struct {
		name, team string
		role       auth.Role
		badge      string
	}{
		{"anna", "Team Nord", auth.RoleCaseworker, "anna-1"},
		{"bo", "Team Nord", auth.RoleCaseworker, "bo-1"},
		{"maja", "Team Nord", auth.RoleManager, ""},
		{"cilla", "Team Syd", auth.RoleCaseworker, "cilla-1"},
	} {
		acc := authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: p.name, DisplayName: "Test " + p.name, Role: p.role, Team: p.team})
		if p.badge != "" {
			if err := e.store.SetBadges(context.Background(), acc.ID, []string{p.badge}); err != nil {
				t.Fatal(err)
			}
		}
		e.people[p.name] = acc
	}
	e.clock.Advance(30 * time.Second)

	e.recordWithBadge(t, "rec-anna", "anna-1")
	e.recordWithBadge(t, "rec-bo", "bo-1")
	e.recordWithBadge(t, "rec-cilla", "cilla-1")
	e.recordWithBadge(t, "rec-unmapped", "okand-1")
	return e
}

// recordWithBadge stores a one-second recording started with badge, the
// way ingest stores a box's consent event and first chunk.
func (e *accessEnv) recordWithBadge(t *testing.T, rec, badge string) {
	t.Helper()
	e.recordWithBadgeAt(t, rec, badge, testNow.Add(-time.Hour))
}

// recordWithBadgeAt stores a one-second recording whose client consented at at.
func (e *accessEnv) recordWithBadgeAt(t *testing.T, rec, badge string, at time.Time) {
	t.Helper()
	ctx := context.Background()
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}
	consent := protocol.Event{Seq: 0, Type: protocol.EventConsent, At: at, Start: &protocol.StartInfo{
		Format: format, BadgeID: badge, Board: "sim", ConsentAsk: at.Add(-5 * time.Second),
	}}
	if _, err := e.ts.PutEvent(ctx, "box-1", rec, consent); err != nil {
		t.Fatalf("PutEvent(consent %s): %v", rec, err)
	}
	samples := make([]int16, 16000)
	for i := range samples {
		samples[i] = int16(i % 2000)
	}
	h := protocol.ChunkHeader{Format: format, FirstFrame: 0, Frames: len(samples), CapturedAt: at}
	if _, err := e.ts.PutChunk(ctx, "box-1", rec, 0, h, audio.EncodePCM(samples)); err != nil {
		t.Fatalf("PutChunk(%s): %v", rec, err)
	}
}

// listedRecordings returns the ids of the recordings linked from the list page.
func listedRecordings(t *testing.T, b *browser) []string {
	t.Helper()
	w := b.get("/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", w.Code)
	}
	var ids []string
	for _, id := range []string{"rec-anna", "rec-bo", "rec-cilla", "rec-unmapped"} {
		if strings.Contains(w.Body.String(), `href="/recordings/`+id+`"`) {
			ids = append(ids, id)
		}
	}
	return ids
}

func TestListShowsOwnAndTeamRecordings(t *testing.T) {
	e := newAccessEnv(t)
	tests := []struct {
		person string
		want   []string
	}{
		{"anna", []string{"rec-anna"}},
		{"bo", []string{"rec-bo"}},
		{"cilla", []string{"rec-cilla"}},
		{"maja", []string{"rec-anna", "rec-bo"}},
	}
	for _, tt := range tests {
		t.Run(tt.person, func(t *testing.T) {
			b := e.signIn(t, e.people[tt.person])
			if diff := cmp.Diff(tt.want, listedRecordings(t, b)); diff != "" {
				t.Errorf("recordings listed for %s (-want +got):\n%s", tt.person, diff)
			}
		})
	}
}

func TestHeaderShowsPersonAndSignOut(t *testing.T) {
	e := newAccessEnv(t)
	b := e.signIn(t, e.people["maja"])
	w := b.get("/")
	for _, want := range []string{"<strong>Test maja</strong>, närmsta chef", `action="/logga-ut"`, `name="csrf_token"`, "Logga ut"} {
		if !strings.Contains(w.Body.String(), want) {
			t.Errorf("list page header does not contain %q", want)
		}
	}

	// The header's sign-out form works: its token is the session's.
	checkPage(t, b.post(pathSignOut, url.Values{CSRFField: {csrf(t, w)}}), http.StatusOK, "Du är utloggad")
	checkRedirect(t, b.get("/"), pathSignIn)
}

func TestCaseworkerCannotOpenAnotherRecording(t *testing.T) {
	e := newAccessEnv(t)
	b := e.signIn(t, e.people["anna"])
	e.access.take()

	// Another person's recording, in the same team or not, and one whose
	// badge nobody has, all look like recordings that do not exist.
	for _, path := range []string{"/recordings/rec-bo", "/recordings/rec-bo/audio.wav", "/recordings/rec-cilla", "/recordings/rec-unmapped", "/recordings/rec-none"} {
		w := b.get(path)
		checkPage(t, w, http.StatusNotFound, "Sidan finns inte")
		if strings.Contains(w.Body.String(), "Test bo") {
			t.Errorf("GET %s names the owner", path)
		}
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls for denied reads = %+v, want none", calls)
	}
	if !strings.Contains(e.logs.String(), "rejected request for another person's recording") {
		t.Errorf("log has no rejected read")
	}

	// Her own recording opens, with one access-log entry without a reason.
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusOK, "audio.wav")
	want := []accessCall{{Actor: e.people["anna"].ID, Action: "read", Recording: "rec-anna"}}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}

	// A caseworker cannot give a reason to get in.
	page := b.get("/recordings/rec-anna")
	w := b.post("/recordings/rec-bo/skal", url.Values{CSRFField: {csrf(t, page)}, "skal": {"Jag vill läsa den."}})
	checkPage(t, w, http.StatusForbidden, "Du har inte behörighet")
}

func TestManagerGivesReason(t *testing.T) {
	e := newAccessEnv(t)
	b := e.signIn(t, e.people["maja"])
	e.access.take()

	// Opening a team member's recording asks for a reason first.
	w := b.get("/recordings/rec-anna")
	checkPage(t, w, http.StatusForbidden, "Ange skäl")
	if strings.Contains(w.Body.String(), "audio.wav") {
		t.Errorf("reason form contains the recording's audio")
	}
	if w := b.get("/recordings/rec-anna/audio.wav"); w.Code != http.StatusForbidden || w.Header().Get("Content-Type") == "audio/wav" {
		t.Errorf("audio before a reason = %d %s, want 403 without audio", w.Code, w.Header().Get("Content-Type"))
	}
	token := csrf(t, w)

	tests := []struct {
		name   string
		form   url.Values
		status int
		want   string
	}{
		{"no_csrf", url.Values{"skal": {"Anna är sjuk i dag."}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"wrong_csrf", url.Values{CSRFField: {"fel"}, "skal": {"Anna är sjuk i dag."}}, http.StatusForbidden, "Formuläret kunde inte skickas"},
		{"no_reason", url.Values{CSRFField: {token}}, http.StatusBadRequest, "minst 5 tecken"},
		{"blank_reason", url.Values{CSRFField: {token}, "skal": {" \n\t "}}, http.StatusBadRequest, "minst 5 tecken"},
		{"too_long", url.Values{CSRFField: {token}, "skal": {strings.Repeat("å", 300)}}, http.StatusBadRequest, "för långt"},
		{"control_character", url.Values{CSRFField: {token}, "skal": {"sjuk\u200bdom"}}, http.StatusBadRequest, "tecken som inte kan sparas"},
		{"oversize_body", url.Values{CSRFField: {token}, "skal": {strings.Repeat("a", 8<<10)}}, http.StatusRequestEntityTooLarge, "För lång text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checkPage(t, b.post("/recordings/rec-anna/skal", tt.form), tt.status, tt.want)
			if w := b.get("/recordings/rec-anna"); w.Code != http.StatusForbidden {
				t.Errorf("recording after a rejected reason = %d, want 403", w.Code)
			}
		})
	}
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls before a reason = %+v, want none", calls)
	}

	// A fetch request may carry the token in its header and the reason in its body.
	w = b.send(http.MethodPost, "/recordings/rec-anna/skal", url.Values{"skal": {"Anna är sjuk i dag."}}, http.Header{CSRFHeader: {token}})
	checkRedirect(t, w, "/recordings/rec-anna")

	// With a reason the recording opens once, with the reason in its
	// entry, and its audio plays.
	reason := "Anna är sjuk och  utredningen\nska lämnas i dag."
	checkRedirect(t, b.post("/recordings/rec-anna/skal", url.Values{CSRFField: {token}, "skal": {reason}}), "/recordings/rec-anna")
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusOK, "audio.wav")
	if w := b.get("/recordings/rec-anna/audio.wav"); w.Code != http.StatusOK || w.Header().Get("Content-Type") != "audio/wav" {
		t.Errorf("audio after a reason = %d %s, want 200 audio/wav", w.Code, w.Header().Get("Content-Type"))
	}
	collapsed := AccessDetail{Reason: "Anna är sjuk och utredningen ska lämnas i dag."}
	want := []accessCall{
		{Actor: e.people["maja"].ID, Action: "read", Recording: "rec-anna", Detail: collapsed},
		{Actor: e.people["maja"].ID, Action: "read", Recording: "rec-anna", Detail: collapsed},
	}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls (-want +got):\n%s", diff)
	}

	// Each opening asks again.
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusForbidden, "Ange skäl")

	// The audio stays readable for a while and then needs a new reason.
	e.clock.Advance(grantTTL)
	if w := b.get("/recordings/rec-anna/audio.wav"); w.Code != http.StatusForbidden {
		t.Errorf("audio after the grant expired = %d, want 403", w.Code)
	}
}

func TestManagerCannotOpenOtherTeams(t *testing.T) {
	e := newAccessEnv(t)
	b := e.signIn(t, e.people["maja"])
	page := b.get("/")

	checkPage(t, b.get("/recordings/rec-cilla"), http.StatusNotFound, "Sidan finns inte")
	w := b.post("/recordings/rec-cilla/skal", url.Values{CSRFField: {csrf(t, page)}, "skal": {"Jag vill läsa den."}})
	checkPage(t, w, http.StatusNotFound, "Sidan finns inte")
	checkPage(t, b.get("/recordings/rec-cilla"), http.StatusNotFound, "Sidan finns inte")
	w = b.post("/recordings/rec-none/skal", url.Values{CSRFField: {csrf(t, page)}, "skal": {"Jag vill läsa den."}})
	checkPage(t, w, http.StatusNotFound, "Sidan finns inte")
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log calls = %+v, want none", calls)
	}
}

// TestReasonGrantIsPerSession: a reason given in one session opens
// nothing in another session of the same manager.
func TestReasonGrantIsPerSession(t *testing.T) {
	e := newAccessEnv(t)
	first := e.signIn(t, e.people["maja"])
	page := first.get("/recordings/rec-bo")
	checkRedirect(t, first.post("/recordings/rec-bo/skal", url.Values{CSRFField: {csrf(t, page)}, "skal": {"Bo har slutat."}}), "/recordings/rec-bo")

	e.clock.Advance(30 * time.Second)
	second := e.signIn(t, e.people["maja"])
	checkPage(t, second.get("/recordings/rec-bo"), http.StatusForbidden, "Ange skäl")
	checkPage(t, first.get("/recordings/rec-bo"), http.StatusOK, "audio.wav")
}

// listedAmong returns those of ids that the list page links to.
func listedAmong(t *testing.T, b *browser, ids ...string) []string {
	t.Helper()
	w := b.get("/")
	if w.Code != http.StatusOK {
		t.Fatalf("GET / = %d, want 200", w.Code)
	}
	var listed []string
	for _, id := range ids {
		if strings.Contains(w.Body.String(), `href="/recordings/`+id+`"`) {
			listed = append(listed, id)
		}
	}
	return listed
}

// TestMovedBadgeKeepsOldRecordings: when an admin moves a badge to another
// account, the recordings started before the move stay with the account
// that had the badge, and the ones started after it go to the new account.
func TestMovedBadgeKeepsOldRecordings(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	anna, cilla := e.people["anna"], e.people["cilla"]

	// anna-1 moves from anna (Team Nord) to cilla (Team Syd).
	if err := e.store.SetBadges(ctx, anna.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetBadges(ctx, cilla.ID, []string{"cilla-1", "anna-1"}); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.recordWithBadgeAt(t, "rec-after-move", "anna-1", e.clock.Now())
	e.clock.Advance(30 * time.Second)
	ids := []string{"rec-anna", "rec-after-move", "rec-cilla"}

	annaBrowser := e.signIn(t, anna)
	if diff := cmp.Diff([]string{"rec-anna"}, listedAmong(t, annaBrowser, ids...)); diff != "" {
		t.Errorf("anna's list after the move (-want +got):\n%s", diff)
	}
	checkPage(t, annaBrowser.get("/recordings/rec-anna"), http.StatusOK, "audio.wav")
	checkPage(t, annaBrowser.get("/recordings/rec-after-move"), http.StatusNotFound, "Sidan finns inte")

	cillaBrowser := e.signIn(t, cilla)
	if diff := cmp.Diff([]string{"rec-after-move", "rec-cilla"}, listedAmong(t, cillaBrowser, ids...)); diff != "" {
		t.Errorf("cilla's list after the move (-want +got):\n%s", diff)
	}
	e.access.take()
	checkPage(t, cillaBrowser.get("/recordings/rec-anna"), http.StatusNotFound, "Sidan finns inte")
	checkPage(t, cillaBrowser.get("/recordings/rec-anna/audio.wav"), http.StatusNotFound, "Sidan finns inte")
	checkPage(t, cillaBrowser.get("/recordings/rec-after-move"), http.StatusOK, "audio.wav")
	want := []accessCall{{Actor: cilla.ID, Action: "read", Recording: "rec-after-move"}}
	if diff := cmp.Diff(want, e.access.take()); diff != "" {
		t.Errorf("access log calls of cilla (-want +got):\n%s", diff)
	}

	// Search covers only what a person owns, by the same rule.
	h := e.h.(*handler)
	for _, tt := range []struct {
		person string
		want   []string
	}{
		{"anna", []string{"rec-anna"}},
		{"cilla", []string{"rec-after-move", "rec-cilla"}},
	} {
		sctx := withSession(ctx, h, auth.Session{Account: e.people[tt.person].Account, Stage: auth.StageSignedIn})
		recs, err := h.searchableRecordings(sctx)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, rec := range recs {
			got = append(got, rec.ID)
		}
		slices.Sort(got)
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("searchableRecordings(%s) (-want +got):\n%s", tt.person, diff)
		}
	}

	// Anna's manager still reaches the old recording, and the reason page
	// names anna; the new recording is outside her team.
	maja := e.signIn(t, e.people["maja"])
	if diff := cmp.Diff([]string{"rec-anna"}, listedAmong(t, maja, ids...)); diff != "" {
		t.Errorf("maja's list after the move (-want +got):\n%s", diff)
	}
	w := maja.get("/recordings/rec-anna")
	checkPage(t, w, http.StatusForbidden, "Test anna")
	if strings.Contains(w.Body.String(), "Test cilla") {
		t.Errorf("reason page for rec-anna names cilla, who got the badge later")
	}
	checkPage(t, maja.get("/recordings/rec-after-move"), http.StatusNotFound, "Sidan finns inte")
}

// TestRecordingInBadgeGapHasNoOwner: a recording started while its badge
// belonged to nobody is readable by no caseworker, including the one who
// got the badge afterwards.
func TestRecordingInBadgeGapHasNoOwner(t *testing.T) {
	e := newAccessEnv(t)
	ctx := context.Background()
	anna, bo := e.people["anna"], e.people["bo"]

	if err := e.store.SetBadges(ctx, anna.ID, nil); err != nil {
		t.Fatal(err)
	}
	e.clock.Advance(time.Minute)
	e.recordWithBadgeAt(t, "rec-gap", "anna-1", e.clock.Now())
	e.clock.Advance(time.Minute)
	if err := e.store.SetBadges(ctx, bo.ID, []string{"bo-1", "anna-1"}); err != nil {
		t.Fatal(err)
	}

	for _, name := range []string{"anna", "bo", "maja"} {
		b := e.signIn(t, e.people[name])
		if got := listedAmong(t, b, "rec-gap"); len(got) != 0 {
			t.Errorf("%s's list contains %v, want no rec-gap", name, got)
		}
		checkPage(t, b.get("/recordings/rec-gap"), http.StatusNotFound, "Sidan finns inte")
		e.clock.Advance(30 * time.Second)
	}
}

// stopAtFlush ends the request when the handler first flushes, so an
// event stream returns after its first write.
type stopAtFlush struct {
	*httptest.ResponseRecorder
	cancel context.CancelFunc
}

func (c stopAtFlush) Flush() {
	c.ResponseRecorder.Flush()
	c.cancel()
}

// streamSession requests the live event stream of rec with b's session, as
// the recording page's script does, and returns the response once the
// stream has started or the request was rejected.
func streamSession(t *testing.T, b *browser, rec string) *httptest.ResponseRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r := httptest.NewRequestWithContext(ctx, http.MethodGet, "/recordings/"+rec+"/handelser", nil)
	r.RemoteAddr = "127.0.0.1:53000"
	r.Host = "127.0.0.1:8080"
	r.Header.Set("Accept", "text/event-stream")
	r.Header.Set("Sec-Fetch-Dest", "empty")
	r.AddCookie(&http.Cookie{Name: SessionCookie, Value: b.cookie})
	w := stopAtFlush{ResponseRecorder: httptest.NewRecorder(), cancel: cancel}
	b.h.ServeHTTP(w, r)
	return w.ResponseRecorder
}

// TestEventStreamDoesNotExtendSession: a recording page left open, whose
// only requests are the live stream's reconnects and the script's
// background refreshes, signs out at the idle timeout. A page view resets it.
func TestEventStreamDoesNotExtendSession(t *testing.T) {
	e := newAccessEnv(t)
	b := e.signIn(t, e.people["anna"])
	checkPage(t, b.get("/recordings/rec-anna"), http.StatusOK, "audio.wav")

	for elapsed := 4 * time.Minute; elapsed < 15*time.Minute; elapsed += 4 * time.Minute {
		e.clock.Advance(4 * time.Minute)
		w := streamSession(t, b, "rec-anna")
		if w.Code != http.StatusOK || !strings.HasPrefix(w.Header().Get("Content-Type"), "text/event-stream") {
			t.Fatalf("event stream %v after the page view = %d %q, want 200 text/event-stream", elapsed, w.Code, w.Header().Get("Content-Type"))
		}
		refresh := b.send(http.MethodGet, "/recordings/rec-anna", nil, http.Header{"Sec-Fetch-Dest": {"empty"}, "Sec-Fetch-Mode": {"cors"}})
		if refresh.Code != http.StatusOK {
			t.Fatalf("background refresh %v after the page view = %d, want 200", elapsed, refresh.Code)
		}
	}
	e.clock.Advance(3 * time.Minute) // 15 minutes after the page view
	w := streamSession(t, b, "rec-anna")
	checkPage(t, w, http.StatusUnauthorized, "Du har loggats ut")

	// A page view is activity: the stream works 10 minutes after it,
	// which is 20 minutes after sign-in.
	e.clock.Advance(time.Minute)
	b = e.signIn(t, e.people["anna"])
	e.clock.Advance(10 * time.Minute)
	checkPage(t, b.send(http.MethodGet, "/recordings/rec-anna", nil, http.Header{"Sec-Fetch-Dest": {"document"}}), http.StatusOK, "audio.wav")
	e.clock.Advance(10 * time.Minute)
	if w := streamSession(t, b, "rec-anna"); w.Code != http.StatusOK {
		t.Errorf("event stream 10 minutes after a page view = %d, want 200; body:\n%s", w.Code, w.Body)
	}
}
