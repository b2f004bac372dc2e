package auth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestCreateAccountRejectsInvalidFields(t *testing.T) {
	e := newEnv(t)
	ok := NewAccount{UserName: "anna.berg", DisplayName: "Anna Berg", Role: RoleCaseworker, Password: testPassword}
	tests := []struct {
		name   string
		change func(*NewAccount)
		want   string // part of the error text
	}{
		{"empty_user_name", func(a *NewAccount) { a.UserName = " " }, "user name"},
		{"user_name_with_space", func(a *NewAccount) { a.UserName = "anna berg" }, "user name"},
		{"user_name_too_long", func(a *NewAccount) { a.UserName = strings.Repeat("a", MaxUserNameLen+1) }, "user name"},
		{"unknown_role", func(a *NewAccount) { a.Role = "root" }, "role"},
		{"missing_display_name", func(a *NewAccount) { a.DisplayName = "" }, "display name missing"},
		{"display_name_control", func(a *NewAccount) { a.DisplayName = "Anna\nBerg" }, "control characters"},
		{"display_name_too_long", func(a *NewAccount) { a.DisplayName = strings.Repeat("å", MaxDisplayNameLen+1) }, "longer than"},
		{"manager_without_team", func(a *NewAccount) { a.Role = RoleManager }, "team missing"},
		{"short_password", func(a *NewAccount) { a.Password = "kort" }, "shorter than"},
		{"long_password", func(a *NewAccount) { a.Password = strings.Repeat("x", MaxPasswordLen+1) }, "longer than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := ok
			tt.change(&in)
			_, err := e.store.CreateAccount(context.Background(), in)
			if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("CreateAccount() error = %v, want ErrInvalid containing %q", err, tt.want)
			}
		})
	}

	if _, err := e.store.CreateAccount(context.Background(), ok); err != nil {
		t.Fatalf("CreateAccount(valid): %v", err)
	}
	dup := ok
	dup.UserName = " Anna.Berg "
	if _, err := e.store.CreateAccount(context.Background(), dup); !errors.Is(err, ErrExists) {
		t.Errorf("CreateAccount(duplicate in other case) error = %v, want ErrExists", err)
	}
}

