package ui

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"html/template"
	"image/png"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/boombuler/barcode"
	"github.com/boombuler/barcode/qr"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
)

// TabletSource stores the tablets paired with boxes and their one-time
// pairing codes. *store.Store implements it. Errors wrap the store's
// sentinels: ErrNotFound, ErrInvalid, ErrTabletRevoked and the
// ErrPairingCode errors.
type TabletSource interface {
	CreatePairingCode(ctx context.Context, box, name, createdBy string) (string, store.PairingCode, error)
	PairTablet(ctx context.Context, code string) (string, store.Tablet, error)
	TabletByToken(ctx context.Context, token string) (store.Tablet, error)
	Tablets(ctx context.Context) ([]store.Tablet, error)
	RevokeTablet(ctx context.Context, id, by string) (store.Tablet, error)
}

var _ TabletSource = (*store.Store)(nil)

// DeviceCookie is the cookie that identifies a paired tablet. It is not a
// __Host- cookie because it is Secure only when the view is served over TLS.
const DeviceCookie = "ordagrann-device"

// deviceCookieMaxAge is the device cookie's lifetime, the maximum that
// Chromium accepts. The room page sends the cookie again on every load, so
// a tablet in use stays paired until IT unpairs it.
const deviceCookieMaxAge = 400 * 24 * time.Hour

// pairFormCookie and pairFormField carry the pairing form's double-submit
// token: the tablet has no session whose CSRF token could protect the form.
const (
	pairFormCookie = "ordagrann-pair-form"
	pairFormField  = "pair_token"
)

// Paths of the pairing and room pages.
const (
	pathPair        = "/parkoppla"
	pathAdminBoxes  = "/admin/boxar"
	pathAdminPair   = "/admin/boxar/parkoppla"
	pathAdminTablet = "/admin/surfplattor/" // followed by the tablet id
	pathRoom        = "/rum"
	pathRoomEvents  = "/rum/handelser"
	pathRoomSignIn  = "/rum/logga-in"
	pathRoomCode    = "/rum/logga-in/kod"
	pathRoomDone    = "/rum/klar"
)

// roomPageNames are the templates of the pairing, admin boxes and room
// pages, parsed with the shared layout.
var roomPageNames = []string{"adminboxes.html", "paircode.html", "pairform.html", "room.html", "roomsignin.html", "roomcode.html", "roommessage.html"}

// registerTablets registers the admin boxes page, the tablet's pairing
// page and the room pages when tablets is set. Pairing needs sign-in,
// so it returns an error without Options.Auth.
func (h *handler) registerTablets(tablets TabletSource) error {
	if tablets == nil {
		return nil
	}
	if h.auth == nil {
		return errors.New("ui: Tablets without Auth: pairing is an admin action and the room page's sign-in needs accounts")
	}

	rs := &roomState{h: h, tablets: tablets, pages: map[string]*template.Template{}, sessions: map[string]*roomSession{}, lastBusy: map[string]time.Time{}, idle: roomSessionIdle}
	for _, name := range roomPageNames {
		t, err := template.New(name).ParseFS(templateFiles, "templates/layout.html", "templates/"+name)
		if err != nil {
			return fmt.Errorf("ui: parse template %s: %w", name, err)
		}
		rs.pages[name] = t
	}
	h.auth.auth = &roomAuthenticator{Authenticator: h.auth.auth, rooms: rs}

	admin := RequireRole(auth.RoleAdmin)
	h.handle("GET "+pathAdminBoxes, routeAdmin, admin(http.HandlerFunc(rs.serveAdminBoxes)))
	h.handle("POST "+pathAdminPair, routeAdmin, admin(http.HandlerFunc(rs.serveCreateCode)))
	h.handle("POST "+pathAdminTablet+"{id}/koppla-bort", routeAdmin, admin(http.HandlerFunc(rs.serveUnpair)))

	// The tablet's pages need no personal sign-in: the device cookie is
	// checked by each handler instead.
	public := h.auth.routes
	public.HandleFunc("GET "+pathPair, rs.servePairForm)
	public.HandleFunc("POST "+pathPair, rs.servePair)
	public.HandleFunc("GET "+pathRoom, rs.serveRoom)
	public.HandleFunc("GET "+pathRoomEvents, rs.serveRoomEvents)
	public.HandleFunc("GET "+pathRoomSignIn, rs.serveRoomSignInForm)
	public.HandleFunc("POST "+pathRoomSignIn, rs.serveRoomSignIn)
	public.HandleFunc("GET "+pathRoomCode, rs.serveRoomCodeForm)
	public.HandleFunc("POST "+pathRoomCode, rs.serveRoomCode)
	public.HandleFunc("POST "+pathRoomDone, rs.serveRoomDone)
	public.HandleFunc("GET "+pathRoomSession, rs.serveRoomSession)
	return nil
}

