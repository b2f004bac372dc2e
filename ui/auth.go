package ui

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
)

// Authenticator checks passwords, second factors and sessions.
// *auth.Store implements it. Its errors wrap the auth package's sentinels.
type Authenticator interface {
	SignIn(ctx context.Context, userName, password string) (string, auth.Session, error)
	VerifyTOTP(ctx context.Context, token, code string) (string, auth.Session, error)
	UseRecoveryCode(ctx context.Context, token, code string) (string, auth.Session, int, error)
	BeginEnrolment(ctx context.Context, token string) (auth.Enrolment, error)
	FinishEnrolment(ctx context.Context, token, code string) (string, auth.Session, []string, error)
	Session(ctx context.Context, token string) (auth.Session, error)
	// Peek returns the session like Session without counting the request
	// as activity for the idle timeout.
	Peek(ctx context.Context, token string) (auth.Session, error)
	SignOut(ctx context.Context, token string) error
}

var _ Authenticator = (*auth.Store)(nil)

// SessionCookie is the session cookie's name. The __Host- prefix makes
// browsers accept it only with Secure, Path=/ and no Domain, so no other
// host or path can set or shadow it.
const SessionCookie = "__Host-ordagrann-session"

// CSRFField and CSRFHeader carry the session's CSRF token in a form and
// in a fetch request.
const (
	CSRFField  = "csrf_token"
	CSRFHeader = "X-CSRF-Token"
)

// maxAuthForm is the maximum size of a form body, on the sign-in path and
// in every signed-in POST but segment edits. The longest valid form, a
// manager's reason of 500 bytes percent-encoded with the CSRF token, is
// under 2 KiB.
const maxAuthForm = 4 << 10

// maxEditForm is the maximum size of a segment edit's form: 2,000
// characters of up to 4 UTF-8 bytes each, percent-encoded, with the CSRF
// token, is about 24 KiB.
const maxEditForm = 32 << 10

// editPattern is the route whose forms may be maxEditForm long.
const editPattern = "POST /recordings/{id}/segment/{seg}"

// maxCopyForm is the maximum size of a copy form: every row of a meeting
// of several hours chosen one by one ("rad=1234&", 9 bytes each for up to
// 6,000 rows) with the CSRF token.
const maxCopyForm = 64 << 10

// copyPattern is the route whose forms may be maxCopyForm long.
const copyPattern = "POST /recordings/{id}/kopiera"

// Paths of the sign-in pages.
const (
	pathSignIn   = "/logga-in"
	pathCode     = "/logga-in/kod"
	pathRecovery = "/logga-in/aterstallningskod"
	pathEnrol    = "/logga-in/registrera"
	pathSignOut  = "/logga-ut"
)

// authPageNames are the sign-in templates, parsed with the shared layout.
var authPageNames = []string{"authsignin.html", "authcode.html", "authenrol.html", "authrecoverycodes.html", "authsignout.html", "authmessage.html", "authreason.html"}

// authState is the sign-in part of the handler.
type authState struct {
	auth     Authenticator
	dir      AccountDirectory
	pages    map[string]*template.Template
	routes   *http.ServeMux // pages reachable without a signed-in session
	grants   reasonGrants
	throttle signInThrottle
}

