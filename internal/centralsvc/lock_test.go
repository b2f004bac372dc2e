package centralsvc

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestSecondServiceOnSameDataStops starts two services on one data
// directory: the second stops at once with a message that says why, and
// the first keeps running; after the first closes, a new one starts.
func TestSecondServiceOnSameDataStops(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	if _, err := Init(dir, logger); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, InsecureMQTT: true, MQTTAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: logger}

	first, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("first Start: %v", err)
	}
	second, err := Start(context.Background(), cfg)
	if err == nil {
		second.Close()
		first.Close()
		t.Fatal("second Start on the same data directory succeeded, want an error")
	}
	if !strings.Contains(err.Error(), "in use by another central service") {
		t.Errorf("second Start error = %q, want one that says the directory is in use", err)
	}
	if _, err := first.Store().Recordings(context.Background()); err != nil {
		t.Errorf("first service after the second's failed start: %v", err)
	}

	if err := first.Close(); err != nil {
		t.Fatalf("Close: %v", err)
	}
	third, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatalf("Start after the first closed: %v", err)
	}
	third.Close()
}

// TestBadChatKeyWritesNothing starts a service with a missing chat key
// file: it fails before any database file is created.
func TestBadChatKeyWritesNothing(t *testing.T) {
	logger := slog.New(slog.DiscardHandler)
	dir := t.TempDir()
	if _, err := Init(dir, logger); err != nil {
		t.Fatal(err)
	}
	cfg := Config{DataDir: dir, InsecureMQTT: true, MQTTAddr: "127.0.0.1:0", HTTPAddr: "127.0.0.1:0", Logger: logger,
		ChatURL: "http://127.0.0.1:9", ChatModel: "m", ChatAPIKeyFile: filepath.Join(dir, "saknas")}
	if s, err := Start(context.Background(), cfg); err == nil {
		s.Close()
		t.Fatal("Start with a missing key file succeeded")
	}
	for _, name := range []string{"central.db", "audit.db", "accounts.db"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("failed start created %s", name)
		}
	}
}
