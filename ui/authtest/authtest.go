// Package authtest gives tests of the web UI a real account store with
// cheap password hashing, and accounts that have already enrolled a TOTP
// authenticator. Only tests import it.
package authtest

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"

	"github.com/ordagrann/ordagrann/central/auth"
)

// Password is the password of every account that Enrolled creates.
const Password = "korrekt häst batteri"

// Argon2 is cheap enough that tests can create many accounts. Production
// uses auth.DefaultArgon2Params.
var Argon2 = auth.Argon2Params{Memory: 1024, Time: 1, Threads: 1}

// Open returns an account store in a temporary file with a fresh AES-256-GCM
// sealing key, closed when the test ends. opts may be nil; its Argon2
// defaults to Argon2 and its Logger to one that discards.
func Open(t testing.TB, opts *auth.Options) *auth.Store {
	t.Helper()
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		t.Fatalf("keyset.NewHandle: %v", err)
	}
	sealer, err := aead.New(h)
	if err != nil {
		t.Fatalf("aead.New: %v", err)
	}

	o := auth.Options{}
	if opts != nil {
		o = *opts
	}
	if o.Argon2 == (auth.Argon2Params{}) {
		o.Argon2 = Argon2
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s, err := auth.Open(filepath.Join(t.TempDir(), "accounts.db"), sealer, &o)
	if err != nil {
		t.Fatalf("auth.Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// Account is an enrolled account and what a test needs to sign it in.
type Account struct {
	auth.Account
	Secret string // TOTP secret, for Code
}

// Enrolled creates an account with Password and enrols a TOTP
// authenticator for it, as a first sign-in would. now must be the current
// time of the store's clock. The code
// used for enrolment belongs to now's time step, so the next sign-in needs
// a code from a later step (see Code).
func Enrolled(t testing.TB, s *auth.Store, now time.Time, in auth.NewAccount) Account {
	t.Helper()
	ctx := context.Background()
	in.Password = Password
	if in.DisplayName == "" {
		in.DisplayName = in.UserName
	}
	acc, err := s.CreateAccount(ctx, in)
	if err != nil {
		t.Fatalf("CreateAccount(%q): %v", in.UserName, err)
	}

	pending, _, err := s.SignIn(ctx, in.UserName, Password)
	if err != nil {
		t.Fatalf("SignIn(%q): %v", in.UserName, err)
	}
	enr, err := s.BeginEnrolment(ctx, pending)
	if err != nil {
		t.Fatalf("BeginEnrolment(%q): %v", in.UserName, err)
	}
	key, err := otp.NewKeyFromURL(enr.URL)
	if err != nil {
		t.Fatalf("otp.NewKeyFromURL: %v", err)
	}
	token, _, _, err := s.FinishEnrolment(ctx, pending, Code(t, key.Secret(), now))
	if err != nil {
		t.Fatalf("FinishEnrolment(%q): %v", in.UserName, err)
	}
	if err := s.SignOut(ctx, token); err != nil {
		t.Fatalf("SignOut(%q): %v", in.UserName, err)
	}
	acc.TOTPEnrolled = true
	return Account{Account: acc, Secret: key.Secret()}
}

// Code returns the TOTP code for secret at time at, as an authenticator app computes it.
func Code(t testing.TB, secret string, at time.Time) string {
	t.Helper()
	c, err := totp.GenerateCode(secret, at)
	if err != nil {
		t.Fatalf("totp.GenerateCode: %v", err)
	}
	return c
}
