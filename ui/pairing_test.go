package ui

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// liveStatuses is a status source whose statuses a test changes while
// the view reads them, as ingest's does when a box reports.
type liveStatuses struct {
	mu sync.Mutex
	m  map[string]protocol.Status
}

func (s *liveStatuses) Statuses() map[string]protocol.Status {
	s.mu.Lock()
	defer s.mu.Unlock()
	return maps.Clone(s.m)
}

func (s *liveStatuses) set(box string, state protocol.BoxState, at time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.m[box] = protocol.Status{V: protocol.Version, State: state, At: at}
}

// tabletCall is one access-log entry that the view passed to Options.Access.
type tabletCall struct {
	Actor  string
	Action string
	Op     string
	Detail map[string]string
}

type tabletAccess struct {
	mu    sync.Mutex
	calls []tabletCall
}

func (a *tabletAccess) record(r *http.Request, action, rec string) error {
	acc, _ := AccountFromContext(r.Context())
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, tabletCall{Actor: acc.ID, Action: action, Op: AccessDetailFromContext(r.Context()).Op, Detail: ActionDetailFromContext(r.Context())})
	return nil
}

// take returns the calls since the last take.
func (a *tabletAccess) take() []tabletCall {
	a.mu.Lock()
	defer a.mu.Unlock()
	calls := a.calls
	a.calls = nil
	return calls
}

// roomEnv is the view with sign-in, a real recording store that also
// stores the tablets, and box statuses the test sets. Anna (badge anna-1)
// and Bo (badge bo-1) are caseworkers; Iris is the IT admin.
type roomEnv struct {
	*authEnv
	hd       *handler
	ts       *testStore
	statuses *liveStatuses
	access   *tabletAccess
	admin    authtest.Account
	anna     authtest.Account
	bo       authtest.Account
}

func newRoomEnv(t *testing.T) *roomEnv {
	t.Helper()
	e := &roomEnv{
		authEnv:  &authEnv{clock: &authClock{now: testNow}, logs: &bytes.Buffer{}},
		ts:       openTestStore(t),
		statuses: &liveStatuses{m: map[string]protocol.Status{}},
		access:   &tabletAccess{},
	}
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	e.store = authtest.Open(t, &auth.Options{Now: e.clock.Now, Logger: logger})
	h, err := New(e.ts, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store, Access: e.access.record, Tablets: e.ts.Store, Statuses: e.statuses})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h, e.hd = h, h.(*handler)

	e.admin = authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "iris", DisplayName: "Iris Admin", Role: auth.RoleAdmin})
	e.anna = authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "anna", DisplayName: "Anna Berg", Role: auth.RoleCaseworker, Team: "Team Nord"})
	e.bo = authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: "bo", DisplayName: "Bo Ek", Role: auth.RoleCaseworker, Team: "Team Nord"})
	for acc, badge := range map[string]string{e.anna.ID: "anna-1", e.bo.ID: "bo-1"} {
		if err := e.store.SetBadges(context.Background(), acc, []string{badge}); err != nil {
			t.Fatal(err)
		}
	}
	e.clock.Advance(30 * time.Second)
	e.statuses.set("box-1", protocol.StateIdle, testNow)
	return e
}

