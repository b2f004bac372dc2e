package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/mattn/go-sqlite3" // registers the "sqlite3" driver
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Errors returned by Store methods, possibly wrapped with detail.
var (
	// ErrInvalidCredentials is returned by SignIn for an unknown user name
	// and for a wrong password alike, so the error reveals neither.
	ErrInvalidCredentials = errors.New("invalid user name or password")
	// ErrLocked is returned by SignIn and the second-factor methods while the
	// user name is locked after repeated failures. The error is a *LockedError.
	ErrLocked = errors.New("sign-in locked after repeated failures")
	// ErrDisabled is returned by SignIn, Session and the second-factor
	// methods when the account was disabled by an administrator.
	ErrDisabled = errors.New("account disabled")
	// ErrWrongCode is returned by VerifyTOTP, FinishEnrolment and
	// UseRecoveryCode for a code that does not match.
	ErrWrongCode = errors.New("wrong code")
	// ErrCodeReused is returned by VerifyTOTP for a TOTP code from a time
	// step that was already used to sign in.
	ErrCodeReused = errors.New("code already used")
	// ErrNoSession is returned for a session token that is unknown, signed
	// out or replaced, or when a method needs a session in another stage.
	ErrNoSession = errors.New("no such session")
	// ErrSessionExpired is returned by Session and the second-factor methods
	// when a session passed its idle or absolute timeout. The session is deleted.
	ErrSessionExpired = errors.New("session expired")
	// ErrNotFound is returned by the admin methods for an unknown account
	// id, and by AccountByBadge for a badge id no account has.
	ErrNotFound = errors.New("account not found")
	// ErrExists is returned by CreateAccount when the user name is taken.
	ErrExists = errors.New("user name already taken")
	// ErrInvalid is returned by CreateAccount, SetPassword and SetBadges
	// for an invalid field. The error's text names the field and the rule.
	ErrInvalid = errors.New("invalid account field")
)

// LockedError is the error for a locked user name. Until is when the next
// attempt will be checked again.
type LockedError struct {
	Until time.Time
}

func (e *LockedError) Error() string {
	return fmt.Sprintf("sign-in locked until %s after repeated failures", e.Until.UTC().Format(time.RFC3339))
}

func (e *LockedError) Is(target error) bool { return target == ErrLocked }

// Options configures Open. Nil Options and zero fields mean the documented defaults.
type Options struct {
	// Logger receives sign-ins, failures, lockouts and admin actions, with
	// account ids and user names but never passwords, codes or tokens.
	// Nil means slog.Default().
	Logger *slog.Logger

	// Now returns the current time. Nil means time.Now.
	Now func() time.Time

	// Argon2 sets the cost of new password hashes. Zero means DefaultArgon2Params.
	Argon2 Argon2Params

	// IdleTimeout ends a session that made no request for this long. Zero means 15 minutes.
	IdleTimeout time.Duration
	// AbsoluteTimeout ends every session this long after sign-in. Zero means 10 hours.
	AbsoluteTimeout time.Duration
	// PendingTimeout ends a session whose second factor has not passed
	// this long after the password was checked. Zero means 5 minutes.
	PendingTimeout time.Duration

	// MaxFailures is the number of failed attempts on a user name that locks
	// it. Zero means 5.
	MaxFailures int
	// LockoutBase is how long the first lockout lasts. Each failure after
	// the lock ends doubles it, up to LockoutMax. Zero means 15 minutes.
	LockoutBase time.Duration
	// LockoutMax is the longest lockout. Zero means 24 hours.
	LockoutMax time.Duration

	// MaxConcurrentHashes limits how many password hashes run at once,
	// because each takes Argon2.Memory and a burst of sign-ins could
	// otherwise exhaust memory. Zero means 4.
	MaxConcurrentHashes int

	// OnEvent receives every sign-in, failed attempt, lockout and
	// sign-out, for the audit log. It runs synchronously inside the call
	// that caused the event, so it must not call the Store. Nil drops events.
	OnEvent func(ctx context.Context, e Event)

	// Issuer is the name an authenticator app shows for the TOTP entry. Empty means "Ordagrann".
	Issuer string
}

