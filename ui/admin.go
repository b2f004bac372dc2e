package ui

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/ordagrann/ordagrann/central/auth"
)

// Paths of the admin pages.
const (
	pathAdmin        = "/admin"
	pathAdminNew     = "/admin/nytt-konto"
	pathAdminAccount = "/admin/konton/" // followed by the account id
)

// adminPageNames are the admin templates, parsed with the shared layout.
var adminPageNames = []string{"adminaccounts.html", "adminnew.html", "adminaccount.html"}

// registerAdmin registers the admin pages, all for role admin only.
func (h *handler) registerAdmin() {
	admin := RequireRole(auth.RoleAdmin)
	h.handle("GET "+pathAdmin, routeAdmin, admin(http.HandlerFunc(h.serveAdminAccounts)))
	h.handle("GET "+pathAdminNew, routeAdmin, admin(http.HandlerFunc(h.serveAdminNewForm)))
	h.handle("GET "+pathAdminAccount+"{id}", routeAdmin, admin(http.HandlerFunc(h.serveAdminAccount)))

	h.handle("POST "+pathAdminNew, routeAdmin, admin(http.HandlerFunc(h.serveAdminCreate)))
	h.handle("POST "+pathAdminAccount+"{id}/taggar", routeAdmin, admin(http.HandlerFunc(h.serveAdminBadges)))
	h.handle("POST "+pathAdminAccount+"{id}/aterstall-tvafaktor", routeAdmin, admin(http.HandlerFunc(h.serveAdminResetFactor)))
	h.handle("POST "+pathAdminAccount+"{id}/stang-av", routeAdmin, admin(http.HandlerFunc(h.serveAdminDisable)))
}

// accountRow is one account in the admin pages.
type accountRow struct {
	ID          string
	UserName    string
	DisplayName string
	Role        string // in Swedish
	Team        string
	Badges      string // comma-separated
	Enrolled    bool
	Disabled    bool
	Locked      bool
	LastLogin   string // "aldrig" before the first sign-in
}

type adminAccountsPage struct {
	Title    string
	Accounts []accountRow
}

type roleOption struct {
	Value    string
	Label    string
	Selected bool
}

type adminNewPage struct {
	Title       string
	CSRF        string
	Roles       []roleOption
	UserName    string
	DisplayName string
	Team        string
	Error       string

	// Created and Password are set once the account exists. The password
	// is shown on this response only and is stored nowhere in clear text.
	Created  *accountRow
	Password string
}

type adminAccountPage struct {
	Title   string
	CSRF    string
	Account accountRow
	Self    bool   // the signed-in admin's own account
	Done    string // the result of the last change, in Swedish
	Error   string
	Badges  string // the badge field's value
}

// adminDone maps the done parameter of a redirect to its Swedish message,
// so the parameter cannot put text of its own on the page.
var adminDone = map[string]string{
	"taggar":     "Taggarna är sparade.",
	"tvafaktor":  "Tvåfaktorsinloggningen är återställd. Personen registrerar en ny kod nästa gång hen loggar in.",
	"avstangt":   "Kontot är avstängt. Personen är utloggad och kan inte logga in igen.",
	"nytt-konto": "Kontot är skapat.",
}

