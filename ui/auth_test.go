package ui

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/ui/authtest"
)

// authClock is a settable clock shared by the account store and the view.
type authClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *authClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *authClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// authEnv is a view with sign-in over a real account store.
type authEnv struct {
	h     http.Handler
	store *auth.Store
	clock *authClock
	logs  *bytes.Buffer
}

func newAuthEnv(t *testing.T) *authEnv {
	t.Helper()
	e := &authEnv{clock: &authClock{now: testNow}, logs: &bytes.Buffer{}}
	logger := slog.New(slog.NewTextHandler(e.logs, nil))
	e.store = authtest.Open(t, &auth.Options{Now: e.clock.Now, Logger: logger})
	h, err := New(&fakeSource{}, &Options{Logger: logger, Now: e.clock.Now, Auth: e.store})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.h = h
	return e
}

// browser sends requests from 127.0.0.1 and keeps the session cookie as a
// browser would.
type browser struct {
	t      *testing.T
	h      http.Handler
	cookie string
	addr   string // the client's address and port; empty means 127.0.0.1:53000
}

func (e *authEnv) browser(t *testing.T) *browser { return &browser{t: t, h: e.h} }

// send sends a request and applies the response's Set-Cookie for the session.
func (b *browser) send(method, path string, form url.Values, header http.Header) *httptest.ResponseRecorder {
	b.t.Helper()
	var body *strings.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	} else {
		body = strings.NewReader("")
	}
	r := httptest.NewRequest(method, path, body)
	r.RemoteAddr = "127.0.0.1:53000"
	if b.addr != "" {
		r.RemoteAddr = b.addr
	}
	r.Host = "127.0.0.1:8080"
	if form != nil {
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, vs := range header {
		for _, v := range vs {
			r.Header.Add(k, v)
		}
	}
	if b.cookie != "" {
		r.AddCookie(&http.Cookie{Name: SessionCookie, Value: b.cookie})
	}

	w := httptest.NewRecorder()
	b.h.ServeHTTP(w, r)
	for _, c := range w.Result().Cookies() {
		if c.Name == SessionCookie {
			b.cookie = c.Value
			if c.MaxAge < 0 {
				b.cookie = ""
			}
		}
	}
	return w
}

func (b *browser) get(path string) *httptest.ResponseRecorder {
	return b.send(http.MethodGet, path, nil, nil)
}

func (b *browser) post(path string, form url.Values) *httptest.ResponseRecorder {
	return b.send(http.MethodPost, path, form, nil)
}

var csrfInput = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// csrf returns the CSRF token in a page's form.
func csrf(t *testing.T, w *httptest.ResponseRecorder) string {
	t.Helper()
	m := csrfInput.FindStringSubmatch(w.Body.String())
	if m == nil {
		t.Fatalf("page has no CSRF field:\n%s", w.Body)
	}
	return html.UnescapeString(m[1])
}

// checkPage fails unless w has status and its body contains want.
func checkPage(t *testing.T, w *httptest.ResponseRecorder, status int, want string) {
	t.Helper()
	if w.Code != status {
		t.Errorf("status = %d, want %d; body:\n%s", w.Code, status, w.Body)
	}
	if !strings.Contains(w.Body.String(), want) {
		t.Errorf("body does not contain %q:\n%s", want, w.Body)
	}
}

// checkRedirect fails unless w redirects to location.
func checkRedirect(t *testing.T, w *httptest.ResponseRecorder, location string) {
	t.Helper()
	if w.Code != http.StatusSeeOther || w.Header().Get("Location") != location {
		t.Errorf("response = %d to %q, want %d to %q", w.Code, w.Header().Get("Location"), http.StatusSeeOther, location)
	}
}

