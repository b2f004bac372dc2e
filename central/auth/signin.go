package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// SignIn checks a user name and password and starts a session that waits
// for the second factor: StageSecondFactor, or StageEnrol when the account
// has no authenticator yet. It returns the session token.
//
// An unknown user name costs the same password hash as a known one and
// returns the same ErrInvalidCredentials. Failures are counted per user name
// whether or not it exists, and MaxFailures of them lock it (a *LockedError).
// A locked name is rejected before the password is checked.
func (s *Store) SignIn(ctx context.Context, userName, password string) (string, Session, error) {
	name := NormalizeUserName(userName)
	valid := validUserName(name)

	if valid {
		if until, locked, err := s.lockedUntil(ctx, name); err != nil {
			return "", Session{}, fmt.Errorf("signing in: %w", err)
		} else if locked {
			return "", Session{}, &LockedError{Until: until}
		}
	}

	acc, hash, err := s.accountByName(ctx, name, valid)
	if err != nil {
		return "", Session{}, fmt.Errorf("signing in: %w", err)
	}
	found := hash != ""
	if !found {
		hash = s.dummyHash
	}
	ok := false
	if len(password) <= MaxPasswordLen {
		release, err := s.acquireHashSlot(ctx)
		if err != nil {
			return "", Session{}, fmt.Errorf("signing in: %w", err)
		}
		s.passwordChecks.Add(1)
		ok, err = verifyPassword(password, hash)
		release()
		if err != nil {
			return "", Session{}, fmt.Errorf("signing in account %q: %w", acc.ID, err)
		}
	}

	if !found || !ok {
		if !valid {
			return "", Session{}, ErrInvalidCredentials
		}
		return "", Session{}, s.fail(ctx, name, acc.ID, "password", ErrInvalidCredentials)
	}
	if acc.Disabled {
		s.log.Warn("sign-in to disabled account", "account_id", acc.ID)
		return "", Session{}, ErrDisabled
	}

	stage := StageSecondFactor
	if !acc.TOTPEnrolled {
		stage = StageEnrol
	}
	var token string
	var r sessionRow
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		token, r, err = s.insertSession(ctx, tx, acc, stage)
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("signing in account %q: %w", acc.ID, err)
	}
	s.log.Info("password accepted", "account_id", acc.ID, "stage", stage.String())
	return token, s.sessionOf(token, r), nil
}

// accountByName returns the account with a normalized user name and its
// password hash, or an empty hash when there is none.
func (s *Store) accountByName(ctx context.Context, name string, valid bool) (Account, string, error) {
	if !valid {
		return Account{}, "", nil
	}
	var hash string
	row := s.db.QueryRowContext(ctx, "SELECT a.password_hash, "+accountColumns+accountFrom+" WHERE a.user_name = ?", name)
	a := Account{}
	var role string
	var created, lastLogin, locked int64
	err := row.Scan(&hash, &a.ID, &a.UserName, &a.DisplayName, &role, &a.Team, &a.TOTPEnrolled, &a.Disabled,
		&created, &lastLogin, &a.FailedAttempts, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, "", nil
	}
	if err != nil {
		return Account{}, "", err
	}
	a.Role = Role(role)
	a.CreatedAt, a.LastLoginAt, a.LockedUntil = fromUnixNano(created), fromUnixNano(lastLogin), fromUnixNano(locked)
	return a, hash, nil
}

// lockedUntil reports whether a user name is locked now, and until when.
func (s *Store) lockedUntil(ctx context.Context, name string) (time.Time, bool, error) {
	var until int64
	err := s.db.QueryRowContext(ctx, "SELECT locked_until FROM login_failures WHERE user_name = ?", name).Scan(&until)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, fmt.Errorf("reading failed attempts: %w", err)
	}
	t := fromUnixNano(until)
	return t, s.now().Before(t), nil
}

// failureRetention is how long a failure counter without a lock is kept.
const failureRetention = 24 * time.Hour

// The web UI also counts failed sign-ins per client address, which this
// package does not see, so one address cannot try a common password
// against many names at full speed.
//
// fail counts a failed attempt on a user name and returns cause, or a
// *LockedError when this failure locked the name. The first lock comes at
// MaxFailures and lasts LockoutBase; every further failure after a lock
// ends locks again for twice as long, up to LockoutMax.
func (s *Store) fail(ctx context.Context, name, accountID, factor string, cause error) error {
	now := s.now()
	var failures int
	var until time.Time
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		// Counters untouched for a day are deleted, so guessed names cannot fill the table.
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE updated_at < ? AND locked_until < ?",
			now.Add(-failureRetention).UnixNano(), now.UnixNano()); err != nil {
			return err
		}
		err := tx.QueryRowContext(ctx, `INSERT INTO login_failures (user_name, failures, updated_at) VALUES (?, 1, ?)
			ON CONFLICT (user_name) DO UPDATE SET failures = failures + 1, updated_at = excluded.updated_at
			RETURNING failures`, name, now.UnixNano()).Scan(&failures)
		if err != nil {
			return err
		}
		if failures < s.maxFail {
			return nil
		}
		until = now.Add(s.lockoutFor(failures - s.maxFail))
		_, err = tx.ExecContext(ctx, "UPDATE login_failures SET locked_until = ? WHERE user_name = ?", until.UnixNano(), name)
		return err
	})
	if err != nil {
		return fmt.Errorf("counting failed attempt: %w", err)
	}

	if !until.IsZero() {
		// The user name goes to the log only as the account id when it is
		// one; a name typed by mistake may be someone's password.
		s.log.Warn("sign-in locked", "factor", factor, "failures", failures, "locked_for", until.Sub(now).String())
		s.emit(ctx, Event{Kind: EventLocked, AccountID: accountID, Factor: factor, At: now})
		return &LockedError{Until: until}
	}
	s.log.Info("sign-in failed", "factor", factor, "failures", failures)
	s.emit(ctx, Event{Kind: EventSignInFailed, AccountID: accountID, Factor: factor, At: now})
	return cause
}