// boxesPage is the data of the admin page of boxes and tablets.
type boxesPage struct {
	Title string
	CSRF  string
	Done  string
	Error string
	Boxes []boxTablets
}

// boxTablets is one box on the admin boxes page.
type boxTablets struct {
	ID         string
	State      string // in Swedish
	StateClass string
	Since      string // when the state was reported, or "" without a status
	Tablets    []tabletRow
}

type tabletRow struct {
	ID       string
	Name     string
	PairedAt string
	LastSeen string
}

// pairCodePage is the data of the page that shows a new pairing code once.
type pairCodePage struct {
	Title     string
	BoxID     string
	Name      string
	Code      string // grouped in two halves for reading aloud
	PageURL   string // the pairing page without the code
	QR        template.URL
	ExpiresAt string
	Minutes   int
}

// boxesDone maps the done parameter of a redirect to its Swedish message.
var boxesDone = map[string]string{
	"bortkopplad": "Surfplattan är bortkopplad. Den visar inte rummet längre förrän den parkopplas igen.",
}

func (rs *roomState) serveAdminBoxes(w http.ResponseWriter, r *http.Request) {
	page, ok := rs.boxesPage(w, r)
	if !ok {
		return
	}
	page.Done = boxesDone[r.URL.Query().Get("klart")]
	rs.render(w, r, http.StatusOK, "adminboxes.html", page)
}

