package centralsvc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/ui"
)

func wipeSchedule(mode string) (schedule.Schedule, error) {
	switch mode {
	case "", "weekly":
		return schedule.Default(), nil
	case "rolling":
		return schedule.DefaultRolling(), nil
	}
	return schedule.Schedule{}, fmt.Errorf("invalid wipe mode %q: use weekly or rolling", mode)
}

// logWebAccess records a read or an admin change through the web view by
// the signed-in account, with the reason a manager gave for opening a team
// member's recording, and for an admin change what was done to which account.
func (s *Service) logWebAccess(r *http.Request, action, rec string) error {
	acc, ok := ui.AccountFromContext(r.Context())
	if !ok {
		return errors.New("web request without a signed-in account")
	}
	d := ui.AccessDetailFromContext(r.Context())
	_, err := s.audit.Append(r.Context(), audit.Entry{
		Actor:       acc.ID,
		Role:        auditRole(acc.Role),
		Action:      audit.Action(action),
		RecordingID: rec,
		Device:      "web",
		Reason:      d.Reason,
		Detail:      webDetail(r.Context(), d),
	})
	return err
}

// webDetail returns the access-log detail of a web request: an admin
// change, or the counts of a search, copy or delete such as "hits" and
// "segments". It is nil for a plain read.
func webDetail(ctx context.Context, d ui.AccessDetail) map[string]string {
	detail := adminDetail(d)
	for k, v := range ui.ActionDetailFromContext(ctx) {
		if detail == nil {
			detail = map[string]string{}
		}
		detail[k] = v
	}
	return detail
}

// adminDetail returns the access-log detail of an admin change, or nil
// for a read. It names the change and the target account, never a password.
func adminDetail(d ui.AccessDetail) map[string]string {
	if d.Op == "" {
		return nil
	}
	detail := map[string]string{"op": d.Op, "account_id": d.AccountID}
	if d.Role != "" {
		detail["role"] = string(d.Role)
	}
	if d.Op == "set_badges" {
		detail["badges"] = strings.Join(d.Badges, ",")
	}
	return detail
}

// unknownActor is the access-log actor of a failed sign-in with a user
// name that no account has. All such failures share it, so repeated
// guessing shows in the weekly report without storing the names tried.
const unknownActor = "unknown"

// logAuthEvent records sign-ins, failed sign-ins and sign-outs. A failed
// sign-in for a user name no account has is recorded with actor
// unknownActor and role audit.RoleUnknown, and so is an event whose
// account can no longer be read.
func (s *Service) logAuthEvent(ctx context.Context, e auth.Event) {
	action := map[auth.EventKind]audit.Action{
		auth.EventSignedIn:     audit.ActionLogin,
		auth.EventSignInFailed: audit.ActionLoginFailed,
		auth.EventLocked:       audit.ActionLoginFailed,
		auth.EventSignedOut:    audit.ActionLogout,
	}[e.Kind]
	if action == "" {
		return
	}
	entry := audit.Entry{Time: e.At, Actor: e.AccountID, Role: audit.RoleUnknown, Action: action, Device: "web"}
	if entry.Actor == "" {
		entry.Actor = unknownActor
	}
	if e.Factor != "" {
		entry.Detail = map[string]string{"factor": e.Factor}
	}
	if e.Kind == auth.EventLocked {
		entry.Detail = map[string]string{"factor": e.Factor, "locked": "true"}
	}
	if e.AccountID != "" {
		acc, err := s.accounts.Account(ctx, e.AccountID)
		if err == nil {
			entry.Role = auditRole(acc.Role)
		} else {
			s.log.Warn("read account of a sign-in event failed", "event", string(e.Kind), "account_id", e.AccountID, "error", err)
		}
	}
	if _, err := s.audit.Append(ctx, entry); err != nil {
		s.log.Error("access log entry for a sign-in event failed", "event", string(e.Kind), "account_id", e.AccountID, "error", err)
	}
}

// auditRole maps an account role to the access log's role names.
func auditRole(r auth.Role) audit.Role {
	switch r {
	case auth.RoleCaseworker:
		return audit.RoleCaseworker
	case auth.RoleManager:
		return audit.RoleManager
	case auth.RoleAuditor:
		return audit.RoleAuditor
	}
	return audit.RoleIT
}

// OpenAccounts opens the account store in dataDir, with TOTP secrets sealed
// by the service's "accounts" key under the master key.
func OpenAccounts(dataDir string, k *keys.Keys, opts *auth.Options) (*auth.Store, error) {
	sealer, err := k.ServiceAEAD(dataDir, "accounts")
	if err != nil {
		return nil, err
	}
	return auth.Open(filepath.Join(dataDir, "accounts.db"), sealer, opts)
}

// auditedStore is the store given to ingest: a withdrawal the store
// committed also gets an access-log entry, since it deletes content.
type auditedStore struct {
	*store.Store
	audit *audit.Log
	log   *slog.Logger
}

func (a auditedStore) PutEvent(ctx context.Context, box, rec string, e protocol.Event) (bool, error) {
	duplicate, err := a.Store.PutEvent(ctx, box, rec, e)
	if err != nil || duplicate || e.Type != protocol.EventWithdraw {
		return duplicate, err
	}
	_, aerr := a.audit.Append(ctx, audit.Entry{
		Actor: box, Role: audit.RoleClient, Action: audit.ActionWithdraw,
		RecordingID: rec, BoxID: box, Device: box,
	})
	if aerr != nil {
		// The deletion has happened and cannot be undone; the service log
		// keeps the fact so the gap in the access log can be explained.
		a.log.Error("access log entry for a withdrawal failed", "box_id", box, "recording_id", rec, "error", aerr)
	}
	return duplicate, nil
}
