package ui

import (
	"bytes"
	"errors"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
)

// signInPage is the data of the user name and password page.
type signInPage struct {
	Title    string
	Error    string
	Notice   string
	UserName string
}

// codePage is the data of the six-digit code page.
type codePage struct {
	Title         string
	Error         string
	RecoveryError string
	CSRF          string
}

// enrolPage is the data of the first-time authenticator enrolment page.
type enrolPage struct {
	Title  string
	Error  string
	CSRF   string
	QR     template.URL
	Secret string
}

// recoveryCodesPage is the data of the page that shows new recovery codes once.
type recoveryCodesPage struct {
	Title string
	Codes []string
}

// signOutPage is the data of the sign-out page.
type signOutPage struct {
	Title string
	Name  string
	CSRF  string
}

// authMessage is a page with a title, a message and a link onward.
type authMessage struct {
	Title    string
	Message  string
	LinkText string
	LinkURL  string
}

// The sign-in messages. Each states what happened and what to do.
var (
	msgExpired = authMessage{
		Title:    "Du har loggats ut",
		Message:  "Du loggades ut automatiskt eftersom Ordagrann inte har använts på en stund, eller för att du har varit inloggad länge. Det skyddar uppgifterna om någon annan kommer åt skärmen. Logga in igen för att fortsätta.",
		LinkText: "Logga in igen", LinkURL: pathSignIn,
	}
	msgSignedOut = authMessage{
		Title:    "Du är utloggad",
		Message:  "Du är nu utloggad från Ordagrann. Ingen kan se dina inspelningar på den här enheten utan att logga in med ditt lösenord och din kod.",
		LinkText: "Logga in", LinkURL: pathSignIn,
	}
	msgDisabled = authMessage{
		Title:    "Kontot är avstängt",
		Message:  "Det här kontot är avstängt och kan inte logga in. Kontakta IT om du behöver komma åt Ordagrann.",
		LinkText: "Till inloggningen", LinkURL: pathSignIn,
	}
	msgCSRF = authMessage{
		Title:    "Formuläret kunde inte skickas",
		Message:  "Formuläret var för gammalt eller kom inte från Ordagrann, så inget har ändrats. Gå tillbaka, ladda om sidan och försök igen.",
		LinkText: "Till startsidan", LinkURL: "/",
	}
	msgTooLarge = authMessage{
		Title:    "För lång text",
		Message:  "Det som skickades var längre än vad fälten tillåter, så inget har sparats. Kontrollera det du skrev och försök igen.",
		LinkText: "Till startsidan", LinkURL: "/",
	}
	msgBadForm = authMessage{
		Title:    "Formuläret kunde inte läsas",
		Message:  "Det som skickades gick inte att läsa, så inget har ändrats. Ladda om sidan och försök igen.",
		LinkText: "Till inloggningen", LinkURL: pathSignIn,
	}
	msgRole = authMessage{
		Title:    "Du har inte behörighet",
		Message:  "Ditt konto har inte behörighet till den här sidan. Kontakta din chef eller IT om du behöver den.",
		LinkText: "Till startsidan", LinkURL: "/",
	}
	msgThrottled = authMessage{
		Title:    "För många försök",
		Message:  "Det har kommit för många misslyckade inloggningsförsök från den här enheten, så inloggning härifrån är stoppad en stund. Vänta en kvart och försök igen. Kontakta IT om du har glömt lösenordet.",
		LinkText: "Till inloggningen", LinkURL: pathSignIn,
	}
	msgPendingExpired = authMessage{
		Title:    "Inloggningen tog för lång tid",
		Message:  "Koden skrevs inte in i tid, så inloggningen avbröts. Börja om med användarnamn och lösenord.",
		LinkText: "Logga in igen", LinkURL: pathSignIn,
	}
)