// recordMeeting stores a one-second recording on box started with badge,
// the way ingest stores the box's consent, chunk and, when ended is set,
// end events. The meeting starts at consentAt.
func recordMeeting(t testing.TB, ts *testStore, box, rec, badge string, consentAt time.Time, ended bool) {
	t.Helper()
	ctx := context.Background()
	ts.now = consentAt.Add(time.Second) // the store receives the meeting while it happens
	format := protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}
	consent := protocol.Event{Seq: 0, Type: protocol.EventConsent, At: consentAt, Start: &protocol.StartInfo{
		Format: format, BadgeID: badge, Board: "sim", ConsentAsk: consentAt.Add(-5 * time.Second),
	}}
	if _, err := ts.PutEvent(ctx, box, rec, consent); err != nil {
		t.Fatalf("PutEvent(consent %s): %v", rec, err)
	}
	samples := make([]int16, 16000)
	for i := range samples {
		samples[i] = int16(i % 2000)
	}
	h := protocol.ChunkHeader{Format: format, FirstFrame: 0, Frames: len(samples), CapturedAt: consentAt}
	if _, err := ts.PutChunk(ctx, box, rec, 0, h, audio.EncodePCM(samples)); err != nil {
		t.Fatalf("PutChunk(%s): %v", rec, err)
	}
	if ended {
		endMeeting(t, ts, box, rec, consentAt.Add(time.Second))
	}
}

// endMeeting stores the end event of a recording of recordMeeting.
func endMeeting(t testing.TB, ts *testStore, box, rec string, at time.Time) {
	t.Helper()
	end := protocol.Event{Seq: 1, Type: protocol.EventEnd, At: at, Frame: 16000, End: &protocol.EndInfo{Chunks: 1, Frames: 16000}}
	if _, err := ts.PutEvent(context.Background(), box, rec, end); err != nil {
		t.Fatalf("PutEvent(end %s): %v", rec, err)
	}
}

// tablet is a browser on a room tablet: it keeps every cookie the view sets.
type tablet struct {
	t       *testing.T
	h       http.Handler
	cookies map[string]string
	header  http.Header // sent with every request
	addr    string      // the client address, 127.0.0.1:53001 when empty
}

func (e *roomEnv) tablet(t *testing.T) *tablet {
	return &tablet{t: t, h: e.h, cookies: map[string]string{}, header: http.Header{}}
}

func (b *tablet) send(method, path string, form url.Values) *httptest.ResponseRecorder {
	b.t.Helper()
	body := ""
	if form != nil {
		body = form.Encode()
	}
	r := httptest.NewRequest(method, path, strings.NewReader(body))
	r.RemoteAddr = "127.0.0.1:53001"
	if b.addr != "" {
		r.RemoteAddr = b.addr
	}
	r.Host = "127.0.0.1:8080"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range b.header {
		r.Header[k] = vs
	}
	for name, value := range b.cookies {
		r.AddCookie(&http.Cookie{Name: name, Value: value})
	}

	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.MaxAge < 0 {
			delete(b.cookies, c.Name)
		} else {
			b.cookies[c.Name] = c.Value
		}
	}
	return w
}

func (b *tablet) get(path string) *httptest.ResponseRecorder {
	return b.send(http.MethodGet, path, nil)
}

func (b *tablet) post(path string, form url.Values) *httptest.ResponseRecorder {
	return b.send(http.MethodPost, path, form)
}

var pairTokenInput = regexp.MustCompile(`name="pair_token" value="([^"]+)"`)

// pair opens the pairing page and submits code with the page's form token.
func (b *tablet) pair(code string) *httptest.ResponseRecorder {
	b.t.Helper()
	page := b.get(pathPair)
	m := pairTokenInput.FindStringSubmatch(page.Body.String())
	if m == nil {
		b.t.Fatalf("pairing page has no form token:\n%s", page.Body)
	}
	return b.post(pathPair, url.Values{"kod": {code}, pairFormField: {m[1]}})
}

var pairCodeShown = regexp.MustCompile(`id="parkopplingskod">([A-Z2-9]{4}) ([A-Z2-9]{4})<`)

// createCode has the admin create a pairing code for box and returns it.
func (e *roomEnv) createCode(t *testing.T, admin *browser, box string) string {
	t.Helper()
	page := admin.get(pathAdminBoxes)
	w := admin.post(pathAdminPair, url.Values{"box": {box}, "namn": {"Samtalsrum 2"}, CSRFField: {csrf(t, page)}})
	if w.Code != http.StatusCreated {
		t.Fatalf("create code = %d, want 201:\n%s", w.Code, w.Body)
	}
	m := pairCodeShown.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("code page shows no code:\n%s", w.Body)
	}
	return m[1] + m[2]
}

