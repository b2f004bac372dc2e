package ui

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// roomSessionIdle is the idle timeout of a personal session opened on a
// room tablet, much shorter than a desk session's, so that the next
// person in the room does not find it open.
const roomSessionIdle = 5 * time.Minute

// roomOfferWindow is how long after a recording's end the room page
// offers to open its summary, unless the box starts a new session first.
const roomOfferWindow = 30 * time.Minute

// roomState is the pairing and room part of the handler.
type roomState struct {
	h       *handler
	tablets TabletSource
	pages   map[string]*template.Template
	idle    time.Duration

	rejectLog    logLimiter     // rejected pairing attempts, which anyone on the network can send
	pairThrottle signInThrottle // wrong pairing codes per client address

	// NOTE: room sessions are kept in memory only. After a restart of the
	// service a session opened on a room tablet ends at the account store's
	// own idle timeout (15 minutes by default) instead of roomSessionIdle.
	mu       sync.Mutex
	sessions map[string]*roomSession // by hash of the session token
	lastBusy map[string]time.Time    // by box id: the box clock's time of the latest session state seen
}

// roomSession is a personal session that was opened on a room tablet to
// read one recording's summary.
type roomSession struct {
	tabletID    string
	boxID       string
	accountID   string
	recordingID string
	lastSeen    time.Time
	unpaired    bool // the tablet was unpaired: the next lookup ends the session
}

// roomSessionForget is how long after its last request a room session's
// entry is dropped. It is longer than the account store's absolute
// timeout (10 hours by default), so that the session itself has ended by then.
const roomSessionForget = 24 * time.Hour

// roomAuthenticator wraps the Authenticator so that every session lookup
// of a room session also checks the room's rules: the session ends after
// roomSessionIdle without a request, and when the room's box starts its
// next session.
type roomAuthenticator struct {
	Authenticator
	rooms *roomState
}

// Session returns the session with token, ending it first when it is a
// room session that has outlived its meeting.
func (a *roomAuthenticator) Session(ctx context.Context, token string) (auth.Session, error) {
	return a.lookup(ctx, token, true)
}

// Peek checks a session like Session without counting the request as
// activity, neither for the room's idle timeout nor for the account store's.
func (a *roomAuthenticator) Peek(ctx context.Context, token string) (auth.Session, error) {
	return a.lookup(ctx, token, false)
}

// lookup applies the room's rules to a session and, when touch is set,
// records the request as activity.
func (a *roomAuthenticator) lookup(ctx context.Context, token string, touch bool) (auth.Session, error) {
	inner := a.Authenticator.Peek
	if touch {
		inner = a.Authenticator.Session
	}
	rs := a.rooms
	key := sessionKeyOf(token)
	rs.mu.Lock()
	entry, ok := rs.sessions[key]
	var copied roomSession
	if ok {
		copied = *entry
	}
	rs.mu.Unlock()
	if !ok {
		return inner(ctx, token)
	}

	now := rs.h.now()
	reason := ""
	switch {
	case copied.unpaired:
		reason = "tablet_unpaired"
	case now.Sub(copied.lastSeen) >= rs.idle:
		reason = "idle_timeout"
	case rs.boxBusy(copied.boxID):
		reason = "next_meeting"
	}
	if reason != "" {
		rs.endSession(ctx, token, copied, reason)
		return auth.Session{}, fmt.Errorf("room session: %s: %w", reason, auth.ErrSessionExpired)
	}

	sess, err := inner(ctx, token)
	rs.mu.Lock()
	defer rs.mu.Unlock()
	if errors.Is(err, auth.ErrNoSession) || errors.Is(err, auth.ErrSessionExpired) || errors.Is(err, auth.ErrDisabled) {
		// The account store has ended the session. Other errors keep the
		// entry, so that the session stays a room session when the store recovers.
		delete(rs.sessions, key)
	}
	if err != nil {
		return sess, err
	}
	if e, ok := rs.sessions[key]; ok && touch {
		e.lastSeen = now
	}
	return sess, nil
}

// SignOut ends the session and removes it from the room sessions.
func (a *roomAuthenticator) SignOut(ctx context.Context, token string) error {
	a.rooms.forget(token)
	return a.Authenticator.SignOut(ctx, token)
}

// sessionKeyOf returns the key of a session token in the room sessions,
// so that the map does not hold tokens that could be used.
func sessionKeyOf(token string) string {
	sum := sha256.Sum256([]byte(token))
	return string(sum[:])
}