// initAuth parses the sign-in pages and registers their routes. It is
// called by New when Options.Auth is set.
func (h *handler) initAuth(a Authenticator) error {
	dir, ok := a.(AccountDirectory)
	if !ok {
		return fmt.Errorf("ui: Auth %T does not implement AccountDirectory, so access to recordings cannot be checked", a)
	}
	st := &authState{auth: a, dir: dir, pages: map[string]*template.Template{}, routes: http.NewServeMux()}
	for _, name := range append(authPageNames, adminPageNames...) {
		files := []string{"templates/layout.html", "templates/" + name}
		if strings.HasPrefix(name, "admin") {
			files = append(files, "templates/adminshared.html")
		}
		t, err := template.New(name).ParseFS(templateFiles, files...)
		if err != nil {
			return fmt.Errorf("ui: parse template %s: %w", name, err)
		}
		st.pages[name] = t
	}

	st.routes.HandleFunc("GET "+pathSignIn, h.serveSignInForm)
	st.routes.HandleFunc("POST "+pathSignIn, h.serveSignIn)
	st.routes.HandleFunc("GET "+pathCode, h.serveCodeForm)
	st.routes.HandleFunc("POST "+pathCode, h.serveCode)
	st.routes.HandleFunc("POST "+pathRecovery, h.serveRecoveryCode)
	st.routes.HandleFunc("GET "+pathEnrol, h.serveEnrolForm)
	st.routes.HandleFunc("POST "+pathEnrol, h.serveEnrol)
	st.routes.HandleFunc("GET "+pathSignOut, h.serveSignOutForm)
	st.routes.HandleFunc("POST "+pathSignOut, h.serveSignOut)
	st.routes.HandleFunc("GET /static/{name}", h.serveStatic)

	h.handle("POST /recordings/{id}/skal", routeOther, RequireRole(auth.RoleManager)(http.HandlerFunc(h.serveReason)))
	h.registerAdmin()
	h.auth = st
	return nil
}

// serveWithAuth serves the sign-in pages and static files to anyone, and
// every other path only to a signed-in session. A state-changing request
// must also carry the session's CSRF token, which is checked before any
// page handler runs.
func (h *handler) serveWithAuth(w http.ResponseWriter, r *http.Request) {
	if _, pattern := h.auth.routes.Handler(r); pattern != "" {
		h.auth.routes.ServeHTTP(w, r)
		return
	}

	sess, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	if !safeMethod(r.Method) && !h.checkCSRF(w, r, sess) {
		return
	}
	r = r.WithContext(withSession(r.Context(), h, sess))
	if !h.checkRoomScope(w, r) {
		return
	}

	// A state-changing request reaches only a route registered with its
	// method, such as "POST /admin/nytt-konto". Routes without a method
	// are read-only pages.
	if !safeMethod(r.Method) {
		if _, pattern := h.mux.Handler(r); !strings.HasPrefix(pattern, r.Method+" ") {
			w.Header().Set("Allow", "GET, HEAD")
			h.renderError(w, r, http.StatusMethodNotAllowed)
			return
		}
	}
	// Admins and auditors read no recordings, so their start pages are the
	// account list and the access log.
	if r.URL.Path == "/" && sess.Account.Role == auth.RoleAdmin {
		http.Redirect(w, r, pathAdmin, http.StatusSeeOther)
		return
	}
	if r.URL.Path == "/" && sess.Account.Role == auth.RoleAuditor && h.hasAuditor {
		http.Redirect(w, r, pathAuditLog, http.StatusSeeOther)
		return
	}
	h.mux.ServeHTTP(w, r)
}

// safeMethod reports whether a method changes nothing on the server.
func safeMethod(method string) bool {
	return method == http.MethodGet || method == http.MethodHead
}

// sessionToken returns the session cookie's value, or "".
func sessionToken(r *http.Request) string {
	c, err := r.Cookie(SessionCookie)
	if err != nil {
		return ""
	}
	return c.Value
}

