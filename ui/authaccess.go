package ui

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// AccountDirectory is the account store behind the admin pages and the
// check of who may read a recording. *auth.Store implements it, and
// Options.Auth must implement it too. Errors wrap the auth package's sentinels.
type AccountDirectory interface {
	Account(ctx context.Context, id string) (auth.Account, error)
	ListAccounts(ctx context.Context) ([]auth.Account, error)
	CreateAccount(ctx context.Context, in auth.NewAccount) (auth.Account, error)
	ResetSecondFactor(ctx context.Context, id string) error
	DisableAccount(ctx context.Context, id string) error
	SetBadges(ctx context.Context, accountID string, badges []string) error
	Badges(ctx context.Context, accountID string) ([]string, error)
	BadgeOwners(ctx context.Context) (map[string]string, error)
	AccountByBadge(ctx context.Context, badgeID string) (auth.Account, error)
	BadgeOwnerAt(ctx context.Context, badgeID string, t time.Time) (string, bool, error)
	BadgeHistory(ctx context.Context) (auth.BadgeHistory, error)
}

var _ AccountDirectory = (*auth.Store)(nil)

// AccessDetail is the reason or admin change that the view attaches to
// the request it passes to Options.Access.
type AccessDetail struct {
	// Reason is the reason a manager gave to open another person's
	// recording. It is empty for a person's own recordings and for admin actions.
	Reason string
	// Op names an admin action: "create_account", "reset_second_factor",
	// "disable_account" or "set_badges". It is empty for reads.
	Op string
	// AccountID is the account an admin action changed.
	AccountID string
	// Role is the role of a created account.
	Role auth.Role
	// Badges are the badge ids that set_badges gave the account.
	Badges []string
}

type accessDetailKey struct{}

func withAccessDetail(ctx context.Context, d AccessDetail) context.Context {
	return context.WithValue(ctx, accessDetailKey{}, d)
}

// AccessDetailFromContext returns the detail of the request passed to
// Options.Access, or the zero AccessDetail when it has none.
func AccessDetailFromContext(ctx context.Context) AccessDetail {
	d, _ := ctx.Value(accessDetailKey{}).(AccessDetail)
	return d
}

// accessKind is the kind of read access an account has to a recording.
type accessKind int

const (
	accessNone       accessKind = iota // not at all
	accessOwn                          // the recording's badge maps to the account
	accessWithReason                   // a manager, for a recording of their team
)

// recordingAccess decides how acc may read rec and returns the owner of
// rec: the account that had rec's badge when rec started, so moving a
// badge to another account leaves earlier recordings where they were. A
// recording that no account owns is readable by nobody in the signed-in
// view: its badge was never mapped, or it was started while the badge
// belonged to no account.
// TODO: list on the admin pages the badge ids of recordings that no
// account has, so IT sees which badges still need an account.
// NOTE: the start is the consent time on the box's clock. A recording that
// starts within the box's clock error of a badge move may go to the other account.
func (h *handler) recordingAccess(ctx context.Context, acc auth.Account, rec store.Recording) (accessKind, auth.Account, error) {
	ownerID, ok, err := h.auth.dir.BadgeOwnerAt(ctx, rec.BadgeID, recordingStart(rec))
	if err != nil || !ok {
		return accessNone, auth.Account{}, err
	}
	owner, err := h.auth.dir.Account(ctx, ownerID)
	if errors.Is(err, auth.ErrNotFound) {
		return accessNone, auth.Account{}, nil
	}
	if err != nil {
		return accessNone, auth.Account{}, err
	}

	switch {
	case owner.ID == acc.ID:
		return accessOwn, owner, nil
	case acc.Role == auth.RoleManager && acc.Team != "" && owner.Team == acc.Team:
		return accessWithReason, owner, nil
	}
	return accessNone, owner, nil
}

// recordingOwners returns a function that names the owner of a recording
// by the rules of recordingAccess. It reads the badge history once, so a
// list of many recordings costs one query.
func (h *handler) recordingOwners(ctx context.Context) (func(store.Recording) (string, bool), error) {
	history, err := h.auth.dir.BadgeHistory(ctx)
	if err != nil {
		return nil, err
	}
	return func(rec store.Recording) (string, bool) {
		return history.OwnerAt(rec.BadgeID, recordingStart(rec))
	}, nil
}