func (rs *roomState) forget(token string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	delete(rs.sessions, sessionKeyOf(token))
}

// endSession signs out a room session and logs why.
func (rs *roomState) endSession(ctx context.Context, token string, s roomSession, reason string) {
	rs.forget(token)
	if err := rs.h.auth.auth.SignOut(ctx, token); err != nil {
		rs.h.log.Error("end room session failed", "account_id", s.accountID, "tablet_id", s.tabletID, "error", err)
		return
	}
	rs.h.log.Info("room session ended", "reason", reason, "account_id", s.accountID, "tablet_id", s.tabletID, "box_id", s.boxID, "recording_id", s.recordingID)
}

// endTabletSessions marks every room session opened on tablet, so that
// the next request of that session signs it out.
func (rs *roomState) endTabletSessions(tabletID string) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for _, s := range rs.sessions {
		if s.tabletID == tabletID {
			s.unpaired = true
		}
	}
}

// addSession records a new room session and drops the entries of sessions
// that have made no request for roomSessionForget.
func (rs *roomState) addSession(token string, s *roomSession) {
	rs.mu.Lock()
	defer rs.mu.Unlock()
	for key, old := range rs.sessions {
		if s.lastSeen.Sub(old.lastSeen) >= roomSessionForget {
			delete(rs.sessions, key)
		}
	}
	rs.sessions[sessionKeyOf(token)] = s
}

// isRoomSession reports whether the request's session was opened on a room tablet.
func (rs *roomState) isRoomSession(r *http.Request) bool {
	_, ok := rs.roomSessionOf(r)
	return ok
}

// roomSessionOf returns a copy of the request's room session, if it has one.
func (rs *roomState) roomSessionOf(r *http.Request) (roomSession, bool) {
	token := sessionToken(r)
	if token == "" {
		return roomSession{}, false
	}
	rs.mu.Lock()
	defer rs.mu.Unlock()
	s, ok := rs.sessions[sessionKeyOf(token)]
	if !ok {
		return roomSession{}, false
	}
	return *s, true
}

// rooms returns the pairing and room part of the handler, or nil when
// Options.Tablets is not set.
func (h *handler) rooms() *roomState {
	if h.auth == nil {
		return nil
	}
	a, ok := h.auth.auth.(*roomAuthenticator)
	if !ok {
		return nil
	}
	return a.rooms
}

// onRoomTablet reports whether r comes from a paired room tablet. Such a
// tablet signs people in only through its room page, whose sessions end
// with the meeting, so the desk sign-in sends it there.
func (h *handler) onRoomTablet(r *http.Request) bool {
	rs := h.rooms()
	if rs == nil {
		return false
	}
	_, err := rs.deviceTablet(r)
	return err == nil
}

// inRoomSession reports whether the request's session was opened on a
// room tablet, so that the header offers to leave the tablet.
func (h *handler) inRoomSession(r *http.Request) bool {
	rs := h.rooms()
	return rs != nil && rs.isRoomSession(r)
}

// statuses returns the last status of each box, or none without a status source.
func (rs *roomState) statuses() map[string]protocol.Status {
	if rs.h.statuses == nil {
		return nil
	}
	return rs.h.statuses.Statuses()
}

// boxStatus returns the last status of box. A status in a session
// (asking for consent, recording or paused) is remembered, so that a
// recording that ended before it is not offered after the box is idle again.
func (rs *roomState) boxStatus(box string) (protocol.Status, bool) {
	st, ok := rs.statuses()[box]
	if ok && busyState(st.State) {
		rs.mu.Lock()
		if st.At.After(rs.lastBusy[box]) {
			rs.lastBusy[box] = st.At
		}
		rs.mu.Unlock()
	}
	return st, ok
}

// busyState reports whether a box in state is in a session.
func busyState(state protocol.BoxState) bool {
	return state == protocol.StateConsent || state == protocol.StateRecording || state == protocol.StatePaused
}

// boxBusy reports whether box is in a session now.
func (rs *roomState) boxBusy(box string) bool {
	st, ok := rs.boxStatus(box)
	return ok && busyState(st.State)
}

// roomLive is the room page's state and the data of its live updates:
// the box's state and whether a summary can be opened, never an id or content.
type roomLive struct {
	State      string `json:"state"`
	Label      string `json:"label"`
	Hint       string `json:"hint"`
	StateClass string `json:"state_class"`
	Offer      bool   `json:"offer"`
}