// signIn signs in an enrolled account with its current code and returns the browser.
func (e *authEnv) signIn(t *testing.T, acc authtest.Account) *browser {
	t.Helper()
	b := e.browser(t)
	checkRedirect(t, b.post(pathSignIn, url.Values{"username": {acc.UserName}, "password": {authtest.Password}}), pathCode)
	page := b.get(pathCode)
	checkRedirect(t, b.post(pathCode, url.Values{"code": {authtest.Code(t, acc.Secret, e.clock.Now())}, CSRFField: {csrf(t, page)}}), "/")
	return b
}

// enrolled creates an enrolled account and moves the clock to the next
// TOTP step, so the enrolment code is not the current one.
func (e *authEnv) enrolled(t *testing.T, name string, role auth.Role) authtest.Account {
	t.Helper()
	acc := authtest.Enrolled(t, e.store, e.clock.Now(), auth.NewAccount{UserName: name, DisplayName: "Test " + name, Role: role, Team: "Team Nord"})
	e.clock.Advance(30 * time.Second)
	return acc
}

var secretText = regexp.MustCompile(`id="nyckel">([A-Z2-7 ]+)<`)

func TestFirstSignInEnrolsAndSignsOut(t *testing.T) {
	e := newAuthEnv(t)
	ctx := context.Background()
	if _, err := e.store.CreateAccount(ctx, auth.NewAccount{UserName: "anna", DisplayName: "Anna Berg", Role: auth.RoleCaseworker, Password: authtest.Password}); err != nil {
		t.Fatal(err)
	}
	b := e.browser(t)

	checkRedirect(t, b.get("/"), pathSignIn)
	checkPage(t, b.get(pathSignIn), http.StatusOK, `action="/logga-in"`)

	w := b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
	checkRedirect(t, w, pathEnrol)
	cookies := w.Result().Cookies()
	if len(cookies) != 1 {
		t.Fatalf("sign-in set %d cookies, want 1", len(cookies))
	}
	c := cookies[0]
	if c.Name != "__Host-ordagrann-session" || !c.Secure || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" {
		t.Errorf("session cookie = %+v, want __Host- name, Secure, HttpOnly, SameSite=Strict, Path=/, no Domain", c)
	}
	pendingCookie := b.cookie

	// A pending session reaches no page.
	checkRedirect(t, b.get("/"), pathEnrol)
	checkRedirect(t, b.get(pathCode), pathEnrol)

	page := b.get(pathEnrol)
	checkPage(t, page, http.StatusOK, `src="data:image/png;base64,`)
	if csp := page.Header().Get("Content-Security-Policy"); !strings.Contains(csp, "img-src 'self' data:") {
		t.Errorf("enrolment page CSP = %q, want img-src 'self' data:", csp)
	}
	m := secretText.FindStringSubmatch(page.Body.String())
	if m == nil {
		t.Fatalf("enrolment page shows no secret:\n%s", page.Body)
	}
	secret := strings.ReplaceAll(m[1], " ", "")

	w = b.post(pathEnrol, url.Values{"code": {"12345"}, CSRFField: {csrf(t, page)}})
	checkPage(t, w, http.StatusUnauthorized, "Koden stämmer inte")

	w = b.post(pathEnrol, url.Values{"code": {authtest.Code(t, secret, e.clock.Now())}, CSRFField: {csrf(t, page)}})
	checkPage(t, w, http.StatusOK, "Spara dina återställningskoder")
	if got := strings.Count(w.Body.String(), "<li><code>"); got != auth.RecoveryCodeCount {
		t.Errorf("recovery code page lists %d codes, want %d", got, auth.RecoveryCodeCount)
	}
	if b.cookie == pendingCookie || b.cookie == "" {
		t.Errorf("enrolment kept the pending session cookie, want a new one")
	}

	checkPage(t, b.get("/"), http.StatusOK, "Inspelningar")

	// The replaced cookie reaches nothing.
	old := &browser{t: t, h: e.h, cookie: pendingCookie}
	checkRedirect(t, old.get("/"), pathSignIn)

	out := b.get(pathSignOut)
	checkPage(t, out, http.StatusOK, "Anna Berg")
	checkPage(t, b.post(pathSignOut, url.Values{CSRFField: {csrf(t, out)}}), http.StatusOK, "Du är utloggad")
	if b.cookie != "" {
		t.Errorf("sign-out left the session cookie")
	}
	checkRedirect(t, b.get("/"), pathSignIn)
}