const (
	textWrongPassword = "Fel användarnamn eller lösenord. Kontrollera stavningen och att Caps Lock inte är på, och försök igen."
	textWrongCode     = "Koden stämmer inte. Skriv in den sexsiffriga kod som autentiseringsappen visar just nu."
	textReusedCode    = "Den koden har redan använts. Vänta tills appen visar en ny kod och skriv in den."
	textWrongRecovery = "Återställningskoden stämmer inte eller har redan använts. Kontrollera koden och försök igen, eller kontakta IT."
	textRecoveryUsed  = "Du loggade in med en återställningskod. Den går inte att använda igen."
)

// serveSignInForm renders the user name and password form, or sends a
// signed-in user to the start page.
func (h *handler) serveSignInForm(w http.ResponseWriter, r *http.Request) {
	if h.onRoomTablet(r) {
		http.Redirect(w, r, pathRoom, http.StatusSeeOther)
		return
	}
	if token := sessionToken(r); token != "" {
		if sess, err := h.auth.auth.Session(r.Context(), token); err == nil && sess.Stage == auth.StageSignedIn {
			http.Redirect(w, r, "/", http.StatusSeeOther)
			return
		}
	}
	h.renderSignIn(w, r, http.StatusOK, signInPage{})
}

// serveSignIn checks the user name and password and starts a pending session.
func (h *handler) serveSignIn(w http.ResponseWriter, r *http.Request) {
	if h.onRoomTablet(r) {
		http.Redirect(w, r, pathRoom, http.StatusSeeOther)
		return
	}
	if !h.parseAuthForm(w, r) {
		return
	}
	if !sameOrigin(r) {
		h.log.Warn("rejected cross-origin sign-in", "remote_addr", clientIP(r))
		h.renderAuthMessage(w, r, http.StatusForbidden, msgCSRF)
		return
	}

	addr := throttleKey(r)
	if until, blocked := h.auth.throttle.blocked(addr, h.now()); blocked {
		h.renderThrottled(w, r, until)
		return
	}

	// A new sign-in ends whatever session the browser had.
	if old := sessionToken(r); old != "" {
		if err := h.auth.auth.SignOut(r.Context(), old); err != nil {
			h.log.Error("end previous session failed", "error", err)
		}
	}

	userName := r.PostForm.Get("username")
	token, sess, err := h.auth.auth.SignIn(r.Context(), userName, r.PostForm.Get("password"))
	if errors.Is(err, auth.ErrInvalidCredentials) || errors.Is(err, auth.ErrLocked) {
		if h.auth.throttle.fail(addr, h.now()) {
			h.log.Warn("sign-in throttled", "remote_addr", clientIP(r), "failures", throttleFailures, "blocked_for", throttleBlock.String())
		}
	}
	if err != nil {
		h.respondSignInError(w, r, userName, err)
		return
	}

	setSessionCookie(w, token)
	if sess.Stage == auth.StageEnrol {
		http.Redirect(w, r, pathEnrol, http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, pathCode, http.StatusSeeOther)
}

// renderThrottled renders the page for a client address that sent too
// many failed sign-ins, with Retry-After in seconds until the block ends.
func (h *handler) renderThrottled(w http.ResponseWriter, r *http.Request, until time.Time) {
	seconds := int(until.Sub(h.now()).Seconds()) + 1
	w.Header().Set("Retry-After", strconv.Itoa(seconds))
	h.renderAuthMessage(w, r, http.StatusTooManyRequests, msgThrottled)
}

// respondSignInError renders the sign-in form again with the reason. The
// user name is kept in the form only when it has a valid length, so an
// oversize field is not echoed back.
func (h *handler) respondSignInError(w http.ResponseWriter, r *http.Request, userName string, err error) {
	page := signInPage{}
	if len(userName) <= auth.MaxUserNameLen {
		page.UserName = userName
	}
	switch {
	case errors.Is(err, auth.ErrInvalidCredentials):
		h.log.Info("sign-in rejected", "reason", "invalid_credentials", "remote_addr", clientIP(r))
		page.Error = textWrongPassword
		h.renderSignIn(w, r, http.StatusUnauthorized, page)
	case errors.Is(err, auth.ErrLocked):
		h.log.Warn("sign-in rejected", "reason", "locked", "remote_addr", clientIP(r))
		page.Error = h.lockedText(err)
		h.renderSignIn(w, r, http.StatusTooManyRequests, page)
	case errors.Is(err, auth.ErrDisabled):
		h.renderAuthMessage(w, r, http.StatusForbidden, msgDisabled)
	default:
		h.log.Error("sign-in failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
	}
}

// serveCodeForm renders the six-digit code form of a pending session.
func (h *handler) serveCodeForm(w http.ResponseWriter, r *http.Request) {
	_, sess, ok := h.pendingSession(w, r, auth.StageSecondFactor)
	if !ok {
		return
	}
	h.renderAuth(w, r, http.StatusOK, "authcode.html", codePage{Title: "Ange kod", CSRF: sess.CSRFToken})
}

// serveCode checks a TOTP code and signs the session in.
func (h *handler) serveCode(w http.ResponseWriter, r *http.Request) {
	token, sess, ok := h.pendingSession(w, r, auth.StageSecondFactor)
	if !ok || !h.checkCSRF(w, r, sess) {
		return
	}

	code := strings.TrimSpace(strings.ReplaceAll(r.PostForm.Get("code"), " ", ""))
	newToken, _, err := h.auth.auth.VerifyTOTP(r.Context(), token, code)
	if err != nil {
		page := codePage{Title: "Ange kod", CSRF: sess.CSRFToken}
		h.respondCodeError(w, r, err, func(text string) {
			page.Error = text
			h.renderAuth(w, r, http.StatusUnauthorized, "authcode.html", page)
		})
		return
	}

	setSessionCookie(w, newToken)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// serveRecoveryCode signs a pending session in with a recovery code.
func (h *handler) serveRecoveryCode(w http.ResponseWriter, r *http.Request) {
	token, sess, ok := h.pendingSession(w, r, auth.StageSecondFactor)
	if !ok || !h.checkCSRF(w, r, sess) {
		return
	}

	newToken, _, left, err := h.auth.auth.UseRecoveryCode(r.Context(), token, r.PostForm.Get("recovery_code"))
	if err != nil {
		page := codePage{Title: "Ange kod", CSRF: sess.CSRFToken}
		h.respondCodeError(w, r, err, func(text string) {
			page.RecoveryError = text
			h.renderAuth(w, r, http.StatusUnauthorized, "authcode.html", page)
		})
		return
	}

	setSessionCookie(w, newToken)
	h.renderAuthMessage(w, r, http.StatusOK, authMessage{
		Title:    "Du är inloggad",
		Message:  textRecoveryUsed + " " + recoveryCodesLeft(left),
		LinkText: "Fortsätt", LinkURL: "/",
	})
}

// recoveryCodesLeft returns the Swedish text with the number of recovery codes left, and what to do when few are.
func recoveryCodesLeft(n int) string {
	switch {
	case n == 0:
		return "Du har inga återställningskoder kvar. Be IT att återställa din tvåfaktorsinloggning så att du får nya."
	case n == 1:
		return "Du har 1 återställningskod kvar. Be IT om nya koder innan den tar slut."
	case n <= 3:
		return "Du har " + strconv.Itoa(n) + " återställningskoder kvar. Be IT om nya koder innan de tar slut."
	}
	return "Du har " + strconv.Itoa(n) + " återställningskoder kvar."
}

// respondCodeError writes the response to a failed second factor. Wrong and
// reused codes go to retry, which renders the form with the text. Other
// errors get their own pages.
func (h *handler) respondCodeError(w http.ResponseWriter, r *http.Request, err error, retry func(text string)) {
	switch {
	case errors.Is(err, auth.ErrWrongCode):
		h.log.Info("second factor rejected", "reason", "wrong_code", "remote_addr", clientIP(r))
		if strings.Contains(r.URL.Path, "aterstallningskod") {
			retry(textWrongRecovery)
		} else {
			retry(textWrongCode)
		}
	case errors.Is(err, auth.ErrCodeReused):
		h.log.Info("second factor rejected", "reason", "code_reused", "remote_addr", clientIP(r))
		retry(textReusedCode)
	case errors.Is(err, auth.ErrSessionExpired), errors.Is(err, auth.ErrNoSession):
		clearSessionCookie(w)
		h.renderAuthMessage(w, r, http.StatusUnauthorized, msgPendingExpired)
	default:
		h.respondSessionError(w, r, err)
	}
}

// serveEnrolForm renders the QR code and secret of a new authenticator.
func (h *handler) serveEnrolForm(w http.ResponseWriter, r *http.Request) {
	token, sess, ok := h.pendingSession(w, r, auth.StageEnrol)
	if !ok {
		return
	}
	h.renderEnrol(w, r, http.StatusOK, token, sess, "")
}

// renderEnrol renders the enrolment page with an optional error.
func (h *handler) renderEnrol(w http.ResponseWriter, r *http.Request, status int, token string, sess auth.Session, errText string) {
	enr, err := h.auth.auth.BeginEnrolment(r.Context(), token)
	if err != nil {
		h.respondCodeError(w, r, err, func(string) { h.renderError(w, r, http.StatusInternalServerError) })
		return
	}

	// The QR code is a data URL, which the default policy blocks.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	h.renderAuth(w, r, status, "authenrol.html", enrolPage{
		Title:  "Tvåfaktorsinloggning",
		Error:  errText,
		CSRF:   sess.CSRFToken,
		QR:     qrDataURL(enr.QRCode),
		Secret: enr.Secret,
	})
}

// serveEnrol checks the first code from the new authenticator and shows
// the recovery codes, once.
func (h *handler) serveEnrol(w http.ResponseWriter, r *http.Request) {
	token, sess, ok := h.pendingSession(w, r, auth.StageEnrol)
	if !ok || !h.checkCSRF(w, r, sess) {
		return
	}

	code := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("code")), " ", "")
	newToken, _, codes, err := h.auth.auth.FinishEnrolment(r.Context(), token, code)
	if err != nil {
		h.respondCodeError(w, r, err, func(text string) {
			h.renderEnrol(w, r, http.StatusUnauthorized, token, sess, text)
		})
		return
	}

	setSessionCookie(w, newToken)
	h.renderAuth(w, r, http.StatusOK, "authrecoverycodes.html", recoveryCodesPage{Title: "Spara dina återställningskoder", Codes: codes})
}