// roomStateTexts are the room page's Swedish label and hint of each box state.
var roomStateTexts = map[protocol.BoxState][2]string{
	protocol.StateIdle:      {"Ledig", "Handläggaren startar en inspelning genom att hålla sin tagg mot boxen."},
	protocol.StateConsent:   {"Väntar på klientens svar", "Tryck på den gröna knappen på boxen för ja, eller den röda för nej."},
	protocol.StateRecording: {"Spelar in", "Tryck på den röda knappen för att pausa. Håll den intryckt i tre sekunder för att stoppa och radera inspelningen."},
	protocol.StatePaused:    {"Pausad", "Inget spelas in. Tryck på den gröna knappen för att fortsätta."},
	protocol.StateSending:   {"Skickar inspelningen", "Inspelningen är avslutad och skickas nu till Ordagrann. Inget spelas in."},
	protocol.StateFault:     {"Fel – inspelning är inte möjlig", "Boxen kan inte spela in just nu. Kontakta IT om felet inte går över."},
	protocol.StateOffline:   {"Boxen är inte ansluten", "Kontrollera att boxen har ström och nätverk. Kontakta IT om den inte kommer tillbaka."},
}

// roomLiveFor returns the room page's state for box and whether a
// summary can be opened now.
func (rs *roomState) roomLiveFor(ctx context.Context, box string) (roomLive, error) {
	st, ok := rs.boxStatus(box)
	live := roomLive{State: "unknown", Label: "Okänt läge", Hint: "Boxen har inte hört av sig. Kontrollera att den har ström och nätverk.", StateClass: "box-offline"}
	if ok {
		texts, known := roomStateTexts[st.State]
		if known {
			live = roomLive{State: string(st.State), Label: texts[0], Hint: texts[1], StateClass: "box-" + string(st.State)}
		}
	}
	if !ok || (st.State != protocol.StateIdle && st.State != protocol.StateSending) {
		return live, nil
	}

	_, found, err := rs.offeredRecording(ctx, box)
	live.Offer = found
	return live, err
}

// offeredRecording returns the recording whose summary the room page
// offers: the box's newest recording, once it is complete, while it ended
// less than roomOfferWindow ago and no later session of the box has been
// seen. The caller checks that the box is idle or sending now.
//
// NOTE: later sessions are seen by polling the box's status, in memory.
// A session shorter than the poll interval, or one during a restart of the
// service, can go unseen, and then only roomOfferWindow limits the offer.
func (rs *roomState) offeredRecording(ctx context.Context, box string) (store.Recording, bool, error) {
	rec, found, err := rs.newestRecording(ctx, box)
	if err != nil || !found {
		return store.Recording{}, false, err
	}
	ended := rec.EndedAt
	if ended.IsZero() {
		return store.Recording{}, false, nil
	}
	rs.mu.Lock()
	laterSession := rs.lastBusy[box].After(ended)
	rs.mu.Unlock()
	if !rec.Complete || laterSession || rs.h.now().Sub(ended) >= roomOfferWindow {
		return store.Recording{}, false, nil
	}
	return rec, true, nil
}

// newestRecording returns box's newest recording. A source without a
// query by box is searched through its list of every recording.
func (rs *roomState) newestRecording(ctx context.Context, box string) (store.Recording, bool, error) {
	if src, ok := rs.h.src.(interface {
		NewestRecordingOfBox(ctx context.Context, box string) (store.Recording, error)
	}); ok {
		rec, err := src.NewestRecordingOfBox(ctx, box)
		if errors.Is(err, store.ErrNotFound) {
			return store.Recording{}, false, nil
		}
		return rec, err == nil, err
	}

	recs, err := rs.h.src.Recordings(ctx)
	if err != nil {
		return store.Recording{}, false, err
	}
	for _, rec := range recs { // newest first
		if rec.BoxID == box {
			return rec, true, nil
		}
	}
	return store.Recording{}, false, nil
}

// roomPage is the data of the room page.
type roomPage struct {
	Title  string
	Room   string // the name IT gave the tablet's room
	BoxID  string
	Live   roomLive
	WipeBy string // when a recording made now is deleted at the latest, or ""
}

// serveRoom renders the room page of the request's tablet. It first ends
// any personal session in the browser, because a room tablet is shared by
// everyone in the room.
func (rs *roomState) serveRoom(w http.ResponseWriter, r *http.Request) {
	t, ok := rs.requireTablet(w, r)
	if !ok {
		return
	}
	rs.endBrowserSession(w, r, t, "room_page")

	live, err := rs.roomLiveFor(r.Context(), t.BoxID)
	if err != nil {
		rs.h.log.Error("read room state failed", "box_id", t.BoxID, "error", err)
	}
	page := roomPage{Title: t.Name, Room: t.Name, BoxID: t.BoxID, Live: live, WipeBy: rs.wipeByText()}
	rs.setDeviceCookie(w, r, mustCookie(r, DeviceCookie))
	rs.render(w, r, http.StatusOK, "room.html", page)
}