func TestEnrolmentAndSignIn(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	acc := e.create(t, "anna", RoleCaseworker)

	pending, sess, err := e.store.SignIn(ctx, "Anna", testPassword)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	if sess.Stage != StageEnrol || sess.Account.ID != acc.ID {
		t.Fatalf("SignIn() = stage %v account %q, want %v %q", sess.Stage, sess.Account.ID, StageEnrol, acc.ID)
	}

	first, err := e.store.BeginEnrolment(ctx, pending)
	if err != nil {
		t.Fatalf("BeginEnrolment: %v", err)
	}
	again, err := e.store.BeginEnrolment(ctx, pending)
	if err != nil {
		t.Fatalf("BeginEnrolment again: %v", err)
	}
	if first.Secret != again.Secret || first.URL != again.URL {
		t.Errorf("BeginEnrolment twice gave two secrets, want the same one")
	}
	if !bytes.HasPrefix(first.QRCode, []byte("\x89PNG\r\n\x1a\n")) {
		t.Errorf("QRCode does not start with the PNG signature")
	}
	secret := secretOf(t, first)
	if got := strings.ReplaceAll(first.Secret, " ", ""); got != secret {
		t.Errorf("Secret without spaces = %q, want the URL's %q", got, secret)
	}

	if _, err := e.store.Session(ctx, pending); err != nil {
		t.Fatalf("Session(pending): %v", err)
	}
	if _, _, _, err := e.store.FinishEnrolment(ctx, pending, "000000"); !errors.Is(err, ErrWrongCode) && code(t, secret, e.clock.Now()) != "000000" {
		t.Errorf("FinishEnrolment(wrong code) error = %v, want ErrWrongCode", err)
	}
	token, sess, codes, err := e.store.FinishEnrolment(ctx, pending, code(t, secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("FinishEnrolment: %v", err)
	}
	if sess.Stage != StageSignedIn || !sess.Account.TOTPEnrolled {
		t.Errorf("FinishEnrolment() stage %v enrolled %v, want %v true", sess.Stage, sess.Account.TOTPEnrolled, StageSignedIn)
	}
	if len(codes) != RecoveryCodeCount {
		t.Errorf("len(recovery codes) = %d, want %d", len(codes), RecoveryCodeCount)
	}
	if token == pending {
		t.Errorf("FinishEnrolment kept the pending token, want a new one")
	}
	if _, err := e.store.Session(ctx, pending); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session(replaced token) error = %v, want ErrNoSession", err)
	}

	got, err := e.store.Session(ctx, token)
	if err != nil {
		t.Fatalf("Session(signed in): %v", err)
	}
	if got.Stage != StageSignedIn || got.Account.UserName != "anna" || got.Account.LastLoginAt.IsZero() {
		t.Errorf("Session() = %+v, want signed in as anna with a last sign-in time", got)
	}
	if !CheckCSRF(token, got.CSRFToken) {
		t.Errorf("CheckCSRF(token, session's CSRF token) = false, want true")
	}

	// The next sign-in requests a code, not enrolment.
	e.clock.Advance(time.Minute)
	pending2, sess2, err := e.store.SignIn(ctx, "anna", testPassword)
	if err != nil || sess2.Stage != StageSecondFactor {
		t.Fatalf("second SignIn() = stage %v, %v, want %v", sess2.Stage, err, StageSecondFactor)
	}
	if _, err := e.store.BeginEnrolment(ctx, pending2); !errors.Is(err, ErrNoSession) {
		t.Errorf("BeginEnrolment(enrolled account) error = %v, want ErrNoSession", err)
	}
	token2, _, err := e.store.VerifyTOTP(ctx, pending2, code(t, secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("VerifyTOTP: %v", err)
	}

	if err := e.store.SignOut(ctx, token2); err != nil {
		t.Fatalf("SignOut: %v", err)
	}
	if _, err := e.store.Session(ctx, token2); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session(signed out) error = %v, want ErrNoSession", err)
	}
	if _, err := e.store.Session(ctx, token); err != nil {
		t.Errorf("Session(other session of the same account) error = %v, want nil", err)
	}
}

func TestPendingSessionGrantsNothing(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	_, secret, _ := e.enrol(t, "anna")
	e.clock.Advance(time.Minute)

	pending, _, err := e.store.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	sess, err := e.store.Session(ctx, pending)
	if err != nil || sess.Stage == StageSignedIn {
		t.Errorf("Session(after password only) = stage %v, %v, want a stage before %v", sess.Stage, err, StageSignedIn)
	}

	e.clock.Advance(5 * time.Minute)
	if _, _, err := e.store.VerifyTOTP(ctx, pending, code(t, secret, e.clock.Now())); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("VerifyTOTP(after pending timeout) error = %v, want ErrSessionExpired", err)
	}
}

func TestWrongPasswordAndUnknownUserLookAlike(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)

	tests := []struct{ name, user, password string }{
		{"wrong_password", "anna", "fel lösenord igen"},
		{"unknown_user", "bertil", testPassword},
		{"empty_password", "anna", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.store.passwordChecks.Load()
			_, _, err := e.store.SignIn(ctx, tt.user, tt.password)
			if !errors.Is(err, ErrInvalidCredentials) {
				t.Errorf("SignIn(%q) error = %v, want ErrInvalidCredentials", tt.user, err)
			}
			if err != nil && err.Error() != ErrInvalidCredentials.Error() {
				t.Errorf("SignIn(%q) error text = %q, want exactly %q", tt.user, err, ErrInvalidCredentials)
			}
			if got := e.store.passwordChecks.Load() - before; got != 1 {
				t.Errorf("SignIn(%q) ran %d argon2id verifications, want 1", tt.user, got)
			}
		})
	}

	// The dummy hash costs what a real one costs.
	dummy, _, _, err := parseHash(e.store.dummyHash)
	if err != nil || dummy != testArgon2 {
		t.Errorf("dummy hash parameters = %+v, %v, want %+v", dummy, err, testArgon2)
	}
}

