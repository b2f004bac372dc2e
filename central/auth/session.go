package auth

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// Stage is how far a session has come through sign-in.
type Stage int

const (
	// StageSecondFactor: the password was right and a TOTP or recovery code is expected.
	StageSecondFactor Stage = 1
	// StageEnrol: the password was right and the account has no
	// authenticator yet, so it must enrol one.
	StageEnrol Stage = 2
	// StageSignedIn: both factors passed. Only this stage grants access.
	StageSignedIn Stage = 3
)

func (st Stage) String() string {
	switch st {
	case StageSecondFactor:
		return "second_factor"
	case StageEnrol:
		return "enrol"
	case StageSignedIn:
		return "signed_in"
	}
	return fmt.Sprintf("Stage(%d)", int(st))
}

// Session is a session and the account it belongs to.
type Session struct {
	Account   Account
	Stage     Stage
	CreatedAt time.Time
	LastSeen  time.Time
	// ExpiresAt is when the session ends unless another request comes first.
	ExpiresAt time.Time
	// CSRFToken is the synchronizer token that every state-changing request
	// of this session must carry. It is derived from the session token.
	CSRFToken string
}

// touchEvery is the maximum age of last_seen before a request writes it
// again. Skipping the write on most requests saves a synchronous commit per
// request, so an idle timeout may end up to this much early.
const touchEvery = 30 * time.Second

// tokenBytes is the size of a session token's random value: 256 bits.
const tokenBytes = 32

var tokenEncoding = base64.RawURLEncoding

// newToken returns a fresh session token and the hash that is stored.
func newToken() (string, []byte, error) {
	b := make([]byte, tokenBytes)
	if _, err := rand.Read(b); err != nil {
		return "", nil, fmt.Errorf("reading session token: %w", err)
	}
	token := tokenEncoding.EncodeToString(b)
	return token, hashToken(token), nil
}

// hashToken returns the stored form of a session token.
func hashToken(token string) []byte {
	h := sha256.Sum256([]byte(token))
	return h[:]
}

// validToken reports whether token has the form newToken produces, so
// garbage from a cookie never reaches the database.
func validToken(token string) bool {
	b, err := tokenEncoding.DecodeString(token)
	return err == nil && len(b) == tokenBytes
}

// csrfToken derives the CSRF token of the session with token. An HMAC keyed
// with the secret session token cannot be computed from the stored hash.
func csrfToken(token string) string {
	m := hmac.New(sha256.New, []byte(token))
	m.Write([]byte("ordagrann csrf v1"))
	return tokenEncoding.EncodeToString(m.Sum(nil))
}

// CheckCSRF reports whether got is the CSRF token of the session with
// token. The comparison takes the same time wherever the tokens differ.
func CheckCSRF(token, got string) bool {
	if got == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(csrfToken(token)), []byte(got)) == 1
}

// sessionRow is a session as stored, with its account.
type sessionRow struct {
	hash        []byte
	stage       Stage
	pendingTOTP []byte
	created     time.Time
	lastSeen    time.Time
	account     Account
}

// loadSession reads the session with token and checks its timeouts. An
// expired session is deleted and ErrSessionExpired returned.
func (s *Store) loadSession(ctx context.Context, token string) (sessionRow, error) {
	if !validToken(token) {
		return sessionRow{}, ErrNoSession
	}
	r := sessionRow{hash: hashToken(token)}

	var stage int
	var created, lastSeen int64
	row := s.db.QueryRowContext(ctx, `SELECT s.stage, s.pending_totp, s.created_at, s.last_seen, `+accountColumns+`
		FROM sessions s JOIN accounts a ON a.id = s.account_id LEFT JOIN login_failures f ON f.user_name = a.user_name
		WHERE s.token_hash = ?`, r.hash)
	a := &r.account
	var role string
	var accCreated, lastLogin, locked int64
	err := row.Scan(&stage, &r.pendingTOTP, &created, &lastSeen,
		&a.ID, &a.UserName, &a.DisplayName, &role, &a.Team, &a.TOTPEnrolled, &a.Disabled,
		&accCreated, &lastLogin, &a.FailedAttempts, &locked)
	if errors.Is(err, sql.ErrNoRows) {
		return sessionRow{}, ErrNoSession
	}
	if err != nil {
		return sessionRow{}, fmt.Errorf("reading session: %w", err)
	}
	a.Role = Role(role)
	a.CreatedAt, a.LastLoginAt, a.LockedUntil = fromUnixNano(accCreated), fromUnixNano(lastLogin), fromUnixNano(locked)
	r.stage, r.created, r.lastSeen = Stage(stage), fromUnixNano(created), fromUnixNano(lastSeen)

	now := s.now()
	if a.Disabled {
		s.deleteSession(ctx, r.hash)
		return sessionRow{}, ErrDisabled
	}
	if !now.Before(s.expiresAt(r)) {
		s.deleteSession(ctx, r.hash)
		s.log.Info("session expired", "account_id", a.ID, "stage", r.stage.String())
		return sessionRow{}, ErrSessionExpired
	}
	return r, nil
}

