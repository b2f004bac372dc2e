package ui

import (
	"context"
	"log/slog"
)

// logReadError logs a failed read of part of a recording. A read cut off
// because its request went away or its background job was stopped is not
// a fault of the service, so it is logged at debug level.
func (h *handler) logReadError(ctx context.Context, msg, rec string, err error) {
	level := slog.LevelError
	if ctx.Err() != nil {
		level = slog.LevelDebug
	}
	h.log.Log(context.Background(), level, msg, "recording_id", rec, "error", err)
}