func TestLockout(t *testing.T) {
	for _, user := range []string{"anna", "finns.inte"} {
		t.Run(user, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			e.create(t, "anna", RoleCaseworker)

			for i := 1; i < 5; i++ {
				if _, _, err := e.store.SignIn(ctx, user, "fel lösenord igen"); !errors.Is(err, ErrInvalidCredentials) {
					t.Fatalf("failure %d: SignIn error = %v, want ErrInvalidCredentials", i, err)
				}
			}
			_, _, err := e.store.SignIn(ctx, user, "fel lösenord igen")
			var locked *LockedError
			if !errors.As(err, &locked) || !errors.Is(err, ErrLocked) {
				t.Fatalf("fifth failure: SignIn error = %v, want *LockedError", err)
			}
			if got, want := locked.Until, e.clock.Now().Add(15*time.Minute); !got.Equal(want) {
				t.Errorf("first lock until %v, want %v", got, want)
			}

			// The right password does not help while locked, and is not even checked.
			before := e.store.passwordChecks.Load()
			if _, _, err := e.store.SignIn(ctx, user, testPassword); !errors.Is(err, ErrLocked) {
				t.Errorf("SignIn(right password while locked) error = %v, want ErrLocked", err)
			}
			if got := e.store.passwordChecks.Load() - before; got != 0 {
				t.Errorf("SignIn while locked ran %d password checks, want 0", got)
			}

			// After the lock, one more failure locks for twice as long.
			e.clock.Advance(15 * time.Minute)
			_, _, err = e.store.SignIn(ctx, user, "fel lösenord igen")
			if !errors.As(err, &locked) {
				t.Fatalf("failure after the lock: SignIn error = %v, want *LockedError", err)
			}
			if got, want := locked.Until, e.clock.Now().Add(30*time.Minute); !got.Equal(want) {
				t.Errorf("second lock until %v, want %v", got, want)
			}

			e.clock.Advance(30 * time.Minute)
			_, _, err = e.store.SignIn(ctx, user, testPassword)
			if user == "anna" && err != nil {
				t.Errorf("SignIn(right password after the lock) error = %v, want nil", err)
			}
			// An unknown name fails again, so it locks again like a known name with a wrong password.
			if user != "anna" && !errors.Is(err, ErrLocked) {
				t.Errorf("SignIn(unknown user after the lock) error = %v, want ErrLocked", err)
			}
		})
	}
}

func TestLockoutReachesMax(t *testing.T) {
	s := newStore(newSealer(t), &Options{})
	tests := []struct {
		locks int
		want  time.Duration
	}{
		{0, 15 * time.Minute},
		{1, 30 * time.Minute},
		{2, time.Hour},
		{6, 16 * time.Hour},
		{7, 24 * time.Hour},
		{1000, 24 * time.Hour},
	}
	for _, tt := range tests {
		if got := s.lockoutFor(tt.locks); got != tt.want {
			t.Errorf("lockoutFor(%d) = %v, want %v", tt.locks, got, tt.want)
		}
	}
}

func TestTOTPCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	_, secret, _ := e.enrol(t, "anna")
	enrolledAt := e.clock.Now()

	signIn := func() string {
		t.Helper()
		pending, _, err := e.store.SignIn(ctx, "anna", testPassword)
		if err != nil {
			t.Fatalf("SignIn: %v", err)
		}
		return pending
	}

	// The code used for enrolment cannot sign in again within its window.
	if _, _, err := e.store.VerifyTOTP(ctx, signIn(), code(t, secret, enrolledAt)); !errors.Is(err, ErrCodeReused) {
		t.Errorf("VerifyTOTP(enrolment code) error = %v, want ErrCodeReused", err)
	}

	tests := []struct {
		name    string
		advance time.Duration // clock change before the attempt
		codeAt  time.Duration // code time relative to the clock
		want    error
	}{
		{"next_step", 30 * time.Second, 0, nil},
		{"same_code_again", 0, 0, ErrCodeReused},
		{"one_step_late", 60 * time.Second, -30 * time.Second, nil},
		{"one_step_early", 60 * time.Second, 30 * time.Second, nil},
		{"two_steps_late", 120 * time.Second, -60 * time.Second, ErrWrongCode},
		{"two_steps_early", 0, 60 * time.Second, ErrWrongCode},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e.clock.Advance(tt.advance)
			_, sess, err := e.store.VerifyTOTP(ctx, signIn(), code(t, secret, e.clock.Now().Add(tt.codeAt)))
			if !errors.Is(err, tt.want) {
				t.Fatalf("VerifyTOTP() error = %v, want %v", err, tt.want)
			}
			if err == nil && sess.Stage != StageSignedIn {
				t.Errorf("VerifyTOTP() stage = %v, want %v", sess.Stage, StageSignedIn)
			}
		})
	}

	for _, bad := range []string{"", "12345", "1234567", "12a456", "１２３４５６"} {
		// Each wrong code counts, so clear the count to test every form before a lock.
		if _, err := e.store.db.Exec("DELETE FROM login_failures"); err != nil {
			t.Fatal(err)
		}
		if _, _, err := e.store.VerifyTOTP(ctx, signIn(), bad); !errors.Is(err, ErrWrongCode) {
			t.Errorf("VerifyTOTP(%q) error = %v, want ErrWrongCode", bad, err)
		}
	}
}

func TestWrongCodesLock(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	_, secret, _ := e.enrol(t, "anna")
	e.clock.Advance(time.Minute)

	pending, _, err := e.store.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	wrong := "000000"
	if code(t, secret, e.clock.Now()) == wrong {
		wrong = "111111"
	}
	for i := 1; i < 5; i++ {
		if _, _, err := e.store.VerifyTOTP(ctx, pending, wrong); !errors.Is(err, ErrWrongCode) {
			t.Fatalf("wrong code %d: error = %v, want ErrWrongCode", i, err)
		}
	}
	if _, _, err := e.store.VerifyTOTP(ctx, pending, wrong); !errors.Is(err, ErrLocked) {
		t.Fatalf("fifth wrong code: error = %v, want ErrLocked", err)
	}
	if _, _, err := e.store.VerifyTOTP(ctx, pending, code(t, secret, e.clock.Now())); !errors.Is(err, ErrLocked) {
		t.Errorf("VerifyTOTP(right code while locked) error = %v, want ErrLocked", err)
	}
	if _, _, err := e.store.SignIn(ctx, "anna", testPassword); !errors.Is(err, ErrLocked) {
		t.Errorf("SignIn(while locked by codes) error = %v, want ErrLocked", err)
	}
}

func TestRecoveryCodes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	_, _, codes := e.enrol(t, "anna")

	pending, _, err := e.store.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	// Typed in lower case without dashes, as a user might.
	typed := strings.ToLower(strings.ReplaceAll(codes[3], "-", " "))
	token, sess, left, err := e.store.UseRecoveryCode(ctx, pending, typed)
	if err != nil {
		t.Fatalf("UseRecoveryCode: %v", err)
	}
	if left != RecoveryCodeCount-1 || sess.Stage != StageSignedIn {
		t.Errorf("UseRecoveryCode() = %d left, stage %v, want %d, %v", left, sess.Stage, RecoveryCodeCount-1, StageSignedIn)
	}
	if _, err := e.store.Session(ctx, token); err != nil {
		t.Errorf("Session(after recovery code): %v", err)
	}

	pending, _, err = e.store.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{codes[3], "AAAA-AAAA-AAAA-AAAA", "kort", strings.Repeat("A", 100)} {
		if _, _, _, err := e.store.UseRecoveryCode(ctx, pending, bad); !errors.Is(err, ErrWrongCode) {
			t.Errorf("UseRecoveryCode(%q) error = %v, want ErrWrongCode", bad, err)
		}
	}
}