// mustCookie returns the value of a cookie that the caller has checked exists.
func mustCookie(r *http.Request, name string) string {
	c, _ := r.Cookie(name)
	return c.Value
}

// endBrowserSession signs out the browser's personal session, if any.
func (rs *roomState) endBrowserSession(w http.ResponseWriter, r *http.Request, t store.Tablet, reason string) {
	token := sessionToken(r)
	if token == "" {
		return
	}
	if err := rs.h.auth.auth.SignOut(r.Context(), token); err != nil {
		rs.h.log.Error("end session on room tablet failed", "tablet_id", t.ID, "error", err)
	} else {
		rs.h.log.Info("session on room tablet ended", "reason", reason, "tablet_id", t.ID)
	}
	clearSessionCookie(w)
}

// wipeByText returns when a recording started now is deleted at the
// latest, such as "fredag 11 december", or "" without a wipe rule.
func (rs *roomState) wipeByText() string {
	h := rs.h
	if h.wipeTime == nil {
		return ""
	}
	now := h.now()
	at := h.wipeTime(store.Recording{FirstSeen: now, ConsentAt: now})
	if at.IsZero() {
		return ""
	}
	at = at.In(h.loc)
	return fullWeekdays[at.Weekday()] + " " + fmt.Sprint(at.Day()) + " " + fullMonths[at.Month()-1]
}

// Swedish weekday and month names written out, for the client's
// information text, indexed by time.Weekday and time.Month minus one.
var (
	fullWeekdays = [...]string{"söndag", "måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag"}
	fullMonths   = [...]string{"januari", "februari", "mars", "april", "maj", "juni", "juli", "augusti", "september", "oktober", "november", "december"}
)

// serveRoomEvents streams the room's state as server-sent events: one
// "state" event at once and one on every change. It checks the tablet on
// every poll, so an unpaired tablet gets an "unpaired" event and the
// stream ends. The events carry no ids and no content.
func (rs *roomState) serveRoomEvents(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	t, ok := rs.requireTablet(w, r)
	if !ok {
		return
	}
	h.streamEvents(w, r, func(ctx context.Context) (liveEvent, bool) {
		_, err := rs.deviceTablet(r)
		if errors.Is(err, store.ErrTabletRevoked) || errors.Is(err, store.ErrNotFound) {
			h.log.Info("room stream ended", "reason", "tablet_unpaired", "tablet_id", t.ID)
			return liveEvent{Name: "unpaired", Data: struct{}{}, Last: true}, true
		}
		if err != nil {
			h.log.Warn("room stream ended", "tablet_id", t.ID, "error", err)
			return liveEvent{}, false
		}

		live, err := rs.roomLiveFor(ctx, t.BoxID)
		if err != nil {
			h.log.Warn("room stream ended", "tablet_id", t.ID, "box_id", t.BoxID, "error", err)
			return liveEvent{}, false
		}
		return liveEvent{Name: "state", Data: live}, true
	})
}

// roomSignInPage is the data of the room's sign-in pages.
type roomSignInPage struct {
	Title    string
	Error    string
	UserName string
	CSRF     string
}

// roomMessage is a room page with a title, a message and a link back to
// the room, or to the recording at Back when it is set.
type roomMessage struct {
	Title   string
	Message string
	Back    string
}

// The room's sign-in messages.
var (
	msgRoomNoSummary = roomMessage{
		Title:   "Ingen sammanfattning att öppna",
		Message: "Det finns ingen nyss avslutad inspelning i det här rummet. Sammanfattningen kan öppnas här en stund efter att inspelningen har stoppats, och den finns alltid under Mina inspelningar på din egen dator.",
	}
	msgRoomNotOwner = roomMessage{
		Title:   "Du kan inte öppna den här sammanfattningen",
		Message: "Sammanfattningen kan bara öppnas av den handläggare som startade inspelningen med sin tagg. Du har loggats ut från surfplattan.",
	}
	msgRoomEnrol = roomMessage{
		Title:   "Tvåfaktorsinloggning saknas",
		Message: "Ditt konto har ingen autentiseringsapp kopplad ännu. Logga in på din egen dator först och följ stegen där, och försök sedan igen här.",
	}
)

