package ui

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// roomSignIn signs acc in on the room tablet with password and code, and
// returns the code step's response.
func (e *roomEnv) roomSignIn(t *testing.T, tab *tablet, acc authtest.Account) *httptest.ResponseRecorder {
	t.Helper()
	checkRedirect(t, tab.post(pathRoomSignIn, url.Values{"username": {acc.UserName}, "password": {authtest.Password}}), pathRoomCode)
	page := tab.get(pathRoomCode)
	return tab.post(pathRoomCode, url.Values{"code": {authtest.Code(t, acc.Secret, e.clock.Now())}, CSRFField: {csrf(t, page)}})
}

func TestRoomPageShowsStateAndNoContent(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna-hemlig", "anna-1", e.clock.Now().Add(-10*time.Minute), true)

	for _, tt := range []struct {
		state protocol.BoxState
		want  string
	}{
		{protocol.StateIdle, "Ledig"},
		{protocol.StateConsent, "Väntar på klientens svar"},
		{protocol.StateRecording, "Spelar in"},
		{protocol.StatePaused, "Pausad"},
		{protocol.StateSending, "Skickar inspelningen"},
		{protocol.StateFault, "Fel – inspelning är inte möjlig"},
		{protocol.StateOffline, "Boxen är inte ansluten"},
	} {
		t.Run(string(tt.state), func(t *testing.T) {
			e.statuses.set("box-1", tt.state, e.clock.Now())
			w := tab.get(pathRoom)
			checkPage(t, w, http.StatusOK, `id="rum-status" role="status" aria-live="polite">`+tt.want+`<`)
			body := w.Body.String()
			for _, secret := range []string{"rec-anna-hemlig", "anna-1", "Anna", "/recordings/"} {
				if strings.Contains(body, secret) {
					t.Errorf("room page contains %q of the earlier meeting", secret)
				}
			}
			for _, want := range []string{"Till dig som är klient", "påverkar inte ditt ärende", `lang="sv"`} {
				if !strings.Contains(body, want) {
					t.Errorf("room page does not contain %q", want)
				}
			}
		})
	}
}

func TestRoomInformationTextIsShort(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	body := tab.get(pathRoom).Body.String()
	start := strings.Index(body, `<section class="room-info"`)
	end := strings.Index(body[start:], "</section>")
	if start < 0 || end < 0 {
		t.Fatalf("room page has no information section:\n%s", body)
	}
	text := stripTags(body[start : start+end])
	if words := len(strings.Fields(text)); words >= 120 {
		t.Errorf("information text has %d words, want under 120:\n%s", words, text)
	}
}