// Store holds accounts, sessions and the failed-attempt counters. It is
// safe for concurrent use.
type Store struct {
	db        *sql.DB
	sealer    tink.AEAD
	log       *slog.Logger
	now       func() time.Time
	argon     Argon2Params
	idle      time.Duration
	absolute  time.Duration
	pending   time.Duration
	maxFail   int
	lockBase  time.Duration
	lockMax   time.Duration
	issuer    string
	hashSlots chan struct{} // one token per running password hash
	dummyHash string        // verified against for unknown user names, so they take as long as known ones

	onEvent func(context.Context, Event)

	passwordChecks atomic.Int64 // argon2id verifications by SignIn, read by tests
}

// The pragmas of the connection. WAL with synchronous=FULL makes a commit
// durable before it returns; secure_delete overwrites deleted sessions and
// secrets in the database file.
const dbParams = "_journal_mode=WAL&_synchronous=FULL&_foreign_keys=1&_secure_delete=1&_busy_timeout=10000&_txlock=immediate"

// Open opens or creates the account database at path. sealer seals TOTP
// secrets; it must be the same key each time the file is opened.
func Open(path string, sealer tink.AEAD, opts *Options) (*Store, error) {
	if sealer == nil {
		return nil, errors.New("opening account database: nil sealer")
	}
	if path == "" || strings.ContainsAny(path, "?#") || path == ":memory:" {
		return nil, fmt.Errorf("opening account database: invalid path %q: give a file path without '?' or '#'", path)
	}
	if opts == nil {
		opts = &Options{}
	}
	s := newStore(sealer, opts)

	dummy, err := hashPassword("unknown user", s.argon)
	if err != nil {
		return nil, fmt.Errorf("opening account database: %w", err)
	}
	s.dummyHash = dummy

	// SQLite gives the -wal and -shm files the mode of the database file.
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening account database %s: %w", path, err)
	}
	f.Close()

	if s.db, err = sql.Open("sqlite3", path+"?"+dbParams); err != nil {
		return nil, fmt.Errorf("opening account database %s: %w", path, err)
	}
	// One connection serializes all statements of this Store, so the
	// replay and counter checks inside a transaction cannot race.
	s.db.SetMaxOpenConns(1)
	if err := migrate(s.db); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("opening account database %s: %w", path, err)
	}
	return s, nil
}

// newStore applies the defaults of opts.
func newStore(sealer tink.AEAD, opts *Options) *Store {
	s := &Store{
		sealer:   sealer,
		log:      opts.Logger,
		now:      opts.Now,
		argon:    opts.Argon2,
		idle:     opts.IdleTimeout,
		absolute: opts.AbsoluteTimeout,
		pending:  opts.PendingTimeout,
		maxFail:  opts.MaxFailures,
		lockBase: opts.LockoutBase,
		lockMax:  opts.LockoutMax,
		issuer:   opts.Issuer,
		onEvent:  opts.OnEvent,
	}

	if s.log == nil {
		s.log = slog.Default()
	}
	if s.now == nil {
		s.now = time.Now
	}

	if s.argon == (Argon2Params{}) {
		s.argon = DefaultArgon2Params
	}

	if s.idle <= 0 {
		s.idle = 15 * time.Minute
	}
	if s.absolute <= 0 {
		s.absolute = 10 * time.Hour
	}
	if s.pending <= 0 {
		s.pending = 5 * time.Minute
	}

	if s.maxFail <= 0 {
		s.maxFail = 5
	}
	if s.lockBase <= 0 {
		s.lockBase = 15 * time.Minute
	}
	if s.lockMax <= 0 {
		s.lockMax = 24 * time.Hour
	}

	if s.issuer == "" {
		s.issuer = "Ordagrann"
	}

	slots := opts.MaxConcurrentHashes
	if slots <= 0 {
		slots = 4
	}
	s.hashSlots = make(chan struct{}, slots)
	return s
}

// EventKind is the kind of an Event.
type EventKind string

// The event kinds.
const (
	EventSignedIn     EventKind = "signed_in"      // both factors passed
	EventSignInFailed EventKind = "sign_in_failed" // wrong password or code
	EventLocked       EventKind = "locked"         // a failure that locked the user name
	EventSignedOut    EventKind = "signed_out"
)

// Event is a sign-in event for the audit log. It holds no user name,
// because a name typed in error may be someone's password.
type Event struct {
	Kind      EventKind
	AccountID string // empty when no account has the user name tried
	Factor    string // "password", "totp", "totp_reused", "totp_enrolment" or "recovery_code"; empty for sign-out
	At        time.Time
}

// emit passes e to the OnEvent hook, if any.
func (s *Store) emit(ctx context.Context, e Event) {
	if s.onEvent != nil {
		s.onEvent(ctx, e)
	}
}