func TestSignInWithCode(t *testing.T) {
	e := newAuthEnv(t)
	acc := e.enrolled(t, "anna", auth.RoleCaseworker)
	b := e.signIn(t, acc)
	checkPage(t, b.get("/"), http.StatusOK, "Inspelningar")
	checkRedirect(t, b.get(pathSignIn), "/")
}

func TestSignInRejectsBadInput(t *testing.T) {
	e := newAuthEnv(t)
	acc := e.enrolled(t, "anna", auth.RoleCaseworker)

	t.Run("wrong_password_and_unknown_user_look_alike", func(t *testing.T) {
		wrong := e.browser(t).post(pathSignIn, url.Values{"username": {"anna"}, "password": {"fel lösenord igen"}})
		unknown := e.browser(t).post(pathSignIn, url.Values{"username": {"bertil"}, "password": {authtest.Password}})
		checkPage(t, wrong, http.StatusUnauthorized, "Fel användarnamn eller lösenord")
		checkPage(t, unknown, http.StatusUnauthorized, "Fel användarnamn eller lösenord")
		w := strings.Replace(wrong.Body.String(), `value="anna"`, "", 1)
		u := strings.Replace(unknown.Body.String(), `value="bertil"`, "", 1)
		if w != u {
			t.Errorf("pages for a wrong password and an unknown user differ beyond the user name")
		}
		if len(wrong.Result().Cookies()) != 0 || len(unknown.Result().Cookies()) != 0 {
			t.Errorf("a failed sign-in set a cookie")
		}
	})

	t.Run("oversize_form", func(t *testing.T) {
		w := e.browser(t).post(pathSignIn, url.Values{"username": {"anna"}, "password": {strings.Repeat("x", 5000)}})
		checkPage(t, w, http.StatusRequestEntityTooLarge, "För lång text")
	})

	t.Run("oversize_fields", func(t *testing.T) {
		w := e.browser(t).post(pathSignIn, url.Values{"username": {strings.Repeat("a", 300)}, "password": {strings.Repeat("x", 1000)}})
		checkPage(t, w, http.StatusUnauthorized, "Fel användarnamn eller lösenord")
		if strings.Contains(w.Body.String(), strings.Repeat("a", 300)) {
			t.Errorf("the page echoes an oversize user name")
		}
	})

	t.Run("cross_origin_sign_in", func(t *testing.T) {
		w := e.browser(t).send(http.MethodPost, pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}},
			http.Header{"Origin": {"https://angripare.example"}})
		checkPage(t, w, http.StatusForbidden, "Formuläret kunde inte skickas")
	})

	t.Run("origin_headers", func(t *testing.T) {
		// Another user name, so these failures do not lock anna.
		form := url.Values{"username": {"ursprung"}, "password": {"fel lösenord igen"}}
		tests := []struct {
			name   string
			header http.Header
			status int
		}{
			{"chromium_same_origin_no_referrer", http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"same-origin"}}, http.StatusUnauthorized},
			{"typed_address", http.Header{"Sec-Fetch-Site": {"none"}}, http.StatusUnauthorized},
			{"same_origin_header_only", http.Header{"Origin": {"http://127.0.0.1:8080"}}, http.StatusUnauthorized},
			{"cross_site", http.Header{"Origin": {"null"}, "Sec-Fetch-Site": {"cross-site"}}, http.StatusForbidden},
			{"same_site_other_origin", http.Header{"Sec-Fetch-Site": {"same-site"}}, http.StatusForbidden},
			{"other_origin_header_only", http.Header{"Origin": {"http://127.0.0.2:8080"}}, http.StatusForbidden},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				w := e.browser(t).send(http.MethodPost, pathSignIn, form, tt.header)
				if w.Code != tt.status {
					t.Errorf("POST %s with %v = %d, want %d", pathSignIn, tt.header, w.Code, tt.status)
				}
			})
		}
	})

	t.Run("wrong_totp", func(t *testing.T) {
		b := e.browser(t)
		b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
		page := b.get(pathCode)
		wrong := "000000"
		if authtest.Code(t, acc.Secret, e.clock.Now()) == wrong {
			wrong = "111111"
		}
		checkPage(t, b.post(pathCode, url.Values{"code": {wrong}, CSRFField: {csrf(t, page)}}), http.StatusUnauthorized, "Koden stämmer inte")
		checkRedirect(t, b.get("/"), pathCode)
	})

	t.Run("reused_totp", func(t *testing.T) {
		e.clock.Advance(30 * time.Second)
		e.signIn(t, acc)
		b := e.browser(t)
		b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
		page := b.get(pathCode)
		w := b.post(pathCode, url.Values{"code": {authtest.Code(t, acc.Secret, e.clock.Now())}, CSRFField: {csrf(t, page)}})
		checkPage(t, w, http.StatusUnauthorized, "Den koden har redan använts")
	})

	t.Run("code_without_csrf", func(t *testing.T) {
		b := e.browser(t)
		b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
		w := b.post(pathCode, url.Values{"code": {authtest.Code(t, acc.Secret, e.clock.Now())}})
		checkPage(t, w, http.StatusForbidden, "Formuläret kunde inte skickas")
	})

	t.Run("code_after_pending_timeout", func(t *testing.T) {
		b := e.browser(t)
		b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
		page := b.get(pathCode)
		e.clock.Advance(5 * time.Minute)
		w := b.post(pathCode, url.Values{"code": {authtest.Code(t, acc.Secret, e.clock.Now())}, CSRFField: {csrf(t, page)}})
		checkPage(t, w, http.StatusUnauthorized, "Du har loggats ut")
	})
}

