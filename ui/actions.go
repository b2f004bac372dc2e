package ui

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"time"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/store"
)

// recordingDeleter deletes a recording with everything that belongs to
// it. *store.Store implements it.
type recordingDeleter interface {
	DeleteRecording(ctx context.Context, rec string, reason string) error
}

// documentedSource stores which recordings a caseworker has moved to the
// case file. *store.Store implements it.
type documentedSource interface {
	SetDocumented(ctx context.Context, rec, account string, documented bool) error
	Documented(ctx context.Context, rec string) (store.DocumentedMark, bool, error)
	DocumentedMarks(ctx context.Context) (map[string]store.DocumentedMark, error)
}

// actionPageNames are the pages of search, copy, delete, segment edits and
// rejected speaker names, each parsed with the shared layout.
var actionPageNames = []string{"search.html", "copy.html", "delete.html", "edit.html", "rename.html"}

// registerActions parses the pages of search, copy, delete and the
// documented mark, and registers their routes. The POST routes write
// their own access-log entries ("copy", "delete"), so they are routeOther.
func (h *handler) registerActions() error {
	for _, name := range actionPageNames {
		t, err := template.New(name).ParseFS(templateFiles, "templates/layout.html", "templates/"+name)
		if err != nil {
			return fmt.Errorf("ui: parse template %s: %w", name, err)
		}
		h.pages[name] = t
	}

	content := func(f http.HandlerFunc) http.Handler {
		if h.auth == nil {
			return f
		}
		return RequireRole(auth.RoleCaseworker, auth.RoleManager)(f)
	}
	// The search form without a query reads nothing. A search with a query
	// writes one "search" entry, which TestSearchLogsOneEntry checks.
	h.handle("GET /sok", routeMetadata, content(h.serveSearch))
	h.handle("GET /recordings/{id}/kopiera", routeContent, content(h.serveCopyForm))
	h.handle(copyPattern, routeOther, content(h.serveCopy))
	// The confirmation page shows sizes and times, no content.
	h.handle("GET /recordings/{id}/gallra", routeMetadata, content(h.serveDeleteForm))
	h.handle("POST /recordings/{id}/gallra", routeOther, content(h.serveDelete))
	h.handle("POST /recordings/{id}/dokumenterad", routeOther, content(h.serveDocumented))
	return nil
}

// actionsView is the data of the recording page's actions part.
type actionsView struct {
	RecordingID string
	CSRF        string
	Owner       bool // the signed-in account owns the recording, so it may delete and mark it

	CanDocument  bool // the store keeps documented marks
	Documented   bool
	DocumentedAt string
	WipeIn       string // time left until the scheduled wipe, in Swedish; empty when unknown
}

// recordingActions returns the data of the recording page's actions part
// (templates/recording-actions.html) for rec, or nil when it shows nothing.
// Without sign-in it shows nothing, because every action is a POST that
// needs a session's CSRF token.
func (h *handler) recordingActions(r *http.Request, rec store.Recording) any {
	// On a room tablet, in front of the client, there is nothing to copy,
	// mark or delete: those routes are closed to room sessions.
	if h.auth == nil || h.inRoomSession(r) {
		return nil
	}
	acc, ok := AccountFromContext(r.Context())
	if !ok {
		return nil
	}
	kind, _, err := h.recordingAccess(r.Context(), acc, rec)
	if err != nil {
		h.log.Error("read recording owner failed", "recording_id", rec.ID, "error", err)
		return nil
	}

	v := actionsView{RecordingID: rec.ID, CSRF: CSRFTokenFromContext(r.Context()), Owner: kind == accessOwn}
	if src, ok := h.src.(documentedSource); ok {
		v.CanDocument = true
		mark, marked, err := src.Documented(r.Context(), rec.ID)
		if err != nil && !errors.Is(err, store.ErrDeleted) && !errors.Is(err, store.ErrNotFound) {
			h.log.Error("read documented mark failed", "recording_id", rec.ID, "error", err)
		}
		if marked {
			v.Documented = true
			v.DocumentedAt = formatDateTime(mark.At, h.now(), h.loc)
		}
	}
	if h.wipeTime != nil {
		if wipe := h.wipeTime(rec); !wipe.IsZero() {
			v.WipeIn = timeLeft(wipe.Sub(h.now()))
		}
	}
	return v
}

// timeLeft formats the time until the wipe in whole days or hours, rounded down.
func timeLeft(d time.Duration) string {
	switch {
	case d <= 0:
		return "vid nästa gallring"
	case d < time.Hour:
		return "om mindre än en timme"
	case d < 48*time.Hour:
		hours := int(d / time.Hour)
		if hours == 1 {
			return "om 1 timme"
		}
		return fmt.Sprintf("om %d timmar", hours)
	}
	return fmt.Sprintf("om %d dagar", int(d/(24*time.Hour)))
}

var msgNotOwner = authMessage{
	Title:    "Du har inte behörighet",
	Message:  "Bara handläggaren som äger inspelningen kan gallra den eller markera den som dokumenterad.",
	LinkText: "Till startsidan", LinkURL: "/",
}

// requireOwner reports whether the signed-in account owns rec. Otherwise
// it renders the 403 page and returns false. A manager may read a team
// member's recording with a reason but not delete or mark it.
func (h *handler) requireOwner(w http.ResponseWriter, r *http.Request, rec store.Recording) bool {
	if h.auth == nil {
		h.renderError(w, r, http.StatusNotFound)
		return false
	}
	acc, _ := AccountFromContext(r.Context())
	kind, _, err := h.recordingAccess(r.Context(), acc, rec)
	if err != nil {
		h.log.Error("read recording owner failed", "recording_id", rec.ID, "error", err)
		h.renderError(w, r, http.StatusInternalServerError)
		return false
	}
	if kind != accessOwn {
		h.log.Warn("rejected change of another person's recording", "account_id", acc.ID, "recording_id", rec.ID)
		h.renderAuthMessage(w, r, http.StatusForbidden, msgNotOwner)
		return false
	}
	return true
}

type actionDetailKey struct{}

// ActionDetailFromContext returns the counts that a search, copy or
// delete attaches to the request it passes to Options.Access, such as
// "hits" or "segments", or nil for other requests. The values are
// numbers and yes/no, never content.
func ActionDetailFromContext(ctx context.Context) map[string]string {
	d, _ := ctx.Value(actionDetailKey{}).(map[string]string)
	return d
}

// logAction records action on rec (empty for a search) with detail and
// the reason a manager gave, if any. It renders an error page and returns
// false when the entry cannot be written, so the action does not happen
// without its entry.
func (h *handler) logAction(w http.ResponseWriter, r *http.Request, action, rec string, detail map[string]string) bool {
	if h.access == nil {
		return true
	}
	ctx := context.WithValue(r.Context(), actionDetailKey{}, detail)
	if reason := h.grantedReason(r, rec); rec != "" && reason != "" {
		ctx = withAccessDetail(ctx, AccessDetail{Reason: reason})
	}
	if err := h.access(r.WithContext(ctx), action, rec); err != nil {
		h.log.Error("access log write failed, action not done", "action", action, "recording_id", rec, "error", err)
		h.renderError(w, r, http.StatusServiceUnavailable)
		return false
	}
	return true
}