// serveRoomSignInForm renders the sign-in form that opens the summary of
// the room's newest recording.
func (rs *roomState) serveRoomSignInForm(w http.ResponseWriter, r *http.Request) {
	t, ok := rs.requireTablet(w, r)
	if !ok {
		return
	}
	if !rs.checkOffer(w, r, t) {
		return
	}
	rs.render(w, r, http.StatusOK, "roomsignin.html", roomSignInPage{Title: "Öppna sammanfattningen"})
}

// checkOffer reports whether the tablet's room offers a summary now.
// Otherwise it renders the reason and returns false.
func (rs *roomState) checkOffer(w http.ResponseWriter, r *http.Request, t store.Tablet) bool {
	live, err := rs.roomLiveFor(r.Context(), t.BoxID)
	if err != nil {
		rs.h.log.Error("read room state failed", "box_id", t.BoxID, "error", err)
		rs.h.renderError(w, r, http.StatusInternalServerError)
		return false
	}
	if !live.Offer {
		rs.render(w, r, http.StatusConflict, "roommessage.html", msgRoomNoSummary)
		return false
	}
	return true
}

// serveRoomSignIn checks the user name and password on the room tablet
// and starts a pending session.
func (rs *roomState) serveRoomSignIn(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	t, ok := rs.requireTablet(w, r)
	if !ok || !h.parseAuthForm(w, r) {
		return
	}
	if !sameOrigin(r) {
		h.log.Warn("rejected cross-origin sign-in", "remote_addr", clientIP(r), "tablet_id", t.ID)
		h.renderAuthMessage(w, r, http.StatusForbidden, msgCSRF)
		return
	}
	rs.endBrowserSession(w, r, t, "new_sign_in")

	// The room's sign-in shares the desk sign-in's per-address throttle.
	addr := throttleKey(r)
	if until, blocked := h.auth.throttle.blocked(addr, h.now()); blocked {
		h.renderThrottled(w, r, until)
		return
	}

	userName := r.PostForm.Get("username")
	token, sess, err := h.auth.auth.SignIn(r.Context(), userName, r.PostForm.Get("password"))
	if errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrLocked) {
		if h.auth.throttle.fail(addr, h.now()) {
			h.log.Warn("sign-in throttled", "remote_addr", clientIP(r), "tablet_id", t.ID, "failures", throttleFailures, "blocked_for", throttleBlock.String())
		}
	}
	if err != nil {
		page := roomSignInPage{Title: "Öppna sammanfattningen"}
		if len(userName) <= auth.MaxUserNameLen {
			page.UserName = userName
		}
		switch {
		case errors.Is(err, auth.ErrInvalidCredentials):
			h.log.Info("sign-in rejected", "reason", "invalid_credentials", "remote_addr", clientIP(r), "tablet_id", t.ID)
			page.Error = textWrongPassword
			rs.render(w, r, http.StatusUnauthorized, "roomsignin.html", page)
		case errors.Is(err, auth.ErrLocked):
			h.log.Warn("sign-in rejected", "reason", "locked", "remote_addr", clientIP(r), "tablet_id", t.ID)
			page.Error = h.lockedText(err)
			rs.render(w, r, http.StatusTooManyRequests, "roomsignin.html", page)
		case errors.Is(err, auth.ErrDisabled):
			h.renderAuthMessage(w, r, http.StatusForbidden, msgDisabled)
		default:
			h.log.Error("sign-in failed", "error", err)
			h.renderError(w, r, http.StatusInternalServerError)
		}
		return
	}

	if sess.Stage != auth.StageSecondFactor {
		// Enrolling an authenticator on a shared tablet would show the
		// secret to the room, so it is done at the person's own computer.
		if err := h.auth.auth.SignOut(r.Context(), token); err != nil {
			h.log.Error("end pending session failed", "account_id", sess.Account.ID, "error", err)
		}
		rs.render(w, r, http.StatusForbidden, "roommessage.html", msgRoomEnrol)
		return
	}
	setSessionCookie(w, token)
	http.Redirect(w, r, pathRoomCode, http.StatusSeeOther)
}

// serveRoomCodeForm renders the six-digit code form of the room's sign-in.
func (rs *roomState) serveRoomCodeForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := rs.requireTablet(w, r); !ok {
		return
	}
	_, sess, ok := rs.h.pendingSession(w, r, auth.StageSecondFactor)
	if !ok {
		return
	}
	rs.render(w, r, http.StatusOK, "roomcode.html", roomSignInPage{Title: "Ange kod", CSRF: sess.CSRFToken})
}