// boxesPage lists every box that has a status, a recording or a paired
// tablet. Otherwise it
// renders the error page and returns false.
func (rs *roomState) boxesPage(w http.ResponseWriter, r *http.Request) (boxesPage, bool) {
	h := rs.h
	ctx := r.Context()
	tablets, err := rs.tablets.Tablets(ctx)
	if err != nil {
		h.log.Error("list tablets failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return boxesPage{}, false
	}
	ids, err := rs.knownBoxes(ctx, tablets)
	if err != nil {
		h.log.Error("list boxes failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return boxesPage{}, false
	}

	statuses := rs.statuses()
	page := boxesPage{Title: "Boxar och surfplattor", CSRF: CSRFTokenFromContext(ctx)}
	for _, id := range ids {
		box := boxTablets{ID: id, State: "okänt läge, boxen har inte rapporterat något", StateClass: "box-offline"}
		if st, ok := statuses[id]; ok {
			box.State = boxStateLabel(st.State)
			box.StateClass = "box-" + string(st.State)
			box.Since = formatDateTime(st.At, h.now(), h.loc)
		}
		for _, t := range tablets {
			if t.BoxID == id {
				box.Tablets = append(box.Tablets, tabletRow{
					ID: t.ID, Name: t.Name,
					PairedAt: formatDateTime(t.PairedAt, h.now(), h.loc),
					LastSeen: formatDateTime(t.LastSeen, h.now(), h.loc),
				})
			}
		}
		page.Boxes = append(page.Boxes, box)
	}
	return page, true
}

// knownBoxes returns the ids of the boxes with a status, a recording or a
// paired tablet, in natural order.
func (rs *roomState) knownBoxes(ctx context.Context, tablets []store.Tablet) ([]string, error) {
	set := map[string]bool{}
	for id := range rs.statuses() {
		set[id] = true
	}
	recs, err := rs.h.src.Recordings(ctx)
	if err != nil {
		return nil, err
	}
	for _, rec := range recs {
		set[rec.BoxID] = true
	}
	for _, t := range tablets {
		set[t.BoxID] = true
	}

	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	slices.SortFunc(ids, func(a, b string) int { return cmp.Or(compareNatural(a, b), cmp.Compare(a, b)) })
	return ids, nil
}

// serveCreateCode creates a pairing code for the form's box and shows it
// once, with a QR code of the pairing address.
func (rs *roomState) serveCreateCode(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	if !h.parseAuthForm(w, r) {
		return
	}
	ctx := r.Context()
	box := r.PostForm.Get("box")
	name := strings.TrimSpace(r.PostForm.Get("namn"))
	if name == "" {
		name = box
	}

	page, ok := rs.boxesPage(w, r)
	if !ok {
		return
	}
	if !slices.ContainsFunc(page.Boxes, func(b boxTablets) bool { return b.ID == box }) {
		page.Error = "Boxen finns inte i listan. Välj en box på den här sidan och försök igen."
		rs.render(w, r, http.StatusBadRequest, "adminboxes.html", page)
		return
	}

	acc, _ := AccountFromContext(ctx)
	code, pc, err := rs.tablets.CreatePairingCode(ctx, box, name, acc.ID)
	if errors.Is(err, store.ErrInvalid) {
		page.Error = fmt.Sprintf("Rummets namn får ha högst %d tecken och inga radbrytningar. Ingen kod har skapats.", store.MaxTabletNameLen)
		rs.render(w, r, http.StatusBadRequest, "adminboxes.html", page)
		return
	}
	if err != nil {
		h.log.Error("create pairing code failed", "box_id", box, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	rs.logTabletAdmin(r, "create_pairing_code", map[string]string{"box_id": box, "code_id": pc.ID})

	link := pairingURL(r, code)
	img, err := qrPNG(link)
	if err != nil {
		h.log.Error("draw pairing qr code failed", "code_id", pc.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	// The QR code is a data URL, which the default policy blocks.
	w.Header().Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
	rs.render(w, r, http.StatusCreated, "paircode.html", pairCodePage{
		Title:     "Kod för parkoppling",
		BoxID:     pc.BoxID,
		Name:      pc.Name,
		Code:      code[:store.PairingCodeLength/2] + " " + code[store.PairingCodeLength/2:],
		PageURL:   strings.TrimSuffix(link, "?kod="+code),
		QR:        qrDataURL(img),
		ExpiresAt: pc.ExpiresAt.In(h.loc).Format("15:04"),
		Minutes:   int(store.PairingCodeTTL / time.Minute),
	})
}

// pairingURL returns the address that the QR code opens on the tablet:
// the pairing page on the host the admin reached, with the code filled in.
func pairingURL(r *http.Request, code string) string {
	scheme := "https"
	if r.TLS == nil {
		scheme = "http"
	}
	return scheme + "://" + r.Host + pathPair + "?kod=" + code
}

// qrPNG draws text as a 256×256 PNG QR code with medium error correction.
func qrPNG(text string) ([]byte, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return nil, fmt.Errorf("encoding qr code: %w", err)
	}
	scaled, err := barcode.Scale(code, 256, 256)
	if err != nil {
		return nil, fmt.Errorf("scaling qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, scaled); err != nil {
		return nil, fmt.Errorf("encoding qr code png: %w", err)
	}
	return buf.Bytes(), nil
}

// serveUnpair unpairs a tablet after the confirmation box is ticked. Its
// device cookie stops working at once, and a personal session opened on
// it ends.
func (rs *roomState) serveUnpair(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	if !h.parseAuthForm(w, r) {
		return
	}
	ctx := r.Context()
	if r.PostForm.Get("bekrafta") != "ja" {
		page, ok := rs.boxesPage(w, r)
		if !ok {
			return
		}
		page.Error = "Kryssa i rutan för att bekräfta. Ingen surfplatta har kopplats bort."
		rs.render(w, r, http.StatusBadRequest, "adminboxes.html", page)
		return
	}

	acc, _ := AccountFromContext(ctx)
	t, err := rs.tablets.RevokeTablet(ctx, r.PathValue("id"), acc.ID)
	switch {
	case errors.Is(err, store.ErrTabletRevoked):
		http.Redirect(w, r, pathAdminBoxes+"?klart=bortkopplad", http.StatusSeeOther)
		return
	case errors.Is(err, store.ErrNotFound):
		h.renderError(w, r, http.StatusNotFound)
		return
	case err != nil:
		h.log.Error("unpair tablet failed", "tablet_id", r.PathValue("id"), "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	rs.endTabletSessions(t.ID)
	rs.logTabletAdmin(r, "unpair_tablet", map[string]string{"box_id": t.BoxID, "tablet_id": t.ID})
	http.Redirect(w, r, pathAdminBoxes+"?klart=bortkopplad", http.StatusSeeOther)
}

// pairFormPage is the data of the tablet's pairing page.
type pairFormPage struct {
	Title  string
	Token  string // the double-submit token
	Code   string
	Error  string
	Notice string
}

// The pairing errors. Each states what happened and what to do.
const (
	textPairMalformed = "Koden ska vara 8 tecken, bokstäver A–Z och siffror 2–9. Kontrollera koden på IT:s skärm och skriv in den igen."
	textPairWrong     = "Koden stämmer inte. Kontrollera koden på IT:s skärm och försök igen."
	textPairExpired   = "Koden har gått ut. En kod gäller i 10 minuter. Be IT att skapa en ny kod."
	textPairUsed      = "Koden har redan använts. En kod fungerar bara en gång. Be IT att skapa en ny kod."
	textPairThrottled = "För många felaktiga koder har skickats från den här adressen. Vänta till %s och försök igen, eller be IT om hjälp."
	textPairForm      = "Formuläret var för gammalt eller kom inte från Ordagrann. Ladda om sidan och skriv in koden igen."
	textPairRevoked   = "IT har kopplat bort den här surfplattan från rummet. Be IT om en ny kod för att parkoppla den igen."
)

// servePairForm renders the pairing form. A code in the kod parameter,
// from the QR code, fills in the form. A GET never pairs.
func (rs *roomState) servePairForm(w http.ResponseWriter, r *http.Request) {
	page := pairFormPage{}
	if raw := r.URL.Query().Get("kod"); raw != "" {
		if code, ok := store.NormalizePairingCode(raw); ok {
			page.Code = code
		}
	}
	if _, err := rs.deviceTablet(r); err == nil {
		page.Notice = "Den här surfplattan är redan parkopplad. Med en ny kod kopplas den till det rum som koden gäller."
	}
	rs.renderPairForm(w, r, http.StatusOK, page)
}

// renderPairForm renders the pairing form with a new double-submit token.
func (rs *roomState) renderPairForm(w http.ResponseWriter, r *http.Request, status int, page pairFormPage) {
	page.Title = "Parkoppla surfplattan"
	page.Token = rand.Text()
	http.SetCookie(w, &http.Cookie{Name: pairFormCookie, Value: page.Token, Path: pathPair, MaxAge: int((time.Hour).Seconds()),
		Secure: rs.secureCookies(r), HttpOnly: true, SameSite: http.SameSiteStrictMode})
	rs.render(w, r, status, "pairform.html", page)
}

// servePair pairs the tablet with the form's code and sends it to the room page.
func (rs *roomState) servePair(w http.ResponseWriter, r *http.Request) {
	h := rs.h
	if !h.parseAuthForm(w, r) {
		return
	}
	raw := r.PostForm.Get("kod")
	page := pairFormPage{}
	if len(raw) <= 2*store.PairingCodeLength {
		page.Code = raw
	}
	if !sameOrigin(r) || !rs.checkPairToken(r) {
		if suppressed, ok := rs.rejectLog.allow(h.now()); ok {
			h.log.Warn("rejected pairing without valid form token", "remote_addr", clientIP(r), "suppressed", suppressed)
		}
		page.Error = textPairForm
		rs.renderPairForm(w, r, http.StatusForbidden, page)
		return
	}

	addr := throttleKey(r)
	if until, blocked := rs.pairThrottle.blocked(addr, h.now()); blocked {
		rs.respondPairError(w, r, page, &pairThrottledError{until: until})
		return
	}
	token, tab, err := rs.tablets.PairTablet(r.Context(), raw)
	if errors.Is(err, store.ErrPairingCodeWrong) && rs.pairThrottle.fail(addr, h.now()) {
		h.log.Warn("pairing throttled", "remote_addr", clientIP(r), "failures", throttleFailures, "blocked_for", throttleBlock.String())
	}
	if err != nil {
		rs.respondPairError(w, r, page, err)
		return
	}

	rs.setDeviceCookie(w, r, token)
	h.log.Info("tablet paired", "tablet_id", tab.ID, "box_id", tab.BoxID, "code_id", tab.CodeID, "remote_addr", clientIP(r))
	rs.logPairing(r, tab.PairedBy, map[string]string{"op": "pair_tablet", "box_id": tab.BoxID, "tablet_id": tab.ID, "code_id": tab.CodeID})
	http.Redirect(w, r, pathRoom, http.StatusSeeOther)
}

// Wrong pairing codes are counted per client address by
// roomState.pairThrottle, with the sign-in throttle's limits: after
// throttleFailures (20) wrong codes within throttleWindow (15 minutes) an
// address waits throttleBlock (15 minutes). A code has 40 bits and is
// valid for store.PairingCodeTTL (10 minutes). The windows are fixed, so
// 19 guesses at the end of one window and 20 at the start of the next
// fit in a code's life. One address therefore makes at most 39 guesses
// per code and hits one of n live codes with probability at most
// 39·n/2^40, about 3.5e-11 per live code. IPv6 clients count per /64. Guesses change no
// stored code, so they lock nobody else out.

// pairThrottledError is the error of a pairing attempt from an address
// that is blocked until the given time.
type pairThrottledError struct{ until time.Time }

func (e *pairThrottledError) Error() string {
	return "pairing throttled until " + e.until.Format(time.RFC3339)
}

// checkPairToken reports whether the form's double-submit token matches its cookie.
func (rs *roomState) checkPairToken(r *http.Request) bool {
	c, err := r.Cookie(pairFormCookie)
	got := r.PostForm.Get(pairFormField)
	return err == nil && got != "" && subtle.ConstantTimeCompare([]byte(c.Value), []byte(got)) == 1
}

// respondPairError renders the pairing form with the reason a pairing
// failed, and writes the failure to the access log.
func (rs *roomState) respondPairError(w http.ResponseWriter, r *http.Request, page pairFormPage, err error) {
	h := rs.h
	var perr *store.PairingError
	var throttled *pairThrottledError
	codeID := ""
	if errors.As(err, &perr) {
		codeID = perr.CodeID
	}

	status, reason := http.StatusUnauthorized, ""
	switch {
	case errors.Is(err, store.ErrInvalid):
		status, reason, page.Error = http.StatusBadRequest, "malformed_code", textPairMalformed
	case errors.Is(err, store.ErrPairingCodeWrong):
		reason, page.Error = "wrong_code", textPairWrong
	case errors.Is(err, store.ErrPairingCodeExpired):
		status, reason, page.Error = http.StatusGone, "expired_code", textPairExpired
	case errors.Is(err, store.ErrPairingCodeUsed):
		status, reason, page.Error = http.StatusConflict, "used_code", textPairUsed
	case errors.As(err, &throttled):
		status, reason = http.StatusTooManyRequests, "throttled"
		page.Error = fmt.Sprintf(textPairThrottled, throttled.until.In(h.loc).Format("15:04"))
	default:
		h.log.Error("pair tablet failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	if suppressed, ok := rs.rejectLog.allow(h.now()); ok {
		h.log.Info("pairing rejected", "reason", reason, "code_id", codeID, "remote_addr", clientIP(r), "suppressed", suppressed)
	}
	detail := map[string]string{"op": "pair_tablet_failed", "reason": reason}
	if codeID != "" {
		detail["code_id"] = codeID
	}
	rs.logPairing(r, "", detail)
	rs.renderPairForm(w, r, status, page)
}

// logTabletAdmin writes the access-log entry of an admin's change to
// pairing. A failure cannot undo the change, so it goes to the service log.
func (rs *roomState) logTabletAdmin(r *http.Request, op string, detail map[string]string) {
	h := rs.h
	if h.access == nil {
		return
	}
	ctx := withAccessDetail(r.Context(), AccessDetail{Op: op})
	ctx = context.WithValue(ctx, actionDetailKey{}, detail)
	if err := h.access(r.WithContext(ctx), "admin", ""); err != nil {
		acc, _ := AccountFromContext(r.Context())
		h.log.Error("access log entry for a pairing change failed", "op", op, "account_id", acc.ID, "error", err)
	}
}

// logPairing writes the access-log entry of a pairing attempt on a
// tablet, which has no signed-in account. A pairing is recorded as done by
// the admin who created the code. A failed one is recorded with the actor
// "unknown", like a failed sign-in with an unknown user name.
//
// NOTE: Options.Access reads the actor from the signed-in account in the
// request's context, so this passes a context with that account only for
// the call. The access log then records the failed attempts with role it.
func (rs *roomState) logPairing(r *http.Request, adminID string, detail map[string]string) {
	h := rs.h
	if h.access == nil {
		return
	}
	actor := auth.Account{ID: "unknown", Role: auth.RoleAdmin}
	if adminID != "" {
		acc, err := h.auth.dir.Account(r.Context(), adminID)
		if err != nil {
			h.log.Error("read account of pairing code failed", "account_id", adminID, "error", err)
		} else {
			actor = acc
		}
	}
	ctx := withSession(r.Context(), h, auth.Session{Account: actor, Stage: auth.StageSignedIn})
	ctx = withAccessDetail(ctx, AccessDetail{Op: detail["op"]})
	ctx = context.WithValue(ctx, actionDetailKey{}, detail)
	if err := h.access(r.WithContext(ctx), "admin", ""); err != nil {
		h.log.Error("access log entry for a pairing attempt failed", "op", detail["op"], "error", err)
	}
}

// secureCookies reports whether the device cookies get the Secure flag:
// over TLS, and whenever remote tablets are served, which requires TLS.
func (rs *roomState) secureCookies(r *http.Request) bool {
	return r.TLS != nil || rs.h.allowRemote
}

func (rs *roomState) setDeviceCookie(w http.ResponseWriter, r *http.Request, token string) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: token, Path: "/", MaxAge: int(deviceCookieMaxAge.Seconds()),
		Secure: rs.secureCookies(r), HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

func (rs *roomState) clearDeviceCookie(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: DeviceCookie, Value: "", Path: "/", MaxAge: -1,
		Secure: rs.secureCookies(r), HttpOnly: true, SameSite: http.SameSiteStrictMode})
}

// deviceTablet returns the paired tablet of the request's device cookie.
// Its errors wrap store.ErrNotFound for a missing or unknown cookie and
// store.ErrTabletRevoked for an unpaired tablet.
func (rs *roomState) deviceTablet(r *http.Request) (store.Tablet, error) {
	c, err := r.Cookie(DeviceCookie)
	if err != nil || c.Value == "" {
		return store.Tablet{}, fmt.Errorf("no device cookie: %w", store.ErrNotFound)
	}
	return rs.tablets.TabletByToken(r.Context(), c.Value)
}

// requireTablet returns the request's paired tablet. Otherwise it writes
// the response: a redirect to the pairing page without a device cookie,
// the pairing page with the reason for an unpaired tablet, and returns false.
func (rs *roomState) requireTablet(w http.ResponseWriter, r *http.Request) (store.Tablet, bool) {
	h := rs.h
	t, err := rs.deviceTablet(r)
	switch {
	case err == nil:
		return t, true
	case errors.Is(err, store.ErrTabletRevoked):
		h.log.Info("rejected unpaired tablet", "remote_addr", clientIP(r))
		rs.clearDeviceCookie(w, r)
		rs.renderPairForm(w, r, http.StatusForbidden, pairFormPage{Error: textPairRevoked})
	case errors.Is(err, store.ErrNotFound):
		if _, cerr := r.Cookie(DeviceCookie); cerr == nil {
			rs.clearDeviceCookie(w, r)
		}
		http.Redirect(w, r, pathPair, http.StatusSeeOther)
	default:
		h.log.Error("read tablet failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
	}
	return store.Tablet{}, false
}

// render renders a pairing or room page into a buffer first, so a
// template failure becomes an error page instead of half a page.
func (rs *roomState) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	h := rs.h
	var buf bytes.Buffer
	if err := rs.pages[name].ExecuteTemplate(&buf, "layout", h.layoutFor(r, data)); err != nil {
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