// setSessionCookie sends the session cookie. It has no Max-Age, so the
// browser drops it when it closes; the server ends the session earlier
// through its idle and absolute timeouts.
func setSessionCookie(w http.ResponseWriter, token string) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: token, Path: "/", Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// clearSessionCookie sends an expired session cookie, which makes the browser delete it.
func clearSessionCookie(w http.ResponseWriter) {
	http.SetCookie(w, &http.Cookie{Name: SessionCookie, Value: "", Path: "/", MaxAge: -1, Secure: true, HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// requireSession returns the request's signed-in session. Otherwise it
// writes the response: a redirect to sign-in without a session, the
// expired page for an expired one, or a redirect to the pending step.
func (h *handler) requireSession(w http.ResponseWriter, r *http.Request) (auth.Session, bool) {
	token := sessionToken(r)
	if token == "" {
		http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
		return auth.Session{}, false
	}

	lookup := h.auth.auth.Session
	if h.passiveRequest(r) {
		lookup = h.auth.auth.Peek
	}
	sess, err := lookup(r.Context(), token)
	if err != nil {
		h.respondSessionError(w, r, err)
		return auth.Session{}, false
	}
	switch sess.Stage {
	case auth.StageSignedIn:
		return sess, true
	case auth.StageEnrol:
		http.Redirect(w, r, pathEnrol, http.StatusSeeOther)
	default:
		http.Redirect(w, r, pathCode, http.StatusSeeOther)
	}
	return auth.Session{}, false
}

// passiveRoutes are the routes that a page requests on its own: the live
// event stream of a recording page, which reconnects every few minutes.
// Their requests check the session without extending its idle timeout, so
// an unattended screen still signs out. Audio requests are not passive,
// because the player sends them only while it plays, which the user started.
var passiveRoutes = map[string]bool{
	"GET /recordings/{id}/handelser": true,
}

// refreshRoute is the recording page, which its scripts fetch again in the
// background whenever the live stream reports new transcript text or the
// thread gets an answer.
const refreshRoute = "/recordings/{id}"

// passiveRequest reports whether r is one that a page sends on its own:
// a request to one of passiveRoutes, or a script's background fetch of the
// recording page. Browsers mark a fetch with "Sec-Fetch-Dest: empty" and
// a navigation with "document". A client can leave the header out or set
// it, which only decides whether its own session counts the request as activity.
func (h *handler) passiveRequest(r *http.Request) bool {
	_, pattern := h.mux.Handler(r)
	if passiveRoutes[pattern] {
		return true
	}
	return pattern == refreshRoute && safeMethod(r.Method) && r.Header.Get("Sec-Fetch-Dest") == "empty"
}

// pendingSession returns the request's session when it is in stage, and
// otherwise writes the response and returns false.
func (h *handler) pendingSession(w http.ResponseWriter, r *http.Request, stage auth.Stage) (string, auth.Session, bool) {
	token := sessionToken(r)
	if token == "" {
		http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
		return "", auth.Session{}, false
	}
	sess, err := h.auth.auth.Session(r.Context(), token)
	if err != nil {
		h.respondSessionError(w, r, err)
		return "", auth.Session{}, false
	}
	if sess.Stage != stage {
		target := "/"
		switch sess.Stage {
		case auth.StageSecondFactor:
			target = pathCode
		case auth.StageEnrol:
			target = pathEnrol
		}
		http.Redirect(w, r, target, http.StatusSeeOther)
		return "", auth.Session{}, false
	}
	return token, sess, true
}

// respondSessionError writes the response to a request whose session lookup failed.
func (h *handler) respondSessionError(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case errors.Is(err, auth.ErrNoSession):
		clearSessionCookie(w)
		http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
	case errors.Is(err, auth.ErrSessionExpired):
		clearSessionCookie(w)
		h.renderAuthMessage(w, r, http.StatusUnauthorized, msgExpired)
	case errors.Is(err, auth.ErrDisabled):
		clearSessionCookie(w)
		h.renderAuthMessage(w, r, http.StatusForbidden, msgDisabled)
	case errors.Is(err, auth.ErrLocked):
		clearSessionCookie(w)
		h.renderSignIn(w, r, http.StatusTooManyRequests, signInPage{Error: h.lockedText(err)})
	default:
		h.log.Error("read session failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
	}
}

// checkCSRF reports whether a state-changing request carries its
// session's CSRF token, in the form field or the header, and from this
// origin. Otherwise it renders the error page and returns false.
func (h *handler) checkCSRF(w http.ResponseWriter, r *http.Request, sess auth.Session) bool {
	got := r.Header.Get(CSRFHeader)
	if got == "" {
		if !h.parseAuthForm(w, r) {
			return false
		}
		got = r.PostForm.Get(CSRFField)
	}
	if !sameOrigin(r) || !auth.CheckCSRF(sessionToken(r), got) {
		h.log.Warn("rejected request without valid csrf token", "account_id", sess.Account.ID, "method", r.Method, "path", r.URL.Path)
		h.renderAuthMessage(w, r, http.StatusForbidden, msgCSRF)
		return false
	}
	return true
}

// sameOrigin reports whether a request comes from a page of this host,
// according to the browser's headers. Sec-Fetch-Site decides when present. Origin is
// only a fallback, because under this view's Referrer-Policy: no-referrer
// Chromium sends "Origin: null" with same-origin form posts. A request with
// neither header (not from a current browser) passes; the CSRF token still
// protects a signed-in session.
func sameOrigin(r *http.Request) bool {
	if site := r.Header.Get("Sec-Fetch-Site"); site != "" {
		return site == "same-origin" || site == "none"
	}
	origin := r.Header.Get("Origin")
	if origin == "" || origin == "null" {
		return true
	}
	u, err := url.Parse(origin)
	return err == nil && u.Host == r.Host
}

// parseAuthForm reads a form body of at most maxAuthForm bytes. Otherwise
// it renders the error page and returns false.
func (h *handler) parseAuthForm(w http.ResponseWriter, r *http.Request) bool {
	limit := int64(maxAuthForm)
	switch _, pattern := h.mux.Handler(r); pattern {
	case editPattern:
		limit = maxEditForm
	case copyPattern:
		limit = maxCopyForm
	}
	r.Body = http.MaxBytesReader(w, r.Body, limit)
	err := r.ParseForm()
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		h.renderAuthMessage(w, r, http.StatusRequestEntityTooLarge, msgTooLarge)
		return false
	case err != nil:
		h.renderAuthMessage(w, r, http.StatusBadRequest, msgBadForm)
		return false
	}
	return true
}

// sessionInfo is the context value that the sign-in middleware adds to a request.
type sessionInfo struct {
	h    *handler
	sess auth.Session
}

type sessionKey struct{}

func withSession(ctx context.Context, h *handler, sess auth.Session) context.Context {
	return context.WithValue(ctx, sessionKey{}, sessionInfo{h: h, sess: sess})
}

// AccountFromContext returns the signed-in account of a request that
// passed the sign-in check, and false for any other context.
func AccountFromContext(ctx context.Context) (auth.Account, bool) {
	info, ok := ctx.Value(sessionKey{}).(sessionInfo)
	return info.sess.Account, ok
}

// CSRFTokenFromContext returns the CSRF token that forms and fetch
// requests of a signed-in page must send, or "" outside one.
func CSRFTokenFromContext(ctx context.Context) string {
	info, _ := ctx.Value(sessionKey{}).(sessionInfo)
	return info.sess.CSRFToken
}

// RequireRole returns middleware that passes a request on only when its
// signed-in account has one of roles. Others get the Swedish 403 page; a
// request that did not pass the sign-in check gets a redirect to sign-in.
func RequireRole(roles ...auth.Role) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			info, ok := r.Context().Value(sessionKey{}).(sessionInfo)
			if !ok {
				http.Redirect(w, r, pathSignIn, http.StatusSeeOther)
				return
			}
			for _, role := range roles {
				if info.sess.Account.Role == role {
					next.ServeHTTP(w, r)
					return
				}
			}
			info.h.log.Warn("rejected request for role", "account_id", info.sess.Account.ID, "role", string(info.sess.Account.Role), "path", r.URL.Path)
			info.h.renderAuthMessage(w, r, http.StatusForbidden, msgRole)
		})
	}
}