// pairedTablet returns a tablet paired with box-1.
func (e *roomEnv) pairedTablet(t *testing.T) *tablet {
	t.Helper()
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")
	tab := e.tablet(t)
	checkRedirect(t, tab.pair(code), pathRoom)
	e.access.take()
	e.clock.Advance(30 * time.Second) // the admin's TOTP step is used up
	return tab
}

func TestAdminBoxesListsBoxesAndTablets(t *testing.T) {
	e := newRoomEnv(t)
	recordMeeting(t, e.ts, "box-7", "rec-old", "anna-1", testNow.Add(-2*time.Hour), true)
	e.pairedTablet(t)

	admin := e.signIn(t, e.admin)
	w := admin.get(pathAdminBoxes)
	checkPage(t, w, http.StatusOK, "Boxar och surfplattor")
	body := w.Body.String()
	for _, want := range []string{`id="box-box-1"`, `id="box-box-7"`, "Samtalsrum 2", "Parkoppla en surfplatta", "ledig"} {
		if !strings.Contains(body, want) {
			t.Errorf("boxes page does not contain %q", want)
		}
	}
	if got := admin.get("/admin"); !strings.Contains(got.Body.String(), `href="/admin/boxar"`) {
		t.Errorf("admin start page has no link to the boxes page")
	}
}

func TestCreateCodeShowsCodeAndQR(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	page := admin.get(pathAdminBoxes)
	w := admin.post(pathAdminPair, url.Values{"box": {"box-1"}, "namn": {""}, CSRFField: {csrf(t, page)}})
	checkPage(t, w, http.StatusCreated, "Kod för parkoppling")
	body := w.Body.String()
	m := pairCodeShown.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("code page shows no code:\n%s", body)
	}
	if !strings.Contains(body, `src="data:image/png;base64,`) {
		t.Errorf("code page has no QR image")
	}
	if !strings.Contains(w.Header().Get("Content-Security-Policy"), "img-src 'self' data:") {
		t.Errorf("CSP = %q, want data: images allowed for the QR code", w.Header().Get("Content-Security-Policy"))
	}
	if !strings.Contains(body, "klockan 16:10") {
		t.Errorf("code page does not say the code is valid until 16:10 Stockholm time:\n%s", body)
	}

	calls := e.access.take()
	if len(calls) != 1 || calls[0].Op != "create_pairing_code" || calls[0].Actor != e.admin.ID || calls[0].Detail["box_id"] != "box-1" {
		t.Fatalf("access log = %+v, want one create_pairing_code entry by the admin for box-1", calls)
	}
	code := m[1] + m[2]
	for _, c := range calls {
		for _, v := range c.Detail {
			if strings.Contains(v, code) {
				t.Errorf("access log detail contains the code: %+v", c.Detail)
			}
		}
	}
	if strings.Contains(e.logs.String(), code) {
		t.Errorf("service log contains the code")
	}
}

func TestCreateCodeRejectsBadInput(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	token := csrf(t, admin.get(pathAdminBoxes))

	checkPage(t, admin.post(pathAdminPair, url.Values{"box": {"box-unknown"}, CSRFField: {token}}), http.StatusBadRequest, "Boxen finns inte i listan")
	checkPage(t, admin.post(pathAdminPair, url.Values{"box": {"box-1"}, "namn": {strings.Repeat("x", 61)}, CSRFField: {token}}), http.StatusBadRequest, "högst 60 tecken")
	checkPage(t, admin.post(pathAdminPair, url.Values{"box": {"box-1"}}), http.StatusForbidden, "Formuläret kunde inte skickas")
	if calls := e.access.take(); len(calls) != 0 {
		t.Errorf("access log after rejected requests = %+v, want nothing", calls)
	}
}