// stripTags returns s without its HTML tags.
func stripTags(s string) string {
	var b strings.Builder
	inTag := false
	for _, r := range s {
		switch {
		case r == '<':
			inTag = true
		case r == '>':
			inTag = false
			b.WriteRune(' ')
		case !inTag:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func TestRoomOffersSummaryOnlyAfterStop(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	offered := func() bool {
		t.Helper()
		body := tab.get(pathRoom).Body.String()
		return !strings.Contains(body, `id="rum-oppna" hidden`)
	}

	if offered() {
		t.Errorf("offer shown with no recording")
	}
	recordMeeting(t, e.ts, "box-1", "rec-1", "anna-1", e.clock.Now().Add(-10*time.Minute), false)
	if offered() {
		t.Errorf("offer shown while the newest recording has not ended")
	}
	recordMeeting(t, e.ts, "box-1", "rec-2", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	if !offered() {
		t.Errorf("offer not shown for a recording that ended 5 minutes ago on an idle box")
	}
	e.statuses.set("box-1", protocol.StateConsent, e.clock.Now())
	if offered() {
		t.Errorf("offer shown while the box asks the next client for consent")
	}
	e.statuses.set("box-1", protocol.StateIdle, e.clock.Now())
	e.clock.Advance(roomOfferWindow)
	if offered() {
		t.Errorf("offer shown %v after the recording ended", roomOfferWindow)
	}
	checkPage(t, tab.get(pathRoomSignIn), http.StatusConflict, "Ingen sammanfattning att öppna")
}

func TestRoomOfferEndsWhenNextSessionSeen(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-10*time.Minute), true)
	checkPage(t, tab.get(pathRoom), http.StatusOK, `<section class="room-offer" id="rum-oppna">`)

	// The next client declines, so the box goes from consent back to idle
	// without a new recording.
	e.statuses.set("box-1", protocol.StateConsent, e.clock.Now().Add(-time.Minute))
	checkPage(t, tab.get(pathRoom), http.StatusOK, `id="rum-oppna" hidden`)
	e.statuses.set("box-1", protocol.StateIdle, e.clock.Now())
	checkPage(t, tab.get(pathRoom), http.StatusOK, `id="rum-oppna" hidden`)
	checkPage(t, tab.get(pathRoomSignIn), http.StatusConflict, "Ingen sammanfattning att öppna")
}

func TestRoomSignInOpensOwnersSummary(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkPage(t, tab.get(pathRoomSignIn), http.StatusOK, "Öppna sammanfattningen")

	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
	w := tab.get("/recordings/rec-anna")
	checkPage(t, w, http.StatusOK, "Klar – lämna surfplattan")

	// The button signs out and returns to the room page.
	checkPage(t, tab.post(pathRoomDone, url.Values{}), http.StatusForbidden, "Formuläret kunde inte skickas")
	checkRedirect(t, tab.post(pathRoomDone, url.Values{CSRFField: {csrf(t, w)}}), pathRoom)
	if _, ok := tab.cookies[SessionCookie]; ok {
		t.Errorf("session cookie kept after leaving the tablet")
	}
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
	checkPage(t, tab.get(pathRoom), http.StatusOK, "Ledig")
}

func TestRoomSignInRejectsOtherCaseworker(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)

	w := e.roomSignIn(t, tab, e.bo)
	checkPage(t, w, http.StatusForbidden, "Du kan inte öppna den här sammanfattningen")
	if strings.Contains(w.Body.String(), "rec-anna") || strings.Contains(w.Body.String(), "Anna") {
		t.Errorf("rejection names the recording or its owner:\n%s", w.Body)
	}
	if _, ok := tab.cookies[SessionCookie]; ok {
		t.Errorf("Bo keeps a session on the room tablet")
	}
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
	checkRedirect(t, tab.get("/"), pathSignIn)
}

// TestRoomOfferFollowsBadgeAtStart moves the badge that started a meeting
// to another caseworker after the meeting: the summary stays the first
// caseworker's to open.
func TestRoomOfferFollowsBadgeAtStart(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	e.clock.Advance(time.Minute)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-30*time.Second), true)
	ctx := context.Background()
	if err := e.store.SetBadges(ctx, e.anna.ID, nil); err != nil {
		t.Fatal(err)
	}
	if err := e.store.SetBadges(ctx, e.bo.ID, []string{"bo-1", "anna-1"}); err != nil {
		t.Fatal(err)
	}

	checkPage(t, e.roomSignIn(t, tab, e.bo), http.StatusForbidden, "Du kan inte öppna den här sammanfattningen")
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
}

// TestRoomSignInThrottled guesses passwords on a paired tablet's room
// sign-in until the tablet's address is blocked, also for the right one.
func TestRoomSignInThrottled(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)

	for i := range throttleFailures {
		form := url.Values{"username": {"gissning-" + strconv.Itoa(i)}, "password": {"fel lösenord 123"}}
		checkPage(t, tab.post(pathRoomSignIn, form), http.StatusUnauthorized, "")
	}
	w := tab.post(pathRoomSignIn, url.Values{"username": {e.anna.UserName}, "password": {authtest.Password}})
	checkPage(t, w, http.StatusTooManyRequests, "För många försök")
	if _, ok := tab.cookies[SessionCookie]; ok {
		t.Errorf("throttled room sign-in set a session cookie")
	}
}