// lockedText returns the Swedish lockout message. It is the same whether
// or not an account has the user name.
func (h *handler) lockedText(err error) string {
	var locked *auth.LockedError
	if errors.As(err, &locked) {
		until := locked.Until.In(h.loc)
		return fmt.Sprintf("För många misslyckade försök. Inloggningen är spärrad till klockan %s. Vänta till dess och försök igen, eller kontakta IT om du har glömt lösenordet.", until.Format("15:04"))
	}
	return "För många misslyckade försök. Inloggningen är spärrad en stund. Vänta och försök igen, eller kontakta IT om du har glömt lösenordet."
}

// clientIP returns the request's remote address without the port, for the log.
func clientIP(r *http.Request) string {
	if i := strings.LastIndexByte(r.RemoteAddr, ':'); i > 0 {
		return strings.Trim(r.RemoteAddr[:i], "[]")
	}
	return r.RemoteAddr
}

// qrDataURL returns a PNG as a data URL for an img element. The image is
// generated here, so marking it safe for the template is sound.
func qrDataURL(png []byte) template.URL {
	return template.URL("data:image/png;base64," + base64.StdEncoding.EncodeToString(png))
}

// Limits of the sign-in throttle. Failures are counted per client address
// because the lockout counts them per user name: without this, anyone who
// can reach the sign-in page could lock every account whose user name they
// guess, with MaxFailures requests each.
const (
	// throttleFailures is the number of failed sign-ins from one address
	// within throttleWindow that blocks the address.
	throttleFailures = 20
	throttleWindow   = 15 * time.Minute
	// throttleBlock is how long a blocked address gets the "för många
	// försök" page without its attempts being checked.
	throttleBlock = 15 * time.Minute
	// throttleMaxAddresses bounds the memory of the throttle. An address
	// that arrives while every slot has a live counter is not counted.
	throttleMaxAddresses = 10000
)