func TestSessionTimeouts(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	token, _, _ := e.enrol(t, "anna")

	// Requests every 10 minutes keep the session for 10 hours, not longer.
	for elapsed := 10 * time.Minute; elapsed < 10*time.Hour; elapsed += 10 * time.Minute {
		e.clock.Advance(10 * time.Minute)
		if _, err := e.store.Session(ctx, token); err != nil {
			t.Fatalf("Session after %v of activity: %v", elapsed, err)
		}
	}
	e.clock.Advance(10 * time.Minute)
	if _, err := e.store.Session(ctx, token); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("Session after 10 h error = %v, want ErrSessionExpired", err)
	}
	if _, err := e.store.Session(ctx, token); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session after expiry was reported error = %v, want ErrNoSession", err)
	}

	e.clock.Advance(time.Minute)
	pending, _, err := e.store.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	_ = pending
	token2, _ := signInWithCode(t, e, pending)
	e.clock.Advance(15*time.Minute - time.Second)
	if _, err := e.store.Session(ctx, token2); err != nil {
		t.Fatalf("Session just before the idle timeout: %v", err)
	}
	e.clock.Advance(15 * time.Minute)
	if _, err := e.store.Session(ctx, token2); !errors.Is(err, ErrSessionExpired) {
		t.Errorf("Session after 15 idle minutes error = %v, want ErrSessionExpired", err)
	}
}

// signInWithCode passes the second factor of a pending session with the
// account's current code, reading the secret back through the store.
func signInWithCode(t *testing.T, e *env, pending string) (string, Session) {
	t.Helper()
	ctx := context.Background()
	r, err := e.store.loadSession(ctx, pending)
	if err != nil {
		t.Fatal(err)
	}
	var sealed []byte
	if err := e.store.db.QueryRow("SELECT totp_sealed FROM accounts WHERE id = ?", r.account.ID).Scan(&sealed); err != nil {
		t.Fatal(err)
	}
	secret, err := e.store.openSecret(r.account.ID, sealed)
	if err != nil {
		t.Fatal(err)
	}
	token, sess, err := e.store.VerifyTOTP(ctx, pending, code(t, secret, e.clock.Now()))
	if err != nil {
		t.Fatalf("VerifyTOTP: %v", err)
	}
	return token, sess
}