// serveRoomCode checks the TOTP code and opens the summary of the room's
// newest recording, but only for the account that owns the badge that
// started it. Anyone else is signed out at once.
func (rs *roomState) serveRoomCode(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	t, ok := rs.requireTablet(w, r)
	if !ok {
		return
	}
	token, sess, ok := h.pendingSession(w, r, auth.StageSecondFactor)
	if !ok || !h.checkCSRF(w, r, sess) {
		return
	}

	code := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("code")), " ", "")
	newToken, signedIn, err := h.auth.auth.VerifyTOTP(r.Context(), token, code)
	if err != nil {
		h.respondCodeError(w, r, err, func(text string) {
			rs.render(w, r, http.StatusUnauthorized, "roomcode.html", roomSignInPage{Title: "Ange kod", Error: text, CSRF: sess.CSRFToken})
		})
		return
	}

	rec, owner, err := rs.ownedOffer(r.Context(), t, signedIn.Account)
	if err != nil {
		h.log.Error("check room recording owner failed", "tablet_id", t.ID, "error", err)
		rs.signOutRoom(w, r, newToken, signedIn.Account.ID)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	if rec.ID == "" {
		rs.signOutRoom(w, r, newToken, signedIn.Account.ID)
		rs.render(w, r, http.StatusConflict, "roommessage.html", msgRoomNoSummary)
		return
	}
	if !owner {
		h.log.Warn("rejected room sign-in by an account that does not own the recording", "account_id", signedIn.Account.ID, "tablet_id", t.ID, "recording_id", rec.ID)
		rs.signOutRoom(w, r, newToken, signedIn.Account.ID)
		rs.render(w, r, http.StatusForbidden, "roommessage.html", msgRoomNotOwner)
		return
	}

	rs.addSession(newToken, &roomSession{tabletID: t.ID, boxID: t.BoxID, accountID: signedIn.Account.ID, recordingID: rec.ID, lastSeen: h.now()})
	setSessionCookie(w, newToken)
	h.log.Info("room session opened", "account_id", signedIn.Account.ID, "tablet_id", t.ID, "recording_id", rec.ID)
	http.Redirect(w, r, "/recordings/"+rec.ID+"#sammanfattning", http.StatusSeeOther)
}

// ownedOffer returns the recording that the room offers now, or the zero
// Recording when none, and whether acc owns the badge that started it.
func (rs *roomState) ownedOffer(ctx context.Context, t store.Tablet, acc auth.Account) (store.Recording, bool, error) {
	if rs.boxBusy(t.BoxID) {
		return store.Recording{}, false, nil
	}
	rec, found, err := rs.offeredRecording(ctx, t.BoxID)
	if err != nil || !found {
		return store.Recording{}, false, err
	}
	if rec.BadgeID == "" {
		return rec, false, nil
	}
	owner, ok, err := rs.h.auth.dir.BadgeOwnerAt(ctx, rec.BadgeID, recordingStart(rec))
	if err != nil {
		return store.Recording{}, false, err
	}
	return rec, ok && owner == acc.ID, nil
}

// signOutRoom ends a session that the room sign-in has just opened.
func (rs *roomState) signOutRoom(w http.ResponseWriter, r *http.Request, token, accountID string) {
	if err := rs.h.auth.auth.SignOut(r.Context(), token); err != nil {
		rs.h.log.Error("end room session failed", "account_id", accountID, "error", err)
	}
	clearSessionCookie(w)
}

// serveRoomDone signs out the personal session of the "Klar – lämna
// surfplattan" button and returns to the room page.
func (rs *roomState) serveRoomDone(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	token := sessionToken(r)
	if token == "" {
		http.Redirect(w, r, pathRoom, http.StatusSeeOther)
		return
	}
	sess, err := h.auth.auth.Session(r.Context(), token)
	if err != nil {
		// The session has already ended, which is what the button requests.
		clearSessionCookie(w)
		http.Redirect(w, r, pathRoom, http.StatusSeeOther)
		return
	}
	if !h.checkCSRF(w, r, sess) {
		return
	}

	if err := h.auth.auth.SignOut(r.Context(), token); err != nil {
		h.log.Error("sign-out failed", "account_id", sess.Account.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	clearSessionCookie(w)
	h.log.Info("signed out", "account_id", sess.Account.ID, "reason", "left_room_tablet")
	http.Redirect(w, r, pathRoom, http.StatusSeeOther)
}
