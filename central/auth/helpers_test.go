package auth

import (
	"bytes"
	"context"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// testArgon2 is cheap enough that a test creating a few accounts stays fast.
var testArgon2 = Argon2Params{Memory: 1024, Time: 1, Threads: 1}

const testPassword = "korrekt häst batteri"

// clock is a settable clock.
type clock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// env is a store on a fresh file with a fake clock.
type env struct {
	store  *Store
	clock  *clock
	path   string
	sealer tink.AEAD
	logs   *bytes.Buffer
}

func newSealer(t testing.TB) tink.AEAD {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatalf("keyset.NewHandle: %v", err)
	}
	a, err := aead.New(h)
	if err != nil {
		t.Fatalf("aead.New: %v", err)
	}
	return a
}

func newEnv(t testing.TB) *env {
	t.Helper()
	e := &env{
		clock:  &clock{now: time.Date(2026, 12, 4, 8, 0, 0, 0, time.UTC)},
		path:   filepath.Join(t.TempDir(), "accounts.db"),
		sealer: newSealer(t),
		logs:   &bytes.Buffer{},
	}
	s, err := Open(e.path, e.sealer, &Options{
		Logger: slog.New(slog.NewTextHandler(e.logs, nil)),
		Now:    e.clock.Now,
		Argon2: testArgon2,
	})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	e.store = s
	return e
}

// create makes an account with testPassword.
func (e *env) create(t testing.TB, name string, role Role) Account {
	t.Helper()
	team := ""
	if role == RoleManager {
		team = "Team Nord"
	}
	acc, err := e.store.CreateAccount(context.Background(), NewAccount{UserName: name, DisplayName: "Test " + name, Role: role, Team: team, Password: testPassword})
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", name, err)
	}
	return acc
}

// enrol signs in an account for the first time and enrols an authenticator.
// It returns the signed-in token, the TOTP secret and the recovery codes.
func (e *env) enrol(t testing.TB, name string) (token, secret string, codes []string) {
	t.Helper()
	ctx := context.Background()
	pending, sess, err := e.store.SignIn(ctx, name, testPassword)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", name, err)
	}
	if sess.Stage != StageEnrol {
		t.Fatalf("SignIn(%q) stage = %v, want %v", name, sess.Stage, StageEnrol)
	}
	enr, err := e.store.BeginEnrolment(ctx, pending)
	if err != nil {
		t.Fatalf("BeginEnrolment: %v", err)
	}
	secret = secretOf(t, enr)
	token, _, codes, err = e.store.FinishEnrolment(ctx, pending, code(t, secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("FinishEnrolment: %v", err)
	}
	return token, secret, codes
}

// secretOf returns the secret in an enrolment's otpauth URL.
func secretOf(t testing.TB, enr Enrolment) string {
	t.Helper()
	key, err := otp.NewKeyFromURL(enr.URL)
	if err != nil {
		t.Fatalf("otp.NewKeyFromURL: %v", err)
	}
	return key.Secret()
}

// code returns the TOTP code of secret at time at, as an authenticator app computes it.
func code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatalf("totp.GenerateCode: %v", err)
	}
	return c
}