func TestRoomSignInRejectsWrongInput(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)

	checkPage(t, tab.post(pathRoomSignIn, url.Values{"username": {"anna"}, "password": {"fel"}}), http.StatusUnauthorized, "Fel användarnamn eller lösenord")
	checkRedirect(t, tab.post(pathRoomSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}}), pathRoomCode)
	page := tab.get(pathRoomCode)
	checkPage(t, tab.post(pathRoomCode, url.Values{"code": {"000000"}, CSRFField: {csrf(t, page)}}), http.StatusUnauthorized, "Koden stämmer inte")
	checkPage(t, tab.post(pathRoomCode, url.Values{"code": {authtest.Code(t, e.anna.Secret, e.clock.Now())}}), http.StatusForbidden, "Formuläret kunde inte skickas")

	tab.header.Set("Sec-Fetch-Site", "cross-site")
	checkPage(t, tab.post(pathRoomSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}}), http.StatusForbidden, "Formuläret kunde inte skickas")
	tab.header.Del("Sec-Fetch-Site")

	// The room's sign-in needs a paired tablet.
	other := e.tablet(t)
	checkRedirect(t, other.post(pathRoomSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}}), pathPair)
}

func TestRoomSessionEndsWhenIdle(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")

	e.clock.Advance(roomSessionIdle - time.Second)
	checkPage(t, tab.get("/recordings/rec-anna"), http.StatusOK, "Klar – lämna surfplattan")
	e.clock.Advance(roomSessionIdle)
	checkPage(t, tab.get("/recordings/rec-anna"), http.StatusUnauthorized, "Du har loggats ut")
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
	if !strings.Contains(e.logs.String(), "reason=idle_timeout") {
		t.Errorf("service log does not record why the room session ended")
	}
}

func TestRoomSessionEndsAtNextMeeting(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")

	e.statuses.set("box-1", protocol.StateConsent, e.clock.Now())
	checkPage(t, tab.get("/recordings/rec-anna"), http.StatusUnauthorized, "Du har loggats ut")
}

func TestRoomPageEndsPersonalSession(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")

	checkPage(t, tab.get(pathRoom), http.StatusOK, "Ledig")
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
}

// TestRoomTabletDeskSignInGoesToRoom checks that a paired tablet cannot
// open a desk session, which would not end with the meeting.
func TestRoomTabletDeskSignInGoesToRoom(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)

	checkRedirect(t, tab.get(pathSignIn), pathRoom)
	w := tab.post(pathSignIn, url.Values{"username": {e.anna.UserName}, "password": {authtest.Password}})
	checkRedirect(t, w, pathRoom)
	if cookies := w.Result().Cookies(); len(cookies) != 0 {
		t.Errorf("desk sign-in on a room tablet set cookies %v, want none", cookies)
	}

	// A browser that is not a paired tablet still gets the sign-in form.
	desk := e.tablet(t)
	checkPage(t, desk.get(pathSignIn), http.StatusOK, "Logga in")
}

func TestRoomSessionEndsWhenTabletUnpaired(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
	list, err := e.ts.Tablets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("Tablets = %v, %v", list, err)
	}

	e.clock.Advance(30 * time.Second)
	admin := e.signIn(t, e.admin)
	token := csrf(t, admin.get(pathAdminBoxes))
	checkRedirect(t, admin.post(pathAdminTablet+list[0].ID+"/koppla-bort", url.Values{"bekrafta": {"ja"}, CSRFField: {token}}), pathAdminBoxes+"?klart=bortkopplad")
	checkPage(t, tab.get("/recordings/rec-anna"), http.StatusUnauthorized, "Du har loggats ut")
	if !strings.Contains(e.logs.String(), "reason=tablet_unpaired") {
		t.Errorf("service log does not record that the tablet was unpaired")
	}
}

func TestRoomSessionEntriesArePruned(t *testing.T) {
	e := newRoomEnv(t)
	rs := e.hd.rooms()
	rs.addSession("token-old", &roomSession{tabletID: "t1", lastSeen: testNow})
	rs.addSession("token-recent", &roomSession{tabletID: "t1", lastSeen: testNow.Add(time.Hour)})
	rs.addSession("token-new", &roomSession{tabletID: "t2", lastSeen: testNow.Add(roomSessionForget)})

	for token, want := range map[string]bool{"token-old": false, "token-recent": true, "token-new": true} {
		rs.mu.Lock()
		_, got := rs.sessions[sessionKeyOf(token)]
		rs.mu.Unlock()
		if got != want {
			t.Errorf("entry of %s kept = %v, want %v", token, got, want)
		}
	}
}

