package main

import (
	"bytes"
	"context"
	"database/sql"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/audit"
)

func TestAuditVerifyCommand(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, AuditDBFile)
	l, err := audit.Open(path, dir, &audit.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	for _, rec := range []string{"rec-1", "rec-2", "rec-3"} {
		e := audit.Entry{Actor: "anna", Role: audit.RoleCaseworker, Action: audit.ActionRead, RecordingID: rec}
		if _, err := l.Append(context.Background(), e); err != nil {
			t.Fatal(err)
		}
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}

	var stdout, stderr bytes.Buffer
	if code := run([]string{"audit", "verify", "--data", dir}, &stdout, &stderr); code != 0 {
		t.Fatalf("audit verify on an intact log = %d, want 0\n%s%s", code, stdout.String(), stderr.String())
	}
	if !strings.Contains(stdout.String(), "chain intact") {
		t.Errorf("output = %q, want it to say the chain is intact", stdout.String())
	}

	db, err := sql.Open("sqlite3", path)
	if err != nil {
		t.Fatal(err)
	}
	for _, stmt := range []string{"DROP TRIGGER entries_no_delete", "DELETE FROM entries WHERE seq = 2"} {
		if _, err := db.Exec(stmt); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	stdout.Reset()
	if code := run([]string{"audit", "verify", "--data", dir}, &stdout, &stderr); code != 1 {
		t.Errorf("audit verify on a log with a dropped entry = %d, want 1", code)
	}
	if !strings.Contains(stdout.String(), "BREAK at seq 2 (missing)") {
		t.Errorf("output = %q, want a break at seq 2", stdout.String())
	}

	stderr.Reset()
	if code := run([]string{"audit", "verify", "--data", filepath.Join(dir, "nothing")}, &stdout, &stderr); code != 2 {
		t.Errorf("audit verify without a log = %d, want 2", code)
	}
	if code := run([]string{"audit"}, &stdout, &stderr); code != 2 {
		t.Errorf("audit without verify = %d, want 2", code)
	}
}
