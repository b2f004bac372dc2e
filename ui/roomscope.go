package ui

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
)

// pathRoomSession is the route that the pages of a room session poll to
// learn whether the session is still active.
const pathRoomSession = "/rum/session"

// roomRecordingRoutes are the signed-in routes that a room session may
// use, and only for the recording the room offered. They let the person
// read the summary and transcript, play the audio, correct the
// transcript and ask the thread. Copying to the journal, marking the
// recording documented and deleting it are left to the person's own
// computer: a copy would stay on the shared tablet's clipboard, and the
// client should not watch a deletion. Sign-out, the room pages and the
// static files are public routes, which never reach this check.
var roomRecordingRoutes = map[string]bool{
	"/recordings/{id}":                     true,
	"/recordings/{id}/audio.wav":           true,
	"GET /recordings/{id}/handelser":       true,
	"GET /recordings/{id}/segment/{seg}":   true,
	editPattern:                            true,
	"POST /recordings/{id}/talare":         true,
	"POST /recordings/{id}/antal-talare":   true,
	"POST /recordings/{id}/sammanfattning": true,
	"POST /recordings/{id}/fraga":          true,
}

// msgRoomScope is the page of a state-changing request that a room
// session may not send.
var msgRoomScope = roomMessage{
	Title:   "Det går inte på surfplattan",
	Message: "På rummets surfplatta kan du bara läsa och rätta den inspelning som du just öppnade. Gör resten på din egen dator.",
}

// checkRoomScope applies the room's rules to a signed-in request and
// reports whether it may go on. Otherwise it has written the response.
// A room session reaches only roomRecordingRoutes of its own recording.
// A desk session in a browser with a valid device cookie is signed out,
// because it would not end with the meeting like a room session does.
func (h *handler) checkRoomScope(w http.ResponseWriter, r *http.Request) bool {
	rs := h.rooms()
	if rs == nil {
		return true
	}
	if s, ok := rs.roomSessionOf(r); ok {
		return rs.checkRoomRoute(w, r, s)
	}
	if _, err := r.Cookie(DeviceCookie); err != nil {
		return true
	}

	t, err := rs.deviceTablet(r)
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrTabletRevoked) {
		return true
	}
	if err != nil {
		h.log.Error("read tablet failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return false
	}
	rs.endBrowserSession(w, r, t, "desk_session_on_room_tablet")
	http.Redirect(w, r, pathRoom, http.StatusSeeOther)
	return false
}

// checkRoomRoute reports whether a room session may send r. Otherwise it
// redirects a GET or HEAD to the session's recording and rejects any
// other method with 403.
func (rs *roomState) checkRoomRoute(w http.ResponseWriter, r *http.Request, s roomSession) bool {
	h := rs.h
	_, pattern := h.mux.Handler(r)
	if roomRecordingRoutes[pattern] && recordingIDOf(r) == s.recordingID {
		return true
	}

	h.log.Info("room session request rejected", "route", pattern, "tablet_id", s.tabletID, "recording_id", s.recordingID)
	if safeMethod(r.Method) {
		http.Redirect(w, r, "/recordings/"+s.recordingID, http.StatusSeeOther)
		return false
	}
	page := msgRoomScope
	page.Back = "/recordings/" + s.recordingID
	rs.render(w, r, http.StatusForbidden, "roommessage.html", page)
	return false
}

// recordingIDOf returns the {id} segment of a path under /recordings/,
// unescaped the way http.ServeMux unescapes it, or "".
func recordingIDOf(r *http.Request) string {
	rest, ok := strings.CutPrefix(r.URL.EscapedPath(), "/recordings/")
	if !ok {
		return ""
	}
	segment, _, _ := strings.Cut(rest, "/")
	id, err := url.PathUnescape(segment)
	if err != nil {
		return ""
	}
	return id
}

// roomSessionState is the JSON response body of pathRoomSession.
type roomSessionState struct {
	Active bool `json:"active"`
}

// serveRoomSession reports whether the browser's room session is still
// active. It checks the session with Peek, so the poll does not count as
// activity, and Peek applies the room's rules: a session past its idle
// timeout or its meeting is ended here. A desk session, or none, is not
// active. The response is JSON and must not be cached.
func (rs *roomState) serveRoomSession(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	json.NewEncoder(w).Encode(roomSessionState{Active: rs.roomSessionActive(r)})
}

// roomSessionActive reports whether r carries a signed-in room session
// that the room's rules still allow.
func (rs *roomState) roomSessionActive(r *http.Request) bool {
	if _, ok := rs.roomSessionOf(r); !ok {
		return false
	}
	sess, err := rs.h.auth.auth.Peek(r.Context(), sessionToken(r))
	return err == nil && sess.Stage == auth.StageSignedIn
}