func TestLockoutPageRevealsNoAccount(t *testing.T) {
	e := newAuthEnv(t)
	e.enrolled(t, "anna", auth.RoleCaseworker)

	var last [2]*httptest.ResponseRecorder
	for i, name := range []string{"anna", "bertil"} {
		for range 5 {
			last[i] = e.browser(t).post(pathSignIn, url.Values{"username": {name}, "password": {"fel lösenord igen"}})
		}
		checkPage(t, last[i], http.StatusTooManyRequests, "Inloggningen är spärrad till klockan 16:15")
	}
	a := strings.Replace(last[0].Body.String(), `value="anna"`, "", 1)
	b := strings.Replace(last[1].Body.String(), `value="bertil"`, "", 1)
	if a != b {
		t.Errorf("lockout pages for an account and an unknown name differ beyond the user name")
	}

	w := e.browser(t).post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
	checkPage(t, w, http.StatusTooManyRequests, "spärrad")
}

func TestSessionRules(t *testing.T) {
	e := newAuthEnv(t)
	acc := e.enrolled(t, "anna", auth.RoleCaseworker)

	t.Run("expired_session", func(t *testing.T) {
		b := e.signIn(t, acc)
		e.clock.Advance(15 * time.Minute)
		w := b.get("/")
		checkPage(t, w, http.StatusUnauthorized, "Du har loggats ut")
		if b.cookie != "" {
			t.Errorf("the expired page left the session cookie")
		}
		checkRedirect(t, b.get("/"), pathSignIn)
	})

	t.Run("state_change_without_csrf", func(t *testing.T) {
		e.clock.Advance(30 * time.Second)
		b := e.signIn(t, acc)
		token := csrf(t, b.get(pathSignOut))

		checkPage(t, b.post("/", url.Values{}), http.StatusForbidden, "Formuläret kunde inte skickas")
		checkPage(t, b.post(pathSignOut, url.Values{CSRFField: {"fel"}}), http.StatusForbidden, "Formuläret kunde inte skickas")
		checkPage(t, b.send(http.MethodDelete, "/recordings/rec-1", nil, nil), http.StatusForbidden, "Formuläret kunde inte skickas")

		// The header works for fetch requests, and the request then reaches the page handlers.
		w := b.send(http.MethodPost, "/", nil, http.Header{CSRFHeader: {token}})
		checkPage(t, w, http.StatusMethodNotAllowed, "Det går inte att göra här")

		// A valid token from another site's page is still rejected.
		w = b.send(http.MethodPost, pathSignOut, url.Values{CSRFField: {token}}, http.Header{"Sec-Fetch-Site": {"cross-site"}})
		checkPage(t, w, http.StatusForbidden, "Formuläret kunde inte skickas")
		checkPage(t, b.get("/"), http.StatusOK, "Inspelningar")
	})

	t.Run("oversize_csrf_form", func(t *testing.T) {
		e.clock.Advance(30 * time.Second)
		b := e.signIn(t, acc)
		w := b.post("/", url.Values{"text": {strings.Repeat("x", 10000)}})
		checkPage(t, w, http.StatusRequestEntityTooLarge, "För lång text")
	})

	t.Run("garbage_cookie", func(t *testing.T) {
		b := &browser{t: t, h: e.h, cookie: "inte-en-session"}
		checkRedirect(t, b.get("/"), pathSignIn)
	})

	t.Run("static_files_need_no_session", func(t *testing.T) {
		checkPage(t, e.browser(t).get("/static/auth.css"), http.StatusOK, ".auth-form")
	})
}