func (h *handler) serveAdminAccounts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	accs, err := h.auth.dir.ListAccounts(ctx)
	if err != nil {
		h.log.Error("list accounts failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	owners, err := h.auth.dir.BadgeOwners(ctx)
	if err != nil {
		h.log.Error("list badges failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	badges := map[string][]string{}
	for badge, owner := range owners {
		badges[owner] = append(badges[owner], badge)
	}

	page := adminAccountsPage{Title: "Konton"}
	for _, a := range accs {
		page.Accounts = append(page.Accounts, h.accountRow(a, badges[a.ID]))
	}
	h.renderAuth(w, r, http.StatusOK, "adminaccounts.html", page)
}

func (h *handler) accountRow(a auth.Account, badges []string) accountRow {
	row := accountRow{
		ID:          a.ID,
		UserName:    a.UserName,
		DisplayName: a.DisplayName,
		Role:        a.Role.Swedish(),
		Team:        a.Team,
		Badges:      strings.Join(slices.Sorted(slices.Values(badges)), ", "),
		Enrolled:    a.TOTPEnrolled,
		Disabled:    a.Disabled,
		Locked:      a.LockedUntil.After(h.now()),
		LastLogin:   "aldrig",
	}
	if !a.LastLoginAt.IsZero() {
		row.LastLogin = formatDateTime(a.LastLoginAt, h.now(), h.loc)
	}
	return row
}

func (h *handler) serveAdminNewForm(w http.ResponseWriter, r *http.Request) {
	h.renderAdminNew(w, r, http.StatusOK, adminNewPage{})
}

func (h *handler) renderAdminNew(w http.ResponseWriter, r *http.Request, status int, page adminNewPage) {
	page.Title = "Nytt konto"
	page.CSRF = CSRFTokenFromContext(r.Context())
	selected := r.PostForm.Get("roll")
	if selected == "" {
		selected = string(auth.RoleCaseworker)
	}
	for _, role := range auth.Roles {
		page.Roles = append(page.Roles, roleOption{Value: string(role), Label: role.Swedish(), Selected: string(role) == selected})
	}
	h.renderAuth(w, r, status, "adminnew.html", page)
}

// serveAdminCreate creates an account with a generated password and
// shows the password once.
func (h *handler) serveAdminCreate(w http.ResponseWriter, r *http.Request) {
	if !h.parseAuthForm(w, r) {
		return
	}
	in := auth.NewAccount{
		UserName:    r.PostForm.Get("anvandarnamn"),
		DisplayName: r.PostForm.Get("namn"),
		Role:        auth.Role(r.PostForm.Get("roll")),
		Team:        r.PostForm.Get("team"),
		Password:    rand.Text(), // 26 base32 characters, 130 random bits
	}
	page := adminNewPage{UserName: in.UserName, DisplayName: in.DisplayName, Team: in.Team}

	acc, err := h.auth.dir.CreateAccount(r.Context(), in)
	switch {
	case errors.Is(err, auth.ErrExists):
		page.Error = "Användarnamnet är redan upptaget. Välj ett annat."
		h.renderAdminNew(w, r, http.StatusConflict, page)
		return
	case errors.Is(err, auth.ErrInvalid):
		page.Error = invalidAccountText(err)
		h.renderAdminNew(w, r, http.StatusBadRequest, page)
		return
	case err != nil:
		h.log.Error("create account failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	h.logAdmin(r, AccessDetail{Op: "create_account", AccountID: acc.ID, Role: acc.Role})
	row := h.accountRow(acc, nil)
	page.Created, page.Password = &row, in.Password
	h.renderAdminNew(w, r, http.StatusCreated, page)
}

// invalidAccountText returns the Swedish text for an auth.ErrInvalid
// error of CreateAccount, whose English text names the field.
func invalidAccountText(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "user name"):
		return "Användarnamnet får bara innehålla a–z, 0–9, punkt, understreck och bindestreck, högst 64 tecken."
	case strings.Contains(msg, "role"):
		return "Välj en roll i listan."
	case strings.Contains(msg, "display name"):
		return "Skriv personens namn, högst 100 tecken."
	case strings.Contains(msg, "team"):
		return "Skriv teamets namn, högst 100 tecken. En närmsta chef måste ha ett team."
	}
	return "Kontrollera fälten och försök igen."
}

func (h *handler) serveAdminAccount(w http.ResponseWriter, r *http.Request) {
	page, ok := h.adminAccountPage(w, r)
	if !ok {
		return
	}
	page.Done = adminDone[r.URL.Query().Get("klart")]
	h.renderAuth(w, r, http.StatusOK, "adminaccount.html", page)
}

// adminAccountPage loads the account named by the path for its page.
// Otherwise it renders the error page and returns false.
func (h *handler) adminAccountPage(w http.ResponseWriter, r *http.Request) (adminAccountPage, bool) {
	ctx := r.Context()
	acc, err := h.auth.dir.Account(ctx, r.PathValue("id"))
	if errors.Is(err, auth.ErrNotFound) {
		h.renderError(w, r, http.StatusNotFound)
		return adminAccountPage{}, false
	}
	if err != nil {
		h.log.Error("read account failed", "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return adminAccountPage{}, false
	}
	badges, err := h.auth.dir.Badges(ctx, acc.ID)
	if err != nil {
		h.log.Error("read badges failed", "account_id", acc.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return adminAccountPage{}, false
	}

	me, _ := AccountFromContext(ctx)
	row := h.accountRow(acc, badges)
	return adminAccountPage{
		Title:   acc.DisplayName,
		CSRF:    CSRFTokenFromContext(ctx),
		Account: row,
		Self:    me.ID == acc.ID,
		Badges:  strings.Join(badges, " "),
	}, true
}

// serveAdminBadges replaces an account's badge ids with those typed in
// the form, separated by spaces, commas or line breaks.
func (h *handler) serveAdminBadges(w http.ResponseWriter, r *http.Request) {
	if !h.parseAuthForm(w, r) {
		return
	}
	page, ok := h.adminAccountPage(w, r)
	if !ok {
		return
	}
	raw := r.PostForm.Get("taggar")
	badges := strings.FieldsFunc(strings.ToLower(raw), func(c rune) bool { return c == ',' || c == ';' || c == ' ' || c == '\n' || c == '\r' || c == '\t' })

	err := h.auth.dir.SetBadges(r.Context(), page.Account.ID, badges)
	var taken *auth.BadgeTakenError
	switch {
	case errors.As(err, &taken):
		page.Error = "Taggen " + taken.BadgeID + " tillhör redan ett annat konto" + h.ownerSuffix(r, taken.AccountID) + ". Ta bort den från det kontot först. Inget har ändrats."
		page.Badges = raw
		h.renderAuth(w, r, http.StatusConflict, "adminaccount.html", page)
		return
	case errors.Is(err, auth.ErrInvalid):
		page.Error = "Ett tagg-id består av 1 till 64 tecken a–z, 0–9 och bindestreck, och ett konto kan ha högst 16. Skriv dem som i boxens konfiguration, åtskilda med mellanslag. Inget har ändrats."
		page.Badges = raw
		h.renderAuth(w, r, http.StatusBadRequest, "adminaccount.html", page)
		return
	case err != nil:
		h.log.Error("set badges failed", "account_id", page.Account.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}

	saved, err := h.auth.dir.Badges(r.Context(), page.Account.ID)
	if err != nil {
		h.log.Error("read badges failed", "account_id", page.Account.ID, "error", err)
	}
	h.logAdmin(r, AccessDetail{Op: "set_badges", AccountID: page.Account.ID, Badges: saved})
	http.Redirect(w, r, pathAdminAccount+page.Account.ID+"?klart=taggar", http.StatusSeeOther)
}

// ownerSuffix returns " (name, user name)" of the account with id, or "".
func (h *handler) ownerSuffix(r *http.Request, id string) string {
	acc, err := h.auth.dir.Account(r.Context(), id)
	if err != nil {
		return ""
	}
	return " (" + acc.DisplayName + ", " + acc.UserName + ")"
}

func (h *handler) serveAdminResetFactor(w http.ResponseWriter, r *http.Request) {
	h.serveAdminConfirmed(w, r, "reset_second_factor", "tvafaktor", h.auth.dir.ResetSecondFactor)
}

func (h *handler) serveAdminDisable(w http.ResponseWriter, r *http.Request) {
	h.serveAdminConfirmed(w, r, "disable_account", "avstangt", h.auth.dir.DisableAccount)
}

// serveAdminConfirmed runs a change that needs the confirmation box ticked
// and that an admin may not make to their own account.
func (h *handler) serveAdminConfirmed(w http.ResponseWriter, r *http.Request, op, done string, change func(ctx context.Context, id string) error) {
	if !h.parseAuthForm(w, r) {
		return
	}
	page, ok := h.adminAccountPage(w, r)
	if !ok {
		return
	}
	if page.Self {
		page.Error = "Du kan inte ändra inloggningen för ditt eget konto här. Be en annan IT-administratör."
		h.renderAuth(w, r, http.StatusForbidden, "adminaccount.html", page)
		return
	}
	if r.PostForm.Get("bekrafta") != "ja" {
		page.Error = "Kryssa i rutan för att bekräfta. Inget har ändrats."
		h.renderAuth(w, r, http.StatusBadRequest, "adminaccount.html", page)
		return
	}

	if err := change(r.Context(), page.Account.ID); err != nil {
		h.log.Error("admin change failed", "op", op, "account_id", page.Account.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	h.logAdmin(r, AccessDetail{Op: op, AccountID: page.Account.ID})
	http.Redirect(w, r, pathAdminAccount+page.Account.ID+"?klart="+done, http.StatusSeeOther)
}

// logAdmin writes the access-log entry of an admin change that has been
// made. A failure cannot undo the change, so it goes to the service log.
func (h *handler) logAdmin(r *http.Request, d AccessDetail) {
	if h.access == nil {
		return
	}
	if err := h.access(r.WithContext(withAccessDetail(r.Context(), d)), "admin", ""); err != nil {
		acc, _ := AccountFromContext(r.Context())
		h.log.Error("access log entry for an admin change failed", "op", d.Op, "account_id", acc.ID, "target_account_id", d.AccountID, "error", err)
	}
}