func TestSessionTokens(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	token, secret, codes := e.enrol(t, "anna")

	for _, bad := range []string{"", "x", strings.Repeat("A", 43), token + "A", strings.Repeat("é", 100)} {
		if _, err := e.store.Session(ctx, bad); !errors.Is(err, ErrNoSession) && bad != strings.Repeat("A", 43) {
			t.Errorf("Session(%q) error = %v, want ErrNoSession", bad, err)
		}
	}

	sess, err := e.store.Session(ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if CheckCSRF(token, "") || CheckCSRF(token, sess.CSRFToken+"x") || CheckCSRF(token+"x", sess.CSRFToken) {
		t.Errorf("CheckCSRF accepted a wrong or empty token")
	}

	// Nothing secret is in the database file or its WAL in plaintext.
	for _, suffix := range []string{"", "-wal"} {
		raw, err := os.ReadFile(e.path + suffix)
		if err != nil {
			t.Fatal(err)
		}
		secrets := map[string]string{"session token": token, "TOTP secret": secret, "recovery code": codes[0], "password": testPassword}
		for what, v := range secrets {
			if bytes.Contains(raw, []byte(v)) || bytes.Contains(raw, []byte(strings.ReplaceAll(v, "-", ""))) {
				t.Errorf("accounts.db%s contains the %s in plaintext", suffix, what)
			}
		}
	}
}

func TestOpenWithOtherKeyFailsClearly(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	e.enrol(t, "anna")
	e.store.Close()

	other, err := Open(e.path, newSealer(t), &Options{Now: e.clock.Now, Argon2: testArgon2})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	defer other.Close()
	pending, _, err := other.SignIn(ctx, "anna", testPassword)
	if err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	_, _, err = other.VerifyTOTP(ctx, pending, "123456")
	if err == nil || !strings.Contains(err.Error(), "another key") {
		t.Errorf("VerifyTOTP with another sealing key error = %v, want one that names the key", err)
	}
}

func TestAdminOperations(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	anna := e.create(t, "anna", RoleCaseworker)
	bo := e.create(t, "bo", RoleManager)
	annaToken, _, _ := e.enrol(t, "anna")

	accs, err := e.store.ListAccounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, a := range accs {
		got = append(got, a.UserName+"/"+string(a.Role)+"/"+a.Team)
	}
	if diff := cmp.Diff([]string{"anna/caseworker/", "bo/manager/Team Nord"}, got); diff != "" {
		t.Errorf("ListAccounts() mismatch (-want +got):\n%s", diff)
	}

	// Resetting the second factor ends sessions and makes the next sign-in enrol.
	if err := e.store.ResetSecondFactor(ctx, anna.ID); err != nil {
		t.Fatalf("ResetSecondFactor: %v", err)
	}
	if _, err := e.store.Session(ctx, annaToken); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session after ResetSecondFactor error = %v, want ErrNoSession", err)
	}
	if _, sess, err := e.store.SignIn(ctx, "anna", testPassword); err != nil || sess.Stage != StageEnrol {
		t.Errorf("SignIn after ResetSecondFactor = stage %v, %v, want %v", sess.Stage, err, StageEnrol)
	}
	var codes int
	if err := e.store.db.QueryRow("SELECT COUNT(*) FROM recovery_codes WHERE account_id = ?", anna.ID).Scan(&codes); err != nil || codes != 0 {
		t.Errorf("recovery codes after ResetSecondFactor = %d, %v, want 0", codes, err)
	}

	// Disabling ends sessions and stops sign-in.
	boPending, _, err := e.store.SignIn(ctx, "bo", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.DisableAccount(ctx, bo.ID); err != nil {
		t.Fatalf("DisableAccount: %v", err)
	}
	if _, err := e.store.Session(ctx, boPending); !errors.Is(err, ErrNoSession) {
		t.Errorf("Session after DisableAccount error = %v, want ErrNoSession", err)
	}
	if _, _, err := e.store.SignIn(ctx, "bo", testPassword); !errors.Is(err, ErrDisabled) {
		t.Errorf("SignIn(disabled) error = %v, want ErrDisabled", err)
	}
	if a, err := e.store.Account(ctx, bo.ID); err != nil || !a.Disabled {
		t.Errorf("Account(disabled) = %+v, %v, want Disabled", a, err)
	}

	// A new password replaces the old one.
	if err := e.store.SetPassword(ctx, anna.ID, "ett helt nytt lösenord"); err != nil {
		t.Fatalf("SetPassword: %v", err)
	}
	if _, _, err := e.store.SignIn(ctx, "anna", testPassword); !errors.Is(err, ErrInvalidCredentials) {
		t.Errorf("SignIn(old password) error = %v, want ErrInvalidCredentials", err)
	}
	if _, _, err := e.store.SignIn(ctx, "anna", "ett helt nytt lösenord"); err != nil {
		t.Errorf("SignIn(new password) error = %v", err)
	}

	for name, err := range map[string]error{
		"DisableAccount":    e.store.DisableAccount(ctx, "finns-inte"),
		"ResetSecondFactor": e.store.ResetSecondFactor(ctx, "finns-inte"),
		"SetPassword":       e.store.SetPassword(ctx, "finns-inte", testPassword),
	} {
		if !errors.Is(err, ErrNotFound) {
			t.Errorf("%s(unknown id) error = %v, want ErrNotFound", name, err)
		}
	}
	if _, err := e.store.Account(ctx, "finns-inte"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Account(unknown id) error = %v, want ErrNotFound", err)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	token, secret, codes := e.enrol(t, "anna")
	e.store.SignIn(ctx, "anna", "fel lösenord igen")
	e.store.SignIn(ctx, "hemlig.person", testPassword)

	logs := e.logs.String()
	for _, s := range []string{token, secret, codes[0], testPassword, "fel lösenord", "hemlig.person", "anna"} {
		if strings.Contains(logs, s) {
			t.Errorf("log contains %q:\n%s", s, logs)
		}
	}
	if !strings.Contains(logs, "sign-in failed") {
		t.Errorf("log has no failed sign-in line:\n%s", logs)
	}
}

func TestPasswordHash(t *testing.T) {
	h, err := hashPassword("lösenord", testArgon2)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=1024,t=1,p=1$") {
		t.Errorf("hashPassword() = %q, want a PHC argon2id string with the parameters", h)
	}
	if ok, err := verifyPassword("lösenord", h); !ok || err != nil {
		t.Errorf("verifyPassword(right) = %v, %v, want true", ok, err)
	}
	if ok, err := verifyPassword("Lösenord", h); ok || err != nil {
		t.Errorf("verifyPassword(wrong) = %v, %v, want false", ok, err)
	}

	parts := strings.Split(h, "$")
	for name, bad := range map[string]string{
		"argon2i":      strings.Replace(h, "argon2id", "argon2i", 1),
		"version":      strings.Replace(h, "v=19", "v=16", 1),
		"zero_memory":  strings.Replace(h, "m=1024", "m=0", 1),
		"salt":         strings.Join([]string{"", parts[1], parts[2], parts[3], "!!", parts[5]}, "$"),
		"short_key":    strings.Join([]string{"", parts[1], parts[2], parts[3], parts[4], "AAAA"}, "$"),
		"missing_part": strings.Join(parts[:5], "$"),
	} {
		if _, err := verifyPassword("lösenord", bad); err == nil {
			t.Errorf("verifyPassword(%s) error = nil, want an invalid hash error", name)
		}
	}
}

func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := hashPassword("korrekt häst batteri", DefaultArgon2Params); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSignIn(b *testing.B) {
	for _, user := range []string{"anna", "unknown"} {
		b.Run(user, func(b *testing.B) {
			e := newEnv(b)
			s, err := Open(e.path+"2", e.sealer, &Options{Now: e.clock.Now, MaxFailures: 1 << 30, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			if _, err := s.CreateAccount(context.Background(), NewAccount{UserName: "anna", DisplayName: "Anna", Role: RoleCaseworker, Password: testPassword}); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				s.SignIn(context.Background(), user, "fel lösenord igen")
			}
		})
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	var events []Event
	s, err := Open(e.path+"-events", e.sealer, &Options{Now: e.clock.Now, Argon2: testArgon2, Logger: e.store.log,
		OnEvent: func(_ context.Context, ev Event) { events = append(events, ev) }})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	e.store = s
	anna := e.create(t, "anna", RoleCaseworker)

	s.SignIn(ctx, "anna", "fel lösenord igen")
	s.SignIn(ctx, "okand", "fel lösenord igen")
	token, _, _ := e.enrol(t, "anna")
	if err := s.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}
	if err := s.SignOut(ctx, token); err != nil {
		t.Fatal(err)
	}

	now := e.clock.Now()
	want := []Event{
		{Kind: EventSignInFailed, AccountID: anna.ID, Factor: "password", At: now},
		{Kind: EventSignInFailed, AccountID: "", Factor: "password", At: now},
		{Kind: EventSignedIn, AccountID: anna.ID, Factor: "totp_enrolment", At: now},
		{Kind: EventSignedOut, AccountID: anna.ID, At: now},
	}
	if diff := cmp.Diff(want, events); diff != "" {
		t.Errorf("events mismatch (-want +got):\n%s", diff)
	}
}

func TestEndedSessionsAreDeleted(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	e.create(t, "anna", RoleCaseworker)
	e.create(t, "bo", RoleCaseworker)
	e.enrol(t, "anna") // leaves one signed-in session
	if _, _, err := e.store.SignIn(ctx, "anna", testPassword); err != nil {
		t.Fatal(err) // leaves one pending session
	}

	e.clock.Advance(15 * time.Minute)
	if _, _, err := e.store.SignIn(ctx, "bo", testPassword); err != nil {
		t.Fatal(err)
	}
	var n int
	if err := e.store.db.QueryRow("SELECT COUNT(*) FROM sessions").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if n != 1 {
		t.Errorf("sessions after both of anna's ended and bo signed in = %d, want 1", n)
	}
}

// BenchmarkSession measures the lookup every signed-in request makes, with
// the clock still, so no request writes last_seen.
func BenchmarkSession(b *testing.B) {
	e := newEnv(b)
	e.create(b, "anna", RoleCaseworker)
	token, _, _ := e.enrol(b, "anna")
	ctx := context.Background()
	for b.Loop() {
		if _, err := e.store.Session(ctx, token); err != nil {
			b.Fatal(err)
		}
	}
}