func TestRecoveryCodeSignIn(t *testing.T) {
	e := newAuthEnv(t)
	ctx := context.Background()
	if _, err := e.store.CreateAccount(ctx, auth.NewAccount{UserName: "anna", DisplayName: "Anna", Role: auth.RoleCaseworker, Password: authtest.Password}); err != nil {
		t.Fatal(err)
	}
	pending, _, err := e.store.SignIn(ctx, "anna", authtest.Password)
	if err != nil {
		t.Fatal(err)
	}
	enr, err := e.store.BeginEnrolment(ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	_, _, codes, err := e.store.FinishEnrolment(ctx, pending, authtest.Code(t, strings.ReplaceAll(enr.Secret, " ", ""), e.clock.Now()))
	if err != nil {
		t.Fatal(err)
	}

	b := e.browser(t)
	b.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
	page := b.get(pathCode)
	checkPage(t, b.post(pathRecovery, url.Values{"recovery_code": {"AAAA-BBBB-CCCC-DDDD"}, CSRFField: {csrf(t, page)}}),
		http.StatusUnauthorized, "Återställningskoden stämmer inte")
	checkPage(t, b.post(pathRecovery, url.Values{"recovery_code": {codes[0]}, CSRFField: {csrf(t, page)}}),
		http.StatusOK, "Du har 9 återställningskoder kvar")
	checkPage(t, b.get("/"), http.StatusOK, "Inspelningar")
}

func TestRequireRole(t *testing.T) {
	e := newAuthEnv(t)
	var h *handler
	if hh, ok := e.h.(*handler); ok {
		h = hh
	} else {
		t.Fatalf("New returned %T, want *handler", e.h)
	}
	adminOnly := RequireRole(auth.RoleAdmin, auth.RoleAuditor)(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		acc, _ := AccountFromContext(r.Context())
		w.Write([]byte("hej " + acc.UserName))
	}))

	tests := []struct {
		name   string
		role   auth.Role
		status int
	}{
		{"admin_passes", auth.RoleAdmin, http.StatusOK},
		{"auditor_passes", auth.RoleAuditor, http.StatusOK},
		{"caseworker_denied", auth.RoleCaseworker, http.StatusForbidden},
		{"manager_denied", auth.RoleManager, http.StatusForbidden},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodGet, "/admin", nil)
			sess := auth.Session{Account: auth.Account{ID: "id-" + tt.name, UserName: tt.name, Role: tt.role}, Stage: auth.StageSignedIn}
			r = r.WithContext(withSession(r.Context(), h, sess))
			w := httptest.NewRecorder()
			adminOnly.ServeHTTP(w, r)
			if w.Code != tt.status {
				t.Errorf("status = %d, want %d", w.Code, tt.status)
			}
			if tt.status == http.StatusForbidden && !strings.Contains(w.Body.String(), "Du har inte behörighet") {
				t.Errorf("403 page lacks the Swedish reason:\n%s", w.Body)
			}
		})
	}

	w := httptest.NewRecorder()
	adminOnly.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/admin", nil))
	checkRedirect(t, w, pathSignIn)
}