func TestNonAdminCannotCreateCodes(t *testing.T) {
	e := newRoomEnv(t)
	anna := e.signIn(t, e.anna)
	token := csrf(t, anna.get("/"))

	checkPage(t, anna.get(pathAdminBoxes), http.StatusForbidden, "Du har inte behörighet")
	checkPage(t, anna.post(pathAdminPair, url.Values{"box": {"box-1"}, CSRFField: {token}}), http.StatusForbidden, "Du har inte behörighet")
	if list, err := e.ts.Tablets(context.Background()); err != nil || len(list) != 0 {
		t.Errorf("tablets = %v, %v, want none", list, err)
	}

	anon := e.tablet(t)
	checkRedirect(t, anon.post(pathAdminPair, url.Values{"box": {"box-1"}}), pathSignIn)
}

func TestPairTabletSetsDeviceCookie(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")
	e.access.take()

	// The QR code's address fills in the form; the GET pairs nothing.
	tab := e.tablet(t)
	w := tab.get(pathPair + "?kod=" + strings.ToLower(code))
	checkPage(t, w, http.StatusOK, `value="`+code+`"`)
	if _, ok := tab.cookies[DeviceCookie]; ok {
		t.Fatalf("GET %s set the device cookie", pathPair)
	}

	w = tab.pair(code[:4] + "-" + code[4:])
	checkRedirect(t, w, pathRoom)
	var device *http.Cookie
	for _, c := range w.Result().Cookies() {
		if c.Name == DeviceCookie {
			device = c
		}
	}
	if device == nil {
		t.Fatalf("pairing set no device cookie")
	}
	if !device.HttpOnly || device.SameSite != http.SameSiteStrictMode || device.MaxAge < 300*24*3600 {
		t.Errorf("device cookie = %+v, want HttpOnly, SameSite=Strict and a lifetime of months", device)
	}
	if device.Secure {
		t.Errorf("device cookie is Secure on a plain-HTTP loopback request, so it could not be sent back")
	}
	checkPage(t, tab.get(pathRoom), http.StatusOK, "Samtalsrum 2")

	calls := e.access.take()
	if len(calls) != 1 || calls[0].Op != "pair_tablet" || calls[0].Actor != e.admin.ID || calls[0].Detail["tablet_id"] == "" {
		t.Errorf("access log = %+v, want one pair_tablet entry attributed to the admin", calls)
	}
	if strings.Contains(e.logs.String(), device.Value) || strings.Contains(e.logs.String(), code) {
		t.Errorf("service log contains the device token or the code")
	}
}

func TestDeviceCookieSecureOverTLS(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")

	tab := e.tablet(t)
	page := tab.get(pathPair)
	token := pairTokenInput.FindStringSubmatch(page.Body.String())[1]
	r := httptest.NewRequest(http.MethodPost, "https://127.0.0.1:8443"+pathPair, strings.NewReader(url.Values{"kod": {code}, pairFormField: {token}}.Encode()))
	r.RemoteAddr = "127.0.0.1:53001"
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r.AddCookie(&http.Cookie{Name: pairFormCookie, Value: tab.cookies[pairFormCookie]})
	w := httptest.NewRecorder()
	e.h.ServeHTTP(w, r)
	checkRedirect(t, w, pathRoom)
	for _, c := range w.Result().Cookies() {
		if c.Name == DeviceCookie && !c.Secure {
			t.Errorf("device cookie over TLS is not Secure")
		}
	}
}

