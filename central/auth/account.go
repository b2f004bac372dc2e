package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/mattn/go-sqlite3"
)

// Role is an account's set of permissions.
type Role string

// The roles. A caseworker reads and changes their own recordings, and a
// manager also their team's. An admin manages accounts, badges and boxes
// but reads no content. An auditor reads the audit log.
const (
	RoleCaseworker Role = "caseworker"
	RoleManager    Role = "manager"
	RoleAdmin      Role = "admin"
	RoleAuditor    Role = "auditor"
)

// Roles lists every role.
var Roles = []Role{RoleCaseworker, RoleManager, RoleAdmin, RoleAuditor}

// Valid reports whether r is one of Roles.
func (r Role) Valid() bool {
	switch r {
	case RoleCaseworker, RoleManager, RoleAdmin, RoleAuditor:
		return true
	}
	return false
}

// Swedish returns the role's name in the user interface.
func (r Role) Swedish() string {
	switch r {
	case RoleCaseworker:
		return "handläggare"
	case RoleManager:
		return "närmsta chef"
	case RoleAdmin:
		return "IT-administratör"
	case RoleAuditor:
		return "granskare"
	}
	return string(r)
}

// Limits on account fields. Passwords are limited in bytes because that is
// what the hash reads.
const (
	MaxUserNameLen    = 64  // bytes
	MaxDisplayNameLen = 100 // characters
	MaxTeamLen        = 100 // characters
	MinPasswordLen    = 12  // characters
	MaxPasswordLen    = 256 // bytes
)

// Account is a user of the web UI. It never contains the password hash or
// the TOTP secret.
type Account struct {
	ID          string
	UserName    string
	DisplayName string
	Role        Role
	Team        string // the team a caseworker belongs to or a manager leads; may be empty

	TOTPEnrolled bool
	Disabled     bool
	CreatedAt    time.Time
	LastLoginAt  time.Time // zero until the first full sign-in

	FailedAttempts int       // failures since the last full sign-in
	LockedUntil    time.Time // zero or in the past unless locked
}

// NewAccount is the input to CreateAccount.
type NewAccount struct {
	UserName    string // letters a-z, digits, '.', '_' and '-'; stored in lower case
	DisplayName string
	Role        Role
	Team        string // required for managers
	Password    string // at least MinPasswordLen characters, at most MaxPasswordLen bytes
}

// NormalizeUserName returns name trimmed and in lower case, the form every
// method stores and compares.
func NormalizeUserName(name string) string {
	return strings.ToLower(strings.TrimSpace(name))
}

// validUserName reports whether a normalized user name has a valid length and characters.
func validUserName(name string) bool {
	if name == "" || len(name) > MaxUserNameLen {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '_' || r == '-') {
			return false
		}
	}
	return true
}

// checkPassword returns an ErrInvalid error when password breaks a length rule.
func checkPassword(password string) error {
	if utf8.RuneCountInString(password) < MinPasswordLen {
		return fmt.Errorf("%w: password shorter than %d characters", ErrInvalid, MinPasswordLen)
	}
	if len(password) > MaxPasswordLen {
		return fmt.Errorf("%w: password longer than %d bytes", ErrInvalid, MaxPasswordLen)
	}
	return nil
}

// checkText returns an ErrInvalid error when a display text is empty where
// required, too long, or contains control characters.
func checkText(field, value string, maxLen int, required bool) error {
	switch {
	case required && strings.TrimSpace(value) == "":
		return fmt.Errorf("%w: %s missing", ErrInvalid, field)
	case !utf8.ValidString(value):
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, field)
	case utf8.RuneCountInString(value) > maxLen:
		return fmt.Errorf("%w: %s longer than %d characters", ErrInvalid, field, maxLen)
	case strings.IndexFunc(value, unicode.IsControl) >= 0:
		return fmt.Errorf("%w: %s contains control characters", ErrInvalid, field)
	}
	return nil
}

