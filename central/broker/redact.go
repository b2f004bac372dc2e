package broker

import (
	"context"
	"log/slog"
)

// redactedKeys are the attribute keys under which mochi-mqtt logs whole
// packets or last wills (mochi-mqtt v2.7.9 server.go and hooks.go). Their
// payloads are encrypted audio or box metadata and must not reach the log.
var redactedKeys = map[string]bool{"pk": true, "packet": true, "will": true}

// redactHandler replaces the values of redactedKeys before it passes a
// record to the wrapped handler.
type redactHandler struct {
	next slog.Handler
}

func (h redactHandler) Enabled(ctx context.Context, level slog.Level) bool {
	return h.next.Enabled(ctx, level)
}

func (h redactHandler) Handle(ctx context.Context, r slog.Record) error {
	out := slog.NewRecord(r.Time, r.Level, r.Message, r.PC)
	r.Attrs(func(a slog.Attr) bool {
		out.AddAttrs(redact(a))
		return true
	})
	return h.next.Handle(ctx, out)
}

func (h redactHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	clean := make([]slog.Attr, len(attrs))
	for i, a := range attrs {
		clean[i] = redact(a)
	}
	return redactHandler{next: h.next.WithAttrs(clean)}
}

func (h redactHandler) WithGroup(name string) slog.Handler {
	return redactHandler{next: h.next.WithGroup(name)}
}

func redact(a slog.Attr) slog.Attr {
	if redactedKeys[a.Key] {
		return slog.String(a.Key, "[redacted]")
	}
	return a
}
