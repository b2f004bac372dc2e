package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// A mistyped --data must not start a fresh service with new keys that no
// enrolled box uses.
func TestServeRefusesUninitialisedDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "typo")
	var stdout, stderr bytes.Buffer
	code := run([]string{"serve", "--data", dir, "--dev-insecure-mqtt", "--mqtt-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("serve exit code = %d, want 1; stderr:\n%s", code, stderr.String())
	}
	if !strings.Contains(stderr.String(), "central init") {
		t.Errorf("error does not tell the user to run central init:\n%s", stderr.String())
	}
	if _, err := os.Stat(filepath.Join(dir, "master-key.json")); !os.IsNotExist(err) {
		t.Errorf("serve created a master key in an uninitialised directory (stat error %v)", err)
	}
}

// A chat engine configuration that would send text unencrypted or cannot
// work stops the start with a message that names the fix.
func TestServeRejectsBadChatEngine(t *testing.T) {
	dir := t.TempDir()
	var out, errOut bytes.Buffer
	if code := run([]string{"init", "--data", dir}, &out, &errOut); code != 0 {
		t.Fatalf("init exit code = %d; stderr:\n%s", code, errOut.String())
	}
	keyFile := filepath.Join(dir, "chat-key")
	if err := os.WriteFile(keyFile, []byte("sk-test-secret-value\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	emptyKey := filepath.Join(dir, "empty-key")
	if err := os.WriteFile(emptyKey, nil, 0o600); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name string
		args []string
		want string
	}{
		{"plain_http_to_other_host", []string{"--chat-url", "http://chat.example.org:8000", "--chat-model", "m", "--chat-key-file", keyFile}, "unencrypted"},
		{"missing_model", []string{"--chat-url", "http://127.0.0.1:8000"}, "--chat-model"},
		{"model_without_url", []string{"--chat-model", "m"}, "--chat-url"},
		{"missing_key_file", []string{"--chat-url", "https://chat.example.org", "--chat-model", "m", "--chat-key-file", filepath.Join(dir, "none")}, "API key"},
		{"empty_key_file", []string{"--chat-url", "https://chat.example.org", "--chat-model", "m", "--chat-key-file", emptyKey}, "alone on one line"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"serve", "--data", dir, "--dev-insecure-mqtt", "--mqtt-addr", "127.0.0.1:0", "--http-addr", "127.0.0.1:0"}, tt.args...)
			if code := run(args, &stdout, &stderr); code != 1 {
				t.Fatalf("serve exit code = %d, want 1; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("serve error lacks %q:\n%s", tt.want, stderr.String())
			}
			if strings.Contains(stderr.String(), "sk-test-secret-value") {
				t.Errorf("serve output holds the API key:\n%s", stderr.String())
			}
		})
	}
}