// CreateAccount creates an account that must enrol a TOTP authenticator at
// its first sign-in.
func (s *Store) CreateAccount(ctx context.Context, in NewAccount) (Account, error) {
	name := NormalizeUserName(in.UserName)
	if !validUserName(name) {
		return Account{}, fmt.Errorf("%w: user name %q must be 1 to %d of a-z, 0-9, '.', '_', '-'", ErrInvalid, in.UserName, MaxUserNameLen)
	}
	if !in.Role.Valid() {
		return Account{}, fmt.Errorf("%w: role %q is not one of caseworker, manager, admin, auditor", ErrInvalid, in.Role)
	}
	if err := checkText("display name", in.DisplayName, MaxDisplayNameLen, true); err != nil {
		return Account{}, err
	}
	if err := checkText("team", in.Team, MaxTeamLen, in.Role == RoleManager); err != nil {
		return Account{}, err
	}
	if err := checkPassword(in.Password); err != nil {
		return Account{}, err
	}

	release, err := s.acquireHashSlot(ctx)
	if err != nil {
		return Account{}, fmt.Errorf("creating account %q: %w", name, err)
	}
	hash, err := hashPassword(in.Password, s.argon)
	release()
	if err != nil {
		return Account{}, fmt.Errorf("creating account %q: %w", name, err)
	}
	id, err := uuid.NewV7()
	if err != nil {
		return Account{}, fmt.Errorf("creating account %q: %w", name, err)
	}
	now := s.now()
	acc := Account{
		ID:          id.String(),
		UserName:    name,
		DisplayName: strings.TrimSpace(in.DisplayName),
		Role:        in.Role,
		Team:        strings.TrimSpace(in.Team),
		CreatedAt:   time.Unix(0, now.UnixNano()),
	}

	_, err = s.db.ExecContext(ctx, `INSERT INTO accounts (id, user_name, display_name, role, team, password_hash, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, acc.ID, acc.UserName, acc.DisplayName, string(acc.Role), acc.Team, hash, now.UnixNano())
	var sqlErr sqlite3.Error
	if errors.As(err, &sqlErr) && sqlErr.ExtendedCode == sqlite3.ErrConstraintUnique {
		return Account{}, fmt.Errorf("creating account: %w: %q", ErrExists, name)
	}
	if err != nil {
		return Account{}, fmt.Errorf("creating account %q: %w", name, err)
	}

	s.log.Info("account created", "account_id", acc.ID, "role", string(acc.Role))
	return acc, nil
}

// accountColumns are the columns scanAccount reads, from accounts a left
// joined with login_failures f.
const accountColumns = `a.id, a.user_name, a.display_name, a.role, a.team, a.totp_sealed IS NOT NULL, a.disabled,
	a.created_at, a.last_login_at, COALESCE(f.failures, 0), COALESCE(f.locked_until, 0)`

const accountFrom = ` FROM accounts a LEFT JOIN login_failures f ON f.user_name = a.user_name`

type scanner interface{ Scan(dest ...any) error }

func scanAccount(row scanner) (Account, error) {
	var a Account
	var role string
	var created, lastLogin, locked int64
	err := row.Scan(&a.ID, &a.UserName, &a.DisplayName, &role, &a.Team, &a.TOTPEnrolled, &a.Disabled,
		&created, &lastLogin, &a.FailedAttempts, &locked)
	a.Role = Role(role)
	a.CreatedAt, a.LastLoginAt, a.LockedUntil = fromUnixNano(created), fromUnixNano(lastLogin), fromUnixNano(locked)
	return a, err
}

// Account returns the account with id.
func (s *Store) Account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(s.db.QueryRowContext(ctx, "SELECT "+accountColumns+accountFrom+" WHERE a.id = ?", id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("reading account %q: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("reading account %q: %w", id, err)
	}
	return a, nil
}

// ListAccounts returns every account, ordered by user name.
func (s *Store) ListAccounts(ctx context.Context) ([]Account, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+accountColumns+accountFrom+" ORDER BY a.user_name")
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	defer rows.Close()

	var accs []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, fmt.Errorf("listing accounts: %w", err)
		}
		accs = append(accs, a)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	return accs, nil
}

// DisableAccount stops an account from signing in and ends its sessions.
func (s *Store) DisableAccount(ctx context.Context, id string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, "UPDATE accounts SET disabled = 1 WHERE id = ?", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE account_id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("disabling account %q: %w", id, err)
	}
	s.log.Info("account disabled", "account_id", id)
	return nil
}

// ResetSecondFactor removes an account's TOTP secret and recovery codes and
// ends its sessions, so its next sign-in enrols a new authenticator.
func (s *Store) ResetSecondFactor(ctx context.Context, id string) error {
	err := s.withTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, "UPDATE accounts SET totp_sealed = NULL, totp_last_step = 0 WHERE id = ?", id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE account_id = ?", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE account_id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("resetting second factor of account %q: %w", id, err)
	}
	s.log.Info("second factor reset", "account_id", id)
	return nil
}

// SetPassword replaces an account's password, ends its sessions and clears
// the failed attempts on its user name.
func (s *Store) SetPassword(ctx context.Context, id, password string) error {
	if err := checkPassword(password); err != nil {
		return err
	}
	release, err := s.acquireHashSlot(ctx)
	if err != nil {
		return fmt.Errorf("setting password of account %q: %w", id, err)
	}
	hash, err := hashPassword(password, s.argon)
	release()
	if err != nil {
		return fmt.Errorf("setting password of account %q: %w", id, err)
	}

	err = s.withTx(ctx, func(tx *sql.Tx) error {
		if err := updateOne(ctx, tx, "UPDATE accounts SET password_hash = ? WHERE id = ?", hash, id); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM login_failures WHERE user_name = (SELECT user_name FROM accounts WHERE id = ?)", id); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM sessions WHERE account_id = ?", id)
		return err
	})
	if err != nil {
		return fmt.Errorf("setting password of account %q: %w", id, err)
	}
	s.log.Info("password set", "account_id", id)
	return nil
}

// updateOne runs an UPDATE that must change exactly one account, returning ErrNotFound otherwise.
func updateOne(ctx context.Context, tx *sql.Tx, query string, args ...any) error {
	res, err := tx.ExecContext(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNotFound
	}
	return nil
}