// checkRecordingAccess reports whether the signed-in account may read
// rec. Otherwise it writes the response and returns false. A recording of
// someone else outside the manager's team gets the 404 page, the same as a
// recording that does not exist, so an id tried by URL reveals nothing. A
// manager opening a team member's recording gets the reason form until a
// reason is given.
func (h *handler) checkRecordingAccess(w http.ResponseWriter, r *http.Request, rec store.Recording) bool {
	if h.auth == nil {
		return true
	}
	acc, ok := AccountFromContext(r.Context())
	if !ok {
		h.renderError(w, r, http.StatusNotFound)
		return false
	}

	kind, owner, err := h.recordingAccess(r.Context(), acc, rec)
	if err != nil {
		h.log.Error("read recording owner failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return false
	}
	switch kind {
	case accessOwn:
		return true
	case accessWithReason:
		// Opening the recording page uses up the reason. The audio and
		// other parts of the opened page stay readable until the grant expires.
		opening := r.Pattern == "/recordings/{id}" && safeMethod(r.Method)
		if h.auth.grants.use(grantKey{session: CSRFTokenFromContext(r.Context()), recording: rec.ID}, h.now(), opening) {
			return true
		}
		h.renderReasonForm(w, r, http.StatusForbidden, rec.ID, owner, "", "")
		return false
	}

	h.log.Warn("rejected request for another person's recording", "account_id", acc.ID, "recording_id", rec.ID)
	h.renderError(w, r, http.StatusNotFound)
	return false
}

// visibleRecordings returns the recordings of recs that the signed-in
// account may list: its own, and for a manager also its team's.
func (h *handler) visibleRecordings(ctx context.Context, recs []store.Recording) ([]store.Recording, error) {
	if h.auth == nil {
		return recs, nil
	}
	acc, ok := AccountFromContext(ctx)
	if !ok {
		return nil, nil
	}

	ownerOf, err := h.recordingOwners(ctx)
	if err != nil {
		return nil, err
	}
	allowed := map[string]bool{acc.ID: true}
	if acc.Role == auth.RoleManager && acc.Team != "" {
		accs, err := h.auth.dir.ListAccounts(ctx)
		if err != nil {
			return nil, err
		}
		for _, a := range accs {
			if a.Team == acc.Team {
				allowed[a.ID] = true
			}
		}
	}

	var out []store.Recording
	for _, rec := range recs {
		if owner, ok := ownerOf(rec); ok && allowed[owner] {
			out = append(out, rec)
		}
	}
	return out, nil
}

// grantTTL is how long the reason a manager gave keeps the audio and
// other parts of the opened recording readable. It is shorter than the
// session's default idle timeout of 15 minutes, so a grant rarely outlives
// the manager's attention.
const grantTTL = 10 * time.Minute

// Limits of a reason. The access log stores at most 500 bytes, and 240
// characters of Swedish text stay under that unless they are mostly emoji.
const (
	maxReasonBytes = 500
	maxReasonChars = 240
)

// minReasonLen is the shortest reason in characters, so that a single
// keystroke is not accepted as one.
const minReasonLen = 5

// grantKey names one session's access to one recording. The session is
// named by its CSRF token, which is unique to it.
type grantKey struct {
	session   string
	recording string
}

// grant is a reason given for a recording that is not the reader's own.
type grant struct {
	reason  string
	expires time.Time
	opened  bool // the recording page was shown with this reason
}

// reasonGrants contains the reasons given in this process. They are lost
// on restart, so the next opening requests a reason again.
type reasonGrants struct {
	mu sync.Mutex
	m  map[grantKey]grant
}

// add stores a reason and drops expired grants.
func (g *reasonGrants) add(k grantKey, reason string, now time.Time) {
	g.mu.Lock()
	defer g.mu.Unlock()

	if g.m == nil {
		g.m = map[grantKey]grant{}
	}
	for key, gr := range g.m {
		if !now.Before(gr.expires) {
			delete(g.m, key)
		}
	}
	g.m[k] = grant{reason: reason, expires: now.Add(grantTTL)}
}

// use reports whether k has a live grant. Opening the recording page
// needs a grant that has not opened it yet, and marks it used.
func (g *reasonGrants) use(k grantKey, now time.Time, opening bool) bool {
	g.mu.Lock()
	defer g.mu.Unlock()

	gr, ok := g.m[k]
	if !ok || !now.Before(gr.expires) {
		return false
	}
	if opening {
		if gr.opened {
			return false
		}
		gr.opened = true
		g.m[k] = gr
	}
	return true
}

// reason returns the reason of k's live grant, or "".
func (g *reasonGrants) reason(k grantKey, now time.Time) string {
	g.mu.Lock()
	defer g.mu.Unlock()

	gr, ok := g.m[k]
	if !ok || !now.Before(gr.expires) {
		return ""
	}
	return gr.reason
}

// grantedReason returns the reason the request's session gave for rec, or "".
func (h *handler) grantedReason(r *http.Request, rec string) string {
	if h.auth == nil {
		return ""
	}
	return h.auth.grants.reason(grantKey{session: CSRFTokenFromContext(r.Context()), recording: rec}, h.now())
}

// reasonPage is the form that requests a manager's reason for opening a recording.
type reasonPage struct {
	Title       string
	RecordingID string
	OwnerName   string
	CSRF        string
	Reason      string
	Error       string
}

func (h *handler) renderReasonForm(w http.ResponseWriter, r *http.Request, status int, rec string, owner auth.Account, reason, errText string) {
	h.renderAuth(w, r, status, "authreason.html", reasonPage{
		Title:       "Ange skäl",
		RecordingID: rec,
		OwnerName:   owner.DisplayName,
		CSRF:        CSRFTokenFromContext(r.Context()),
		Reason:      reason,
		Error:       errText,
	})
}

// serveReason takes a manager's reason for opening a team member's
// recording and sends the browser on to the recording.
func (h *handler) serveReason(w http.ResponseWriter, r *http.Request) {
	// The CSRF check reads the form only when the token is not in a header.
	if !h.parseAuthForm(w, r) {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	if !protocol.ValidID(id) {
		h.renderError(w, r, http.StatusNotFound)
		return
	}
	rec, err := h.src.Recording(ctx, id)
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDeleted):
		h.renderError(w, r, http.StatusNotFound)
		return
	case err != nil:
		h.log.Error("read recording failed", "recording_id", id, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	acc, _ := AccountFromContext(ctx)
	kind, owner, err := h.recordingAccess(ctx, acc, rec)
	if err != nil {
		h.log.Error("read recording owner failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return
	}
	if kind != accessWithReason {
		h.log.Warn("rejected request for another person's recording", "account_id", acc.ID, "recording_id", rec.ID)
		h.renderError(w, r, http.StatusNotFound)
		return
	}

	reason, errText := checkReason(r.PostForm.Get("skal"))
	if errText != "" {
		h.renderReasonForm(w, r, http.StatusBadRequest, rec.ID, owner, r.PostForm.Get("skal"), errText)
		return
	}
	h.auth.grants.add(grantKey{session: CSRFTokenFromContext(ctx), recording: rec.ID}, reason, h.now())
	http.Redirect(w, r, "/recordings/"+rec.ID, http.StatusSeeOther)
}

// checkReason returns the reason with its white space collapsed to single
// spaces, or a Swedish error text.
func checkReason(raw string) (reason, errText string) {
	reason = strings.Join(strings.Fields(raw), " ")
	switch {
	case utf8.RuneCountInString(reason) < minReasonLen:
		return "", fmt.Sprintf("Skriv varför du öppnar inspelningen, med minst %d tecken.", minReasonLen)
	case utf8.RuneCountInString(reason) > maxReasonChars || len(reason) > maxReasonBytes || !utf8.ValidString(reason):
		return "", fmt.Sprintf("Skälet är för långt. Skriv det kortare, med högst %d tecken.", maxReasonChars)
	case strings.IndexFunc(reason, func(c rune) bool { return !unicode.IsPrint(c) }) >= 0:
		return "", "Skälet innehåller tecken som inte kan sparas. Skriv det med vanliga bokstäver och siffror."
	}
	return reason, ""
}