func TestAuthLogsHoldNoSecrets(t *testing.T) {
	e := newAuthEnv(t)
	acc := e.enrolled(t, "anna", auth.RoleCaseworker)
	b := e.signIn(t, acc)
	e.browser(t).post(pathSignIn, url.Values{"username": {"hemlig.person"}, "password": {"fel lösenord igen"}})

	logs := e.logs.String()
	for _, s := range []string{b.cookie, acc.Secret, authtest.Password, "fel lösenord", "hemlig.person"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q", s)
		}
	}
	if !strings.Contains(logs, "sign-in rejected") {
		t.Errorf("log has no rejected sign-in:\n%s", logs)
	}
}

// TestContentOnlyForCaseworkersAndManagers: IT admins and auditors sign in
// but never reach recordings, which hold client content. An admin's start
// page is the account list.
func TestContentOnlyForCaseworkersAndManagers(t *testing.T) {
	e := newAuthEnv(t)
	for _, tt := range []struct {
		role    auth.Role
		list    int // status of GET /
		content int // status of a recording, before any lookup
	}{
		{auth.RoleCaseworker, http.StatusOK, http.StatusNotFound},
		{auth.RoleManager, http.StatusOK, http.StatusNotFound},
		{auth.RoleAdmin, http.StatusSeeOther, http.StatusForbidden},
		{auth.RoleAuditor, http.StatusForbidden, http.StatusForbidden},
	} {
		b := e.signIn(t, e.enrolled(t, "user-"+string(tt.role), tt.role))
		if w := b.get("/"); w.Code != tt.list {
			t.Errorf("%s: GET / = %d, want %d", tt.role, w.Code, tt.list)
		}
		if w := b.get("/recordings/rec-unknown"); w.Code != tt.content {
			t.Errorf("%s: GET /recordings/rec-unknown = %d, want %d", tt.role, w.Code, tt.content)
		}
	}
}

func TestAllowRemoteNeedsAuth(t *testing.T) {
	if _, err := New(&fakeSource{}, &Options{AllowRemote: true}); err == nil {
		t.Error("New with AllowRemote and no Auth succeeded")
	}
	e := newAuthEnv(t)
	h, err := New(&fakeSource{}, &Options{AllowRemote: true, Auth: e.store})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest(http.MethodGet, "/logga-in", nil)
	r.RemoteAddr = "192.0.2.7:50000"
	r.Host = "central.example"
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusOK {
		t.Errorf("remote sign-in page with AllowRemote = %d, want 200", w.Code)
	}
	r = httptest.NewRequest(http.MethodGet, "/", nil)
	r.RemoteAddr = "192.0.2.7:50000"
	r.Host = "central.example"
	w = httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusSeeOther {
		t.Errorf("remote list page without a session = %d, want a redirect to sign-in", w.Code)
	}
}