// Close closes the database.
func (s *Store) Close() error {
	return s.db.Close()
}

// Times are Unix nanoseconds; 0 means never. Each entry of migrations
// takes the schema from the version of its index to the next one.
var migrations = []string{schemaV1, schemaV2, schemaV3}

// schemaVersion is the version migrate brings a database to.
var schemaVersion = len(migrations)

const schemaV1 = `
CREATE TABLE accounts (
	id             TEXT PRIMARY KEY,
	user_name      TEXT NOT NULL UNIQUE,
	display_name   TEXT NOT NULL,
	role           TEXT NOT NULL,
	team           TEXT NOT NULL DEFAULT '',
	password_hash  TEXT NOT NULL,
	totp_sealed    BLOB,
	totp_last_step INTEGER NOT NULL DEFAULT 0,
	disabled       INTEGER NOT NULL DEFAULT 0,
	created_at     INTEGER NOT NULL,
	last_login_at  INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE recovery_codes (
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	code_hash  BLOB NOT NULL,
	PRIMARY KEY (account_id, code_hash)
);
CREATE TABLE login_failures (
	user_name    TEXT PRIMARY KEY,
	failures     INTEGER NOT NULL,
	locked_until INTEGER NOT NULL DEFAULT 0,
	updated_at   INTEGER NOT NULL
);
CREATE INDEX login_failures_updated ON login_failures(updated_at);
CREATE TABLE sessions (
	token_hash   BLOB PRIMARY KEY,
	account_id   TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	stage        INTEGER NOT NULL,
	pending_totp BLOB,
	created_at   INTEGER NOT NULL,
	last_seen    INTEGER NOT NULL
);
CREATE INDEX sessions_account ON sessions(account_id);
`

// schemaV2 maps the badge ids of box configurations to accounts. A badge
// id belongs to at most one account.
const schemaV2 = `
CREATE TABLE badges (
	badge_id   TEXT PRIMARY KEY,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE
);
CREATE INDEX badges_account ON badges(account_id);
`

// schemaV3 keeps every assignment of a badge id to an account, so that a
// recording stays with the account that had its badge when it started. An
// interval runs from from_at (inclusive) to to_at (exclusive), and a to_at
// of 0 means the badge is still assigned. The assignments that exist when a
// database is migrated start at 0, the zero time, because their real start
// is unknown: recordings made before the migration keep going to the
// account that has the badge at the migration.
const schemaV3 = `
CREATE TABLE badge_history (
	badge_id   TEXT NOT NULL,
	account_id TEXT NOT NULL REFERENCES accounts(id) ON DELETE CASCADE,
	from_at    INTEGER NOT NULL,
	to_at      INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX badge_history_badge ON badge_history(badge_id, from_at);
CREATE INDEX badge_history_account ON badge_history(account_id);
INSERT INTO badge_history (badge_id, account_id, from_at, to_at) SELECT badge_id, account_id, 0, 0 FROM badges;
`

// migrate creates the schema in an empty database, brings an older one up
// to schemaVersion, and rejects one written by a newer version.
func migrate(db *sql.DB) error {
	var version int
	if err := db.QueryRow("PRAGMA user_version").Scan(&version); err != nil {
		return fmt.Errorf("reading schema version: %w", err)
	}
	switch {
	case version == schemaVersion:
		return nil
	case version > schemaVersion:
		return fmt.Errorf("schema version %d is newer than this program's %d: run a newer version", version, schemaVersion)
	}

	tx, err := db.Begin()
	if err != nil {
		return fmt.Errorf("migrating schema: %w", err)
	}
	defer tx.Rollback()
	for v := version; v < schemaVersion; v++ {
		if _, err := tx.Exec(migrations[v]); err != nil {
			return fmt.Errorf("migrating schema from version %d: %w", v, err)
		}
	}
	if _, err := tx.Exec(fmt.Sprintf("PRAGMA user_version = %d", schemaVersion)); err != nil {
		return fmt.Errorf("setting schema version: %w", err)
	}
	return tx.Commit()
}

// unixNano returns t as stored, with the zero time as 0.
func unixNano(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

// fromUnixNano returns a stored time, with 0 as the zero time.
func fromUnixNano(n int64) time.Time {
	if n == 0 {
		return time.Time{}
	}
	return time.Unix(0, n)
}

// withTx runs fn in a transaction and commits it when fn returns nil.
func (s *Store) withTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if err := fn(tx); err != nil {
		return err
	}
	return tx.Commit()
}