// sseEvent is one server-sent event.
type sseEvent struct {
	name string
	data string
}

// readEvent returns the next event of a stream, skipping comments and
// retry lines, or fails the test when the stream ends first.
func readEvent(t *testing.T, r *bufio.Reader) sseEvent {
	t.Helper()
	var ev sseEvent
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			t.Fatalf("stream ended before an event: %v", err)
		}
		line = strings.TrimRight(line, "\n")
		switch {
		case line == "" && ev.name != "":
			return ev
		case strings.HasPrefix(line, "event: "):
			ev.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			ev.data = strings.TrimPrefix(line, "data: ")
		}
	}
}

func TestRoomEventsFollowBoxAndUnpairing(t *testing.T) {
	e := newRoomEnv(t)
	e.hd.livePoll = 10 * time.Millisecond
	tab := e.pairedTablet(t)
	srv := httptest.NewServer(e.h)
	defer closeServer(srv)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL+pathRoomEvents, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(&http.Cookie{Name: DeviceCookie, Value: tab.cookies[DeviceCookie]})
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type = %q, want text/event-stream", ct)
	}
	stream := bufio.NewReader(resp.Body)

	for _, state := range []protocol.BoxState{protocol.StateIdle, protocol.StateConsent, protocol.StateRecording, protocol.StateSending} {
		e.statuses.set("box-1", state, e.clock.Now())
		ev := readEvent(t, stream)
		var live roomLive
		if err := json.Unmarshal([]byte(ev.data), &live); err != nil || ev.name != "state" {
			t.Fatalf("event = %q %q, %v, want a state event", ev.name, ev.data, err)
		}
		if live.State != string(state) {
			t.Errorf("event state = %q, want %q", live.State, state)
		}
		var fields map[string]any
		if err := json.Unmarshal([]byte(ev.data), &fields); err != nil {
			t.Fatal(err)
		}
		for key := range fields {
			if !strings.Contains(" state label hint state_class offer ", " "+key+" ") {
				t.Errorf("event %s carries field %q, want only the state and the offer", ev.data, key)
			}
		}
	}

	list, err := e.ts.Tablets(context.Background())
	if err != nil || len(list) != 1 {
		t.Fatalf("Tablets = %v, %v", list, err)
	}
	if _, err := e.ts.RevokeTablet(context.Background(), list[0].ID, e.admin.ID); err != nil {
		t.Fatal(err)
	}
	if ev := readEvent(t, stream); ev.name != "unpaired" {
		t.Errorf("event after unpairing = %q, want unpaired", ev.name)
	}
}

// BenchmarkRoomLiveFor measures one poll of the room's live updates on an
// idle box, which reads the box's newest recording to decide the offer,
// with 200 recordings on 10 boxes.
func BenchmarkRoomLiveFor(b *testing.B) {
	ts := openTestStore(b)
	statuses := &liveStatuses{m: map[string]protocol.Status{"box-1": {V: protocol.Version, State: protocol.StateIdle, At: testNow}}}
	h, err := New(ts, &Options{Now: func() time.Time { return testNow }, Auth: authtest.Open(b, nil), Tablets: ts.Store, Statuses: statuses})
	if err != nil {
		b.Fatal(err)
	}
	for i := range 200 {
		recordMeeting(b, ts, "box-"+strconv.Itoa(i%10), "rec-"+strconv.Itoa(i), "anna-1", testNow.Add(-time.Duration(200-i)*time.Minute), true)
	}
	rs := h.(*handler).rooms()
	ctx := context.Background()

	b.ResetTimer()
	for b.Loop() {
		if _, err := rs.roomLiveFor(ctx, "box-1"); err != nil {
			b.Fatal(err)
		}
	}
}