// serveSignOutForm renders the sign-out button of a signed-in session.
func (h *handler) serveSignOutForm(w http.ResponseWriter, r *http.Request) {
	sess, ok := h.requireSession(w, r)
	if !ok {
		return
	}
	h.renderAuth(w, r, http.StatusOK, "authsignout.html", signOutPage{Title: "Logga ut", Name: sess.Account.DisplayName, CSRF: sess.CSRFToken})
}

// serveSignOut ends the session.
func (h *handler) serveSignOut(w http.ResponseWriter, r *http.Request) {
	token := sessionToken(r)
	sess, err := h.auth.auth.Session(r.Context(), token)
	if err != nil {
		h.respondSessionError(w, r, err)
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
	h.log.Info("signed out", "account_id", sess.Account.ID)
	h.renderAuthMessage(w, r, http.StatusOK, msgSignedOut)
}

// renderSignIn renders the user name and password form.
func (h *handler) renderSignIn(w http.ResponseWriter, r *http.Request, status int, page signInPage) {
	page.Title = "Logga in"
	h.renderAuth(w, r, status, "authsignin.html", page)
}

// renderAuthMessage renders a sign-in message page.
func (h *handler) renderAuthMessage(w http.ResponseWriter, r *http.Request, status int, msg authMessage) {
	h.renderAuth(w, r, status, "authmessage.html", msg)
}

// renderAuth renders a sign-in page into a buffer first, so a template
// failure becomes an error page instead of half a page.
func (h *handler) renderAuth(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	var buf bytes.Buffer
	if err := h.auth.pages[name].ExecuteTemplate(&buf, "layout", h.layoutFor(r, data)); err != nil {
		h.log.Error("render page failed", "page", name, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}