// TestSignInThrottlePerAddress: after throttleFailures failed sign-ins
// from one address, further attempts from it are rejected without being
// checked, until throttleBlock has passed, while other addresses sign in.
func TestSignInThrottlePerAddress(t *testing.T) {
	e := newAuthEnv(t)
	ctx := context.Background()
	anna := e.enrolled(t, "anna", auth.RoleCaseworker)
	e.enrolled(t, "bo", auth.RoleCaseworker)
	attacker := &browser{t: t, h: e.h, addr: "127.0.0.9:40000"}

	// Each guess names another user, so no user name reaches its lockout.
	for i := range throttleFailures {
		form := url.Values{"username": {fmt.Sprintf("gissning-%d", i)}, "password": {"fel lösenord 123"}}
		checkPage(t, attacker.post(pathSignIn, form), http.StatusUnauthorized, "Fel användarnamn eller lösenord")
	}
	if !strings.Contains(e.logs.String(), "sign-in throttled") {
		t.Errorf("log has no throttled address")
	}

	// The address is blocked now, for right and wrong passwords alike, and
	// its attempts on bo are not counted against bo.
	for range 10 {
		w := attacker.post(pathSignIn, url.Values{"username": {"bo"}, "password": {"fel lösenord 123"}})
		checkPage(t, w, http.StatusTooManyRequests, "För många försök")
		if got := w.Header().Get("Retry-After"); got == "" {
			t.Errorf("throttled response has no Retry-After")
		}
	}
	w := attacker.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}})
	checkPage(t, w, http.StatusTooManyRequests, "För många försök")
	if attacker.cookie != "" {
		t.Errorf("throttled sign-in set a session cookie")
	}
	accs, err := e.store.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range accs {
		if a.FailedAttempts != 0 {
			t.Errorf("account %s FailedAttempts = %d after throttled attempts, want 0", a.UserName, a.FailedAttempts)
		}
	}

	// Another address is not affected, and neither is another IPv6 /64.
	e.signIn(t, anna)
	for _, addr := range []string{"127.0.0.10:40000", "[::1]:40000"} {
		other := &browser{t: t, h: e.h, addr: addr}
		checkRedirect(t, other.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}}), pathCode)
	}

	// The block ends after throttleBlock.
	e.clock.Advance(throttleBlock)
	checkRedirect(t, attacker.post(pathSignIn, url.Values{"username": {"anna"}, "password": {authtest.Password}}), pathCode)
}

// TestSignInThrottleWindow: failures spread over more than throttleWindow
// never block an address.
func TestSignInThrottleWindow(t *testing.T) {
	var th signInThrottle
	now := testNow
	for i := range 3 * throttleFailures {
		if th.fail("192.0.2.1", now) {
			t.Fatalf("fail() blocked after %d failures spread over %v each", i+1, throttleWindow/throttleFailures*2)
		}
		now = now.Add(throttleWindow / throttleFailures * 2)
	}
	if _, blocked := th.blocked("192.0.2.1", now); blocked {
		t.Errorf("blocked() = true after spread failures, want false")
	}
}

func TestThrottleKey(t *testing.T) {
	tests := []struct {
		remote string
		want   string
	}{
		{"192.0.2.7:51000", "192.0.2.7"},
		{"[2001:db8:1:2:aaaa::1]:443", "2001:db8:1:2::/64"},
		{"[2001:db8:1:2:bbbb::9]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.7]:51000", "192.0.2.7"},
		{"not-an-address", "not-an-address"},
	}
	for _, tt := range tests {
		t.Run(tt.remote, func(t *testing.T) {
			r := httptest.NewRequest(http.MethodPost, pathSignIn, nil)
			r.RemoteAddr = tt.remote
			if got := throttleKey(r); got != tt.want {
				t.Errorf("throttleKey(%q) = %q, want %q", tt.remote, got, tt.want)
			}
		})
	}
}
