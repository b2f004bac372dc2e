package main

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/internal/centralsvc"
)

func TestAccountCreate(t *testing.T) {
	dir := t.TempDir()
	if _, err := centralsvc.Init(dir, slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}

	var out, errOut bytes.Buffer
	code := runAccount([]string{"create", "--data", dir, "--user", "anna", "--name", "Anna A", "--role", "caseworker", "--badge", "anna-1", "--badge", "anna-2", "--password-stdin"},
		strings.NewReader("correct horse battery\n"), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	code = runAccount([]string{"create", "--data", dir, "--user", "it", "--name", "IT", "--role", "admin", "--generate-password"},
		strings.NewReader(""), &out, &errOut)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	if !strings.Contains(out.String(), "password: ") {
		t.Errorf("generated password not printed: %q", out.String())
	}
	if strings.Contains(out.String(), "correct horse") {
		t.Errorf("a password read from standard input was printed")
	}

	k, err := keys.Open(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	store, err := centralsvc.OpenAccounts(dir, k, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	accounts, err := store.ListAccounts(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 2 {
		t.Errorf("%d accounts, want 2", len(accounts))
	}
	for _, badge := range []string{"anna-1", "anna-2"} {
		if acc, err := store.AccountByBadge(context.Background(), badge); err != nil || acc.UserName != "anna" {
			t.Errorf("AccountByBadge(%s) = %q, %v, want anna", badge, acc.UserName, err)
		}
	}

	for _, args := range [][]string{
		{"create", "--data", dir, "--user", "x", "--name", "X", "--role", "chef", "--generate-password"},
		{"create", "--data", dir, "--user", "x", "--name", "X", "--role", "caseworker"},
		{"create", "--data", dir, "--user", "x", "--name", "X", "--role", "caseworker", "--badge", "Anna_1", "--generate-password"},
		{"create", "--data", t.TempDir(), "--user", "x", "--name", "X", "--role", "caseworker", "--generate-password"},
	} {
		if code := runAccount(args, strings.NewReader(""), &out, &errOut); code == 0 {
			t.Errorf("runAccount(%v) succeeded, want an error", args)
		}
	}
	if accounts, _ := store.ListAccounts(context.Background()); len(accounts) != 2 {
		t.Errorf("%d accounts after rejected commands, want 2", len(accounts))
	}
}
