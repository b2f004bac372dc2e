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