// lockoutFor returns the length of the lock after n earlier locks.
func (s *Store) lockoutFor(n int) time.Duration {
	d := s.lockBase
	for range n {
		d *= 2
		if d >= s.lockMax {
			return s.lockMax
		}
	}
	return min(d, s.lockMax)
}

// pendingSession loads a session that must be in stage and whose user name is not locked.
func (s *Store) pendingSession(ctx context.Context, token string, stage Stage) (sessionRow, error) {
	r, err := s.loadSession(ctx, token)
	if err != nil {
		return sessionRow{}, err
	}
	if r.stage != stage {
		return sessionRow{}, fmt.Errorf("%w in stage %s, need %s", ErrNoSession, r.stage, stage)
	}
	if until, locked, err := s.lockedUntil(ctx, r.account.UserName); err != nil {
		return sessionRow{}, err
	} else if locked {
		return sessionRow{}, &LockedError{Until: until}
	}
	return r, nil
}

// VerifyTOTP checks the TOTP code of a session in StageSecondFactor. On
// success it replaces the session with a signed-in one and returns the new
// token; the old token stops working. A code from the time step of the
// last sign-in, or an earlier one, returns ErrCodeReused. Wrong and reused
// codes count as failed attempts on the user name.
func (s *Store) VerifyTOTP(ctx context.Context, token, code string) (string, Session, error) {
	r, err := s.pendingSession(ctx, token, StageSecondFactor)
	if err != nil {
		return "", Session{}, err
	}

	var sealed []byte
	var lastStep int64
	if err := s.db.QueryRowContext(ctx, "SELECT totp_sealed, totp_last_step FROM accounts WHERE id = ?", r.account.ID).Scan(&sealed, &lastStep); err != nil {
		return "", Session{}, fmt.Errorf("reading TOTP secret of account %q: %w", r.account.ID, err)
	}
	secret, err := s.openSecret(r.account.ID, sealed)
	if err != nil {
		return "", Session{}, err
	}
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return "", Session{}, s.fail(ctx, r.account.UserName, r.account.ID, "totp", ErrWrongCode)
	}

	var newToken string
	var nr sessionRow
	reused := false
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		// The condition makes the check and the update one step, so two
		// requests with the same code cannot both pass.
		res, err := tx.ExecContext(ctx, "UPDATE accounts SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?", step, r.account.ID, step)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			reused = true
			return nil
		}
		newToken, nr, err = s.promote(ctx, tx, r)
		return err
	})
	if err != nil {
		return "", Session{}, fmt.Errorf("verifying TOTP code of account %q: %w", r.account.ID, err)
	}
	if reused {
		return "", Session{}, s.fail(ctx, r.account.UserName, r.account.ID, "totp_reused", ErrCodeReused)
	}

	s.log.Info("signed in", "account_id", r.account.ID, "factor", "totp")
	s.emit(ctx, Event{Kind: EventSignedIn, AccountID: r.account.ID, Factor: "totp", At: nr.created})
	return newToken, s.sessionOf(newToken, nr), nil
}

// UseRecoveryCode signs in a session in StageSecondFactor with one of the
// account's recovery codes, which then stops working. It returns the new
// session token and how many codes remain. A wrong code returns
// ErrWrongCode and counts as a failed attempt.
func (s *Store) UseRecoveryCode(ctx context.Context, token, code string) (string, Session, int, error) {
	r, err := s.pendingSession(ctx, token, StageSecondFactor)
	if err != nil {
		return "", Session{}, 0, err
	}

	normalized, ok := normalizeRecoveryCode(code)
	var newToken string
	var nr sessionRow
	var remaining int
	used := false
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if !ok {
			return nil
		}
		res, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE account_id = ? AND code_hash = ?",
			r.account.ID, hashRecoveryCode(r.account.ID, normalized))
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return err
		}
		used = true
		if err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM recovery_codes WHERE account_id = ?", r.account.ID).Scan(&remaining); err != nil {
			return err
		}
		newToken, nr, err = s.promote(ctx, tx, r)
		return err
	})
	if err != nil {
		return "", Session{}, 0, fmt.Errorf("using recovery code of account %q: %w", r.account.ID, err)
	}
	if !used {
		return "", Session{}, 0, s.fail(ctx, r.account.UserName, r.account.ID, "recovery_code", ErrWrongCode)
	}

	s.log.Info("signed in", "account_id", r.account.ID, "factor", "recovery_code", "recovery_codes_left", remaining)
	s.emit(ctx, Event{Kind: EventSignedIn, AccountID: r.account.ID, Factor: "recovery_code", At: nr.created})
	return newToken, s.sessionOf(newToken, nr), remaining, nil
}