// roomSessionStateOf returns the decoded response of the room session route for tab.
func roomSessionStateOf(t *testing.T, tab *tablet) roomSessionState {
	t.Helper()
	w := tab.get(pathRoomSession)
	if w.Code != http.StatusOK {
		t.Fatalf("GET %s: status = %d, want 200", pathRoomSession, w.Code)
	}
	if got := w.Header().Get("Cache-Control"); got != "no-store" {
		t.Errorf("GET %s: Cache-Control = %q, want no-store", pathRoomSession, got)
	}
	var state roomSessionState
	if err := json.Unmarshal(w.Body.Bytes(), &state); err != nil {
		t.Fatalf("GET %s: body %q: %v", pathRoomSession, w.Body, err)
	}
	return state
}

func TestRoomSessionRouteFollowsRules(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	if got := roomSessionStateOf(t, tab); got.Active {
		t.Errorf("room session state without a session = %+v, want inactive", got)
	}
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
	if got := roomSessionStateOf(t, tab); !got.Active {
		t.Errorf("room session state after the sign-in = %+v, want active", got)
	}

	// A poll is no activity, so the session ends roomSessionIdle after the
	// last page request although the page polls all the time.
	e.clock.Advance(roomSessionIdle - time.Second)
	if got := roomSessionStateOf(t, tab); !got.Active {
		t.Errorf("room session state just before the idle timeout = %+v, want active", got)
	}
	e.clock.Advance(time.Second)
	if got := roomSessionStateOf(t, tab); got.Active {
		t.Errorf("room session state at the idle timeout = %+v, want inactive", got)
	}
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
}

func TestRoomSessionRouteEndsAtNextMeeting(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
	page := tab.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, `<script src="/static/roomsession.js" defer></script>`)

	e.statuses.set("box-1", protocol.StateConsent, e.clock.Now())
	if got := roomSessionStateOf(t, tab); got.Active {
		t.Errorf("room session state after the next meeting started = %+v, want inactive", got)
	}
	if !strings.Contains(e.logs.String(), "reason=next_meeting") {
		t.Errorf("service log does not record that the poll ended the session")
	}
	// The poll has ended the session on the server, not only in its answer.
	checkRedirect(t, tab.get("/recordings/rec-anna"), pathSignIn)
}