func TestPairRejectsBadCodes(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	used := e.createCode(t, admin, "box-1")
	checkRedirect(t, e.tablet(t).pair(used), pathRoom)
	expired := e.createCode(t, admin, "box-1")
	e.access.take()

	tab := e.tablet(t)
	checkPage(t, tab.pair("ABC"), http.StatusBadRequest, "Koden ska vara 8 tecken")
	checkPage(t, tab.pair(used), http.StatusConflict, "Koden har redan använts")
	wrong := "ZZZZZZZZ"
	if wrong == used || wrong == expired {
		wrong = "YYYYYYYY"
	}
	checkPage(t, tab.pair(wrong), http.StatusUnauthorized, "Koden stämmer inte")
	e.ts.now = e.ts.now.Add(store.PairingCodeTTL)
	checkPage(t, tab.pair(expired), http.StatusGone, "Koden har gått ut")
	if _, ok := tab.cookies[DeviceCookie]; ok {
		t.Errorf("a failed pairing set the device cookie")
	}

	calls := e.access.take()
	var reasons []string
	for _, c := range calls {
		if c.Op != "pair_tablet_failed" || c.Actor != "unknown" {
			t.Errorf("access log entry %+v, want op pair_tablet_failed by unknown", c)
		}
		reasons = append(reasons, c.Detail["reason"])
	}
	if got, want := strings.Join(reasons, " "), "malformed_code used_code wrong_code expired_code"; got != want {
		t.Errorf("logged failure reasons = %q, want %q", got, want)
	}
}

// TestPairThrottlesWrongCodesPerAddress checks that wrong codes block
// the address that sent them, and neither the code nor other clients.
func TestPairThrottlesWrongCodesPerAddress(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")
	wrong := "ZZZZZZZZ"
	if wrong == code {
		wrong = "YYYYYYYY"
	}

	guesser := e.tablet(t)
	guesser.addr = "[::1]:40000"
	for i := range throttleFailures {
		if w := guesser.pair(wrong); w.Code != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: status = %d, want 401", i+1, w.Code)
		}
	}
	// The blocked address is not checked, even with the right code.
	checkPage(t, guesser.pair(code), http.StatusTooManyRequests, "För många felaktiga koder")
	if _, ok := guesser.cookies[DeviceCookie]; ok {
		t.Errorf("a blocked address paired a tablet")
	}

	// Another client pairs with the same code.
	tab := e.tablet(t)
	checkRedirect(t, tab.pair(code), pathRoom)
	if _, ok := tab.cookies[DeviceCookie]; !ok {
		t.Errorf("the right code from another address set no device cookie")
	}

	// The block ends after throttleBlock.
	e.clock.Advance(throttleBlock)
	checkPage(t, guesser.pair(wrong), http.StatusUnauthorized, "Koden stämmer inte")
	if !strings.Contains(e.logs.String(), "pairing throttled") {
		t.Errorf("service log does not record the blocked address")
	}
}

func TestPairRequiresFormToken(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")

	// No form token and no cookie, as from another site's form.
	tab := e.tablet(t)
	checkPage(t, tab.post(pathPair, url.Values{"kod": {code}}), http.StatusForbidden, "Formuläret var för gammalt")

	// A token that does not match the cookie.
	tab.get(pathPair)
	checkPage(t, tab.post(pathPair, url.Values{"kod": {code}, pairFormField: {"fel"}}), http.StatusForbidden, "Formuläret var för gammalt")

	// A valid token from a cross-site request.
	tab.header.Set("Sec-Fetch-Site", "cross-site")
	checkPage(t, tab.pair(code), http.StatusForbidden, "Formuläret var för gammalt")
	tab.header.Del("Sec-Fetch-Site")

	// The code still works: none of the rejected requests used it.
	checkRedirect(t, tab.pair(code), pathRoom)
}

