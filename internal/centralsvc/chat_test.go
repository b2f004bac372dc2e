package centralsvc

import (
	"bytes"
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/chat/chattest"
	"github.com/ordagrann/ordagrann/central/pseudo"
	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// startWithChat starts a service on loopback with cfg's chat settings and
// returns it with its log.
func startWithChat(t *testing.T, cfg Config) (*Service, *bytes.Buffer, error) {
	t.Helper()
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	dir := t.TempDir()
	if _, err := Init(dir, logger); err != nil {
		t.Fatal(err)
	}
	cfg.DataDir, cfg.InsecureMQTT, cfg.MQTTAddr, cfg.HTTPAddr, cfg.Logger = dir, true, "127.0.0.1:0", "127.0.0.1:0", logger
	s, err := Start(context.Background(), cfg)
	if err == nil {
		t.Cleanup(func() { s.Close() })
	}
	return s, &logs, err
}

func TestChatEngineWiredWithKeyFile(t *testing.T) {
	const key = "sk-chat-test-4f1c9a"
	srv := chattest.New(t, key, func(chattest.Request) string { return "## Deltagare\nInget i utskriften." })
	keyFile := filepath.Join(t.TempDir(), "chat-key")
	if err := os.WriteFile(keyFile, []byte(key+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}

	s, logs, err := startWithChat(t, Config{ChatURL: srv.URL, ChatModel: "test-modell", ChatAPIKeyFile: keyFile})
	if err != nil {
		t.Fatalf("Start with a chat engine: %v", err)
	}
	if s.assistant == nil {
		t.Fatal("service has no assistant although --chat-url is set")
	}
	segs := []svtext.Segment{{ID: 1, Speaker: "Talare 1", Text: "Jag heter Sara Lindqvist, personnummer 850312-2387."}}
	if _, err := s.assistant.Summarize(context.Background(), segs, pseudo.NewMapping()); err != nil {
		t.Fatalf("Summarize through the configured engine: %v", err)
	}
	reqs := srv.Requests()
	if len(reqs) != 1 || reqs[0].Auth != "Bearer "+key || reqs[0].Model != "test-modell" {
		t.Errorf("engine requests = %+v, want one for test-modell with the key from the file", reqs)
	}
	for _, secret := range []string{"Lindqvist", "850312"} {
		if strings.Contains(reqs[0].Text(), secret) {
			t.Errorf("request to the engine holds %q", secret)
		}
	}
	if strings.Contains(logs.String(), key) {
		t.Errorf("log holds the chat engine's API key:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "openai-chat:test-modell") {
		t.Errorf("log does not name the configured chat engine:\n%s", logs.String())
	}
}

func TestChatEngineOptional(t *testing.T) {
	s, _, err := startWithChat(t, Config{})
	if err != nil {
		t.Fatalf("Start without a chat engine: %v", err)
	}
	if s.assistant != nil {
		t.Errorf("service has an assistant without --chat-url")
	}
}

func TestReadAPIKey(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	tests := []struct {
		name    string
		path    string
		want    string
		wantErr bool
	}{
		{"none", "", "", false},
		{"trailing_newline", write("ok", "  sk-abc \n"), "sk-abc", false},
		{"empty", write("empty", "\n"), "", true},
		{"two_words", write("two", "sk-abc sk-def"), "", true},
		{"too_large", write("large", strings.Repeat("k", maxAPIKeyBytes+1)), "", true},
		{"missing", filepath.Join(dir, "missing"), "", true},
		{"directory", dir, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := readAPIKey(tt.path)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("readAPIKey(%s) = %q, %v, want %q and error %t", tt.name, got, err, tt.want, tt.wantErr)
			}
		})
	}
}