// NOTE: the throttle slows one address, not a distributed attack. With
// many addresses an attacker can still lock the accounts whose user names
// they know, at MaxFailures attempts per name, and one address can lock
// throttleFailures/MaxFailures names per window. Behind a reverse proxy
// every client has the proxy's address and shares one counter. The
// counters are kept in memory only, so a restart clears them.

// signInThrottle counts failed sign-ins per client address in fixed windows.
type signInThrottle struct {
	mu        sync.Mutex
	addresses map[string]*throttleEntry
}

// throttleEntry is the failure count of one address.
type throttleEntry struct {
	windowStart  time.Time
	failures     int
	blockedUntil time.Time
}

// blocked reports whether addr is blocked at now, and until when.
func (t *signInThrottle) blocked(addr string, now time.Time) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()

	e, ok := t.addresses[addr]
	if !ok || !now.Before(e.blockedUntil) {
		return time.Time{}, false
	}
	return e.blockedUntil, true
}

// fail counts a failed sign-in from addr at now and reports whether this
// failure blocked the address.
func (t *signInThrottle) fail(addr string, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()

	if t.addresses == nil {
		t.addresses = map[string]*throttleEntry{}
	}
	e, ok := t.addresses[addr]
	if !ok {
		if len(t.addresses) >= throttleMaxAddresses {
			t.dropExpired(now)
		}
		if len(t.addresses) >= throttleMaxAddresses {
			return false
		}
		e = &throttleEntry{windowStart: now}
		t.addresses[addr] = e
	}
	if now.Sub(e.windowStart) >= throttleWindow {
		e.windowStart, e.failures = now, 0
	}
	e.failures++
	if e.failures < throttleFailures {
		return false
	}
	e.blockedUntil = now.Add(throttleBlock)
	e.windowStart, e.failures = now, 0
	return true
}

// dropExpired deletes the entries whose window and block have both ended.
func (t *signInThrottle) dropExpired(now time.Time) {
	for addr, e := range t.addresses {
		if now.Sub(e.windowStart) >= throttleWindow && !now.Before(e.blockedUntil) {
			delete(t.addresses, addr)
		}
	}
}

// throttleKey returns the counter key of a request's client address. An
// IPv6 address counts by its /64 prefix, because one host usually
// controls a whole /64 and could otherwise change address per attempt.
func throttleKey(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	ip, err := netip.ParseAddr(host)
	if err != nil {
		return host
	}
	ip = ip.Unmap()
	if ip.Is6() {
		prefix, _ := ip.Prefix(64)
		return prefix.String()
	}
	return ip.String()
}