// expiresAt returns when a session ends without further requests.
func (s *Store) expiresAt(r sessionRow) time.Time {
	if r.stage != StageSignedIn {
		return r.created.Add(s.pending)
	}
	idle := r.lastSeen.Add(s.idle)
	if absolute := r.created.Add(s.absolute); absolute.Before(idle) {
		return absolute
	}
	return idle
}

// deleteSession deletes a session, logging a failure because the caller
// already has a more important error to return.
func (s *Store) deleteSession(ctx context.Context, hash []byte) {
	if _, err := s.db.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", hash); err != nil {
		s.log.Error("delete session failed", "error", err)
	}
}

// Session returns the session with token, in any stage, and records the
// request for the idle timeout. It returns ErrNoSession for an unknown
// token, ErrSessionExpired for one past a timeout and ErrDisabled for a
// disabled account. Callers grant access only when Stage is StageSignedIn.
func (s *Store) Session(ctx context.Context, token string) (Session, error) {
	r, err := s.loadSession(ctx, token)
	if err != nil {
		return Session{}, err
	}

	now := s.now()
	if r.stage == StageSignedIn && now.Sub(r.lastSeen) >= touchEvery {
		if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET last_seen = ? WHERE token_hash = ?", now.UnixNano(), r.hash); err != nil {
			return Session{}, fmt.Errorf("recording session activity: %w", err)
		}
		r.lastSeen = now
	}
	return s.sessionOf(token, r), nil
}

// Peek returns the session with token like Session, with the same errors,
// but does not record the request for the idle timeout. Requests that a
// page makes on its own, such as an event stream reconnecting, use it so
// that an unattended screen still signs out.
func (s *Store) Peek(ctx context.Context, token string) (Session, error) {
	r, err := s.loadSession(ctx, token)
	if err != nil {
		return Session{}, err
	}
	return s.sessionOf(token, r), nil
}

// sessionOf returns the exported form of a session row.
func (s *Store) sessionOf(token string, r sessionRow) Session {
	return Session{
		Account:   r.account,
		Stage:     r.stage,
		CreatedAt: r.created,
		LastSeen:  r.lastSeen,
		ExpiresAt: s.expiresAt(r),
		CSRFToken: csrfToken(token),
	}
}

// SignOut ends the session with token. Signing out an unknown or ended
// session is not an error.
func (s *Store) SignOut(ctx context.Context, token string) error {
	if !validToken(token) {
		return nil
	}
	var accountID string
	err := s.db.QueryRowContext(ctx, "DELETE FROM sessions WHERE token_hash = ? RETURNING account_id", hashToken(token)).Scan(&accountID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("signing out: %w", err)
	}
	s.emit(ctx, Event{Kind: EventSignedOut, AccountID: accountID, At: s.now()})
	return nil
}

// insertSession stores a new session for account in stage and returns its token.
func (s *Store) insertSession(ctx context.Context, tx *sql.Tx, acc Account, stage Stage) (string, sessionRow, error) {
	token, hash, err := newToken()
	if err != nil {
		return "", sessionRow{}, err
	}
	now := time.Unix(0, s.now().UnixNano())

	// Sessions that ended without a sign-out go here, with the sealed
	// enrolment secrets of abandoned enrolments.
	_, err = tx.ExecContext(ctx, `DELETE FROM sessions WHERE
		(stage != ? AND created_at <= ?) OR (stage = ? AND (last_seen <= ? OR created_at <= ?))`,
		int(StageSignedIn), now.Add(-s.pending).UnixNano(),
		int(StageSignedIn), now.Add(-s.idle).UnixNano(), now.Add(-s.absolute).UnixNano())
	if err != nil {
		return "", sessionRow{}, fmt.Errorf("deleting ended sessions: %w", err)
	}

	_, err = tx.ExecContext(ctx, "INSERT INTO sessions (token_hash, account_id, stage, created_at, last_seen) VALUES (?, ?, ?, ?, ?)",
		hash, acc.ID, int(stage), now.UnixNano(), now.UnixNano())
	if err != nil {
		return "", sessionRow{}, fmt.Errorf("storing session: %w", err)
	}
	return token, sessionRow{hash: hash, stage: stage, created: now, lastSeen: now, account: acc}, nil
}

// promote replaces a pending session with a signed-in one, records the
// sign-in and clears the failed attempts on the user name.
func (s *Store) promote(ctx context.Context, tx *sql.Tx, old sessionRow) (string, sessionRow, error) {
	if _, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE token_hash = ?", old.hash); err != nil {
		return "", sessionRow{}, fmt.Errorf("replacing session: %w", err)
	}
	now := s.now()
	if _, err := tx.ExecContext(ctx, "UPDATE accounts SET last_login_at = ? WHERE id = ?", now.UnixNano(), old.account.ID); err != nil {
		return "", sessionRow{}, fmt.Errorf("recording sign-in: %w", err)
	}
	if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE user_name = ?", old.account.UserName); err != nil {
		return "", sessionRow{}, fmt.Errorf("clearing failed attempts: %w", err)
	}

	acc := old.account
	acc.LastLoginAt = time.Unix(0, now.UnixNano())
	acc.FailedAttempts, acc.LockedUntil = 0, time.Time{}
	return s.insertSession(ctx, tx, acc, StageSignedIn)
}
