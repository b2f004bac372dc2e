package centralsvc

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/retention/schedule"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
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

// logWebAccess records a read through the web view. Until sign-in exists
// the view serves loopback only, so the actor is the local console.
func (s *Service) logWebAccess(r *http.Request, action, rec string) error {
	_, err := s.audit.Append(r.Context(), audit.Entry{
		Actor:       "local-console",
		Role:        audit.RoleIT,
		Action:      audit.Action(action),
		RecordingID: rec,
		Device:      "loopback-web",
	})
	return err
}

// auditedStore is the store as ingest sees it: a withdrawal the store
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