func TestUnpairStopsTabletAtOnce(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	checkPage(t, tab.get(pathRoom), http.StatusOK, "Samtalsrum 2")
	list, err := e.ts.Tablets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("Tablets = %v, %v, want one", list, err)
	}
	id := list[0].ID

	admin := e.signIn(t, e.admin)
	token := csrf(t, admin.get(pathAdminBoxes))
	checkPage(t, admin.post(pathAdminTablet+id+"/koppla-bort", url.Values{CSRFField: {token}}), http.StatusBadRequest, "Kryssa i rutan")
	checkPage(t, admin.post(pathAdminTablet+id+"/koppla-bort", url.Values{"bekrafta": {"ja"}}), http.StatusForbidden, "Formuläret kunde inte skickas")
	checkPage(t, admin.post(pathAdminTablet+"okand/koppla-bort", url.Values{"bekrafta": {"ja"}, CSRFField: {token}}), http.StatusNotFound, "Sidan finns inte")
	e.access.take()

	checkRedirect(t, admin.post(pathAdminTablet+id+"/koppla-bort", url.Values{"bekrafta": {"ja"}, CSRFField: {token}}), pathAdminBoxes+"?klart=bortkopplad")
	calls := e.access.take()
	if len(calls) != 1 || calls[0].Op != "unpair_tablet" || calls[0].Detail["tablet_id"] != id {
		t.Errorf("access log = %+v, want one unpair_tablet entry for %s", calls, id)
	}

	checkPage(t, tab.get(pathRoom), http.StatusForbidden, "IT har kopplat bort den här surfplattan")
	if _, ok := tab.cookies[DeviceCookie]; ok {
		t.Errorf("the unpaired tablet keeps its device cookie")
	}
}

func TestRoomWithoutDeviceCookieAsksToPair(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.tablet(t)
	for _, path := range []string{pathRoom, pathRoomEvents, pathRoomSignIn} {
		checkRedirect(t, tab.get(path), pathPair)
	}
	tab.cookies[DeviceCookie] = "inte-en-riktig-token"
	checkRedirect(t, tab.get(pathRoom), pathPair)
	if _, ok := tab.cookies[DeviceCookie]; ok {
		t.Errorf("an unknown device cookie was kept")
	}
	checkPage(t, tab.get(pathPair), http.StatusOK, "Parkoppla surfplattan")
}

func TestTabletsNeedAuth(t *testing.T) {
	ts := openTestStore(t)
	_, err := New(ts, &Options{Tablets: ts.Store, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err == nil || !strings.Contains(err.Error(), "Tablets without Auth") {
		t.Errorf("New(Tablets without Auth) = %v, want an error naming the missing Auth", err)
	}
}

func TestPairingAccessEntriesAreValid(t *testing.T) {
	e := newRoomEnv(t)
	admin := e.signIn(t, e.admin)
	code := e.createCode(t, admin, "box-1")
	tab := e.tablet(t)
	tab.pair("ZZZZZZZZ")
	checkRedirect(t, tab.pair(code), pathRoom)
	tab.pair(code)
	list, err := e.ts.Tablets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("Tablets = %v, %v", list, err)
	}
	token := csrf(t, admin.get(pathAdminBoxes))
	checkRedirect(t, admin.post(pathAdminTablet+list[0].ID+"/koppla-bort", url.Values{"bekrafta": {"ja"}, CSRFField: {token}}), pathAdminBoxes+"?klart=bortkopplad")

	// The central service's access hook turns each call into an entry with
	// the op and account_id of the admin detail and the action detail.
	var ops []string
	for _, c := range e.access.take() {
		detail := map[string]string{"op": c.Op, "account_id": ""}
		maps.Copy(detail, c.Detail)
		entry := audit.Entry{Actor: c.Actor, Role: audit.RoleIT, Action: audit.Action(c.Action), Device: "web", Detail: detail}
		if err := entry.Validate(); err != nil {
			t.Errorf("entry %+v: Validate() = %v, want nil", entry, err)
		}
		ops = append(ops, c.Op)
	}
	if got, want := strings.Join(ops, " "), "create_pairing_code pair_tablet_failed pair_tablet pair_tablet_failed unpair_tablet"; got != want {
		t.Errorf("access log ops = %q, want %q", got, want)
	}
}