func TestRoomSessionRouteDeskSessionInactive(t *testing.T) {
	e := newRoomEnv(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	desk := e.signIn(t, e.anna)
	page := desk.get("/recordings/rec-anna")
	if page.Code != http.StatusOK || strings.Contains(page.Body.String(), "roomsession.js") {
		t.Errorf("desk recording page: status %d, loads roomsession.js = %v, want 200 without it", page.Code, strings.Contains(page.Body.String(), "roomsession.js"))
	}
	w := desk.get(pathRoomSession)
	if w.Code != http.StatusOK || strings.TrimSpace(w.Body.String()) != `{"active":false}` {
		t.Errorf("room session state of a desk session = %d %q, want 200 {\"active\":false}", w.Code, w.Body)
	}
}

// TestRoomSessionScope checks each kind of route against a room session
// that opened rec-anna: the recording's reading and correcting routes
// pass, everything else redirects to the recording or, for a
// state-changing request, is rejected.
func TestRoomSessionScope(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-other", "bo-1", e.clock.Now().Add(-20*time.Minute), true)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	checkRedirect(t, e.roomSignIn(t, tab, e.anna), "/recordings/rec-anna#sammanfattning")
	page := tab.get("/recordings/rec-anna")
	checkPage(t, page, http.StatusOK, "Klar – lämna surfplattan")
	token := csrf(t, page)
	// The page offers nothing the room session may not do.
	for _, link := range []string{`href="/recordings/rec-anna/kopiera"`, `action="/recordings/rec-anna/gallra"`, `href="/recordings/rec-anna/gallra"`, `action="/sok"`, `href="/registerutdrag"`} {
		if strings.Contains(page.Body.String(), link) {
			t.Errorf("recording page in a room session offers %s", link)
		}
	}

	allowed := []struct{ method, path string }{
		{"GET", "/recordings/rec-anna"},
		{"HEAD", "/recordings/rec-anna"},
		{"GET", "/recordings/rec-anna/audio.wav"},
		{"GET", "/recordings/rec-anna/handelser"},
		{"GET", "/recordings/rec-anna/segment/0"},
		{"POST", "/recordings/rec-anna/segment/0"},
		{"POST", "/recordings/rec-anna/talare"},
		{"POST", "/recordings/rec-anna/sammanfattning"},
		{"POST", "/recordings/rec-anna/fraga"},
	}
	for _, c := range allowed {
		t.Run("allowed "+c.method+" "+c.path, func(t *testing.T) {
			r := httptest.NewRequest(c.method, c.path, nil)
			r.AddCookie(&http.Cookie{Name: SessionCookie, Value: tab.cookies[SessionCookie]})
			r.AddCookie(&http.Cookie{Name: DeviceCookie, Value: tab.cookies[DeviceCookie]})
			w := httptest.NewRecorder()
			if !e.hd.checkRoomScope(w, r) {
				t.Errorf("checkRoomScope(%s %s) = false with %d to %q, want true", c.method, c.path, w.Code, w.Header().Get("Location"))
			}
		})
	}

	redirected := []string{"/", "/sok?q=Anna", "/recordings/rec-other", "/recordings/rec-other/audio.wav",
		"/recordings/rec-other/segment/0", "/recordings/rec-anna/kopiera", "/recordings/rec-anna/gallra",
		"/registerutdrag", "/admin", "/recordings/rec-anna%2F..%2Frec-other/audio.wav", "/okand-sida"}
	for _, path := range redirected {
		t.Run("redirected GET "+path, func(t *testing.T) {
			checkRedirect(t, tab.get(path), "/recordings/rec-anna")
		})
	}

	rejected := []string{"/recordings/rec-anna/kopiera", "/recordings/rec-anna/gallra", "/recordings/rec-anna/dokumenterad",
		"/recordings/rec-other/fraga", "/recordings/rec-other/segment/0", "/recordings/rec-other/talare", "/registerutdrag"}
	for _, path := range rejected {
		t.Run("rejected POST "+path, func(t *testing.T) {
			w := tab.post(path, url.Values{CSRFField: {token}})
			checkPage(t, w, http.StatusForbidden, "Det går inte på surfplattan")
			checkPage(t, w, http.StatusForbidden, `href="/recordings/rec-anna">Tillbaka till inspelningen`)
		})
	}

	// The session is still open after the rejections.
	checkPage(t, tab.get("/recordings/rec-anna"), http.StatusOK, "Klar – lämna surfplattan")
	w := tab.get("/recordings/rec-anna/audio.wav")
	if w.Code != http.StatusOK || w.Header().Get("Content-Type") != "audio/wav" {
		t.Errorf("own audio: status %d, type %q, want 200 audio/wav", w.Code, w.Header().Get("Content-Type"))
	}
}

// TestDeskSessionOnRoomTabletEnds checks that a desk session in a browser
// with a valid device cookie is signed out instead of being served.
func TestDeskSessionOnRoomTabletEnds(t *testing.T) {
	e := newRoomEnv(t)
	tab := e.pairedTablet(t)
	recordMeeting(t, e.ts, "box-1", "rec-anna", "anna-1", e.clock.Now().Add(-5*time.Minute), true)
	desk := e.signIn(t, e.anna)
	tab.cookies[SessionCookie] = desk.cookie

	checkRedirect(t, tab.get("/"), pathRoom)
	if _, ok := tab.cookies[SessionCookie]; ok {
		t.Errorf("session cookie kept on the room tablet")
	}
	checkRedirect(t, desk.get("/"), pathSignIn)
	if !strings.Contains(e.logs.String(), "reason=desk_session_on_room_tablet") {
		t.Errorf("service log does not record why the session ended")
	}

	// A device cookie that names no tablet does not bind a desk session.
	e.clock.Advance(30 * time.Second) // the first sign-in's TOTP step is used up
	other := e.signIn(t, e.anna)
	stale := e.tablet(t)
	stale.cookies[SessionCookie] = other.cookie
	stale.cookies[DeviceCookie] = strings.Repeat("A", 43)
	checkPage(t, stale.get("/recordings/rec-anna"), http.StatusOK, "rec-anna")
}
