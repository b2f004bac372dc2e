package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func init() {
	addNamedMigration("tablets", `
CREATE TABLE pairing_codes (
	id         TEXT PRIMARY KEY,
	code_hash  BLOB NOT NULL UNIQUE,
	box_id     TEXT NOT NULL,
	name       TEXT NOT NULL,
	created_by TEXT NOT NULL,
	created_at INTEGER NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at    INTEGER NOT NULL DEFAULT 0,
	failures   INTEGER NOT NULL DEFAULT 0 -- no longer written or read
);
CREATE TABLE tablets (
	id         TEXT PRIMARY KEY,
	token_hash BLOB NOT NULL UNIQUE,
	box_id     TEXT NOT NULL,
	name       TEXT NOT NULL,
	code_id    TEXT NOT NULL,
	paired_by  TEXT NOT NULL,
	paired_at  INTEGER NOT NULL,
	last_seen  INTEGER NOT NULL,
	revoked_at INTEGER NOT NULL DEFAULT 0,
	revoked_by TEXT NOT NULL DEFAULT ''
);
CREATE INDEX tablets_box ON tablets (box_id, paired_at);`)
}

// Pairing codes are PairingCodeLength characters from PairingAlphabet,
// which leaves out I, O, 0 and 1 so that a code is easy to read and type.
// 32 symbols give 5 bits each, 40 bits per code.
const (
	PairingAlphabet   = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
	PairingCodeLength = 8
	// PairingCodeTTL is how long a pairing code is valid after it is created.
	PairingCodeTTL = 10 * time.Minute
	// MaxTabletNameLen is the maximum length of a tablet's name, in characters.
	MaxTabletNameLen = 60
)

// tabletSeenEvery is the maximum age of a tablet's last_seen before a
// lookup writes it again, so that a room page's polling does not commit
// on every request.
const tabletSeenEvery = time.Minute

// Errors of PairTablet and TabletByToken, wrapped with detail.
var (
	ErrPairingCodeWrong   = errors.New("no pairing code matches")
	ErrPairingCodeExpired = errors.New("pairing code expired")
	ErrPairingCodeUsed    = errors.New("pairing code already used")
	ErrTabletRevoked      = errors.New("tablet unpaired")
)

// PairingError is the error of a pairing attempt whose code matched a
// stored code that can no longer be used. CodeID names that code.
type PairingError struct {
	CodeID string
	Err    error // ErrPairingCodeExpired or ErrPairingCodeUsed
}

func (e *PairingError) Error() string { return "pairing code " + e.CodeID + ": " + e.Err.Error() }
func (e *PairingError) Unwrap() error { return e.Err }

// PairingCode is a one-time code that pairs one tablet with a box. Only a
// hash of the code is stored.
type PairingCode struct {
	ID        string
	BoxID     string
	Name      string // given to the tablet that pairs with the code
	CreatedBy string // account id
	CreatedAt time.Time
	ExpiresAt time.Time
}

// Tablet is a browser paired with a box's room through a device cookie.
// Only a hash of the cookie's token is stored.
type Tablet struct {
	ID        string
	BoxID     string
	Name      string
	CodeID    string // the pairing code it used
	PairedBy  string // account id of the admin who created the code
	PairedAt  time.Time
	LastSeen  time.Time
	RevokedAt time.Time // zero while paired
	RevokedBy string
}

// NormalizePairingCode returns code in upper case without spaces and
// hyphens, as CreatePairingCode creates codes, and whether the result has
// the length and alphabet of a code.
func NormalizePairingCode(code string) (string, bool) {
	code = strings.ToUpper(strings.NewReplacer(" ", "", "-", "", "\t", "").Replace(code))
	if len(code) != PairingCodeLength {
		return code, false
	}
	for i := 0; i < len(code); i++ {
		if strings.IndexByte(PairingAlphabet, code[i]) < 0 {
			return code, false
		}
	}
	return code, true
}

// CreatePairingCode creates a pairing code for box, valid for
// PairingCodeTTL, and returns it. The code is not stored, so this is the
// only time it can be read.
func (s *Store) CreatePairingCode(ctx context.Context, box, name, createdBy string) (string, PairingCode, error) {
	if err := protocol.CheckID("box id", box); err != nil {
		return "", PairingCode{}, fmt.Errorf("creating pairing code: %w: %w", ErrInvalid, err)
	}
	if err := checkTabletName(name); err != nil {
		return "", PairingCode{}, fmt.Errorf("creating pairing code for box %s: %w", box, err)
	}
	if createdBy == "" {
		return "", PairingCode{}, fmt.Errorf("creating pairing code for box %s: %w: missing account id", box, ErrInvalid)
	}

	code := randomPairingCode()
	now := fromNanos(nanos(s.now()))
	pc := PairingCode{ID: uuid.NewString(), BoxID: box, Name: name, CreatedBy: createdBy, CreatedAt: now, ExpiresAt: now.Add(PairingCodeTTL)}
	_, err := s.write.ExecContext(ctx, `INSERT INTO pairing_codes (id, code_hash, box_id, name, created_by, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		pc.ID, hashSecret("pairing-code", code), pc.BoxID, pc.Name, pc.CreatedBy, nanos(pc.CreatedAt), nanos(pc.ExpiresAt))
	if err != nil {
		return "", PairingCode{}, fmt.Errorf("storing pairing code for box %s: %w", box, err)
	}
	return code, pc, nil
}

// checkTabletName rejects an empty name, one longer than MaxTabletNameLen
// characters, and control characters.
func checkTabletName(name string) error {
	if strings.TrimSpace(name) == "" || utf8.RuneCountInString(name) > MaxTabletNameLen || !utf8.ValidString(name) {
		return fmt.Errorf("%w: tablet name must have 1 to %d characters", ErrInvalid, MaxTabletNameLen)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return fmt.Errorf("%w: control character in tablet name", ErrInvalid)
		}
	}
	return nil
}

// randomPairingCode returns PairingCodeLength random characters of
// PairingAlphabet. The alphabet has 32 symbols, so taking 5 bits of a
// random byte keeps every symbol equally likely.
func randomPairingCode() string {
	b := make([]byte, PairingCodeLength)
	rand.Read(b) // since Go 1.24 crypto/rand.Read never returns an error
	for i := range b {
		b[i] = PairingAlphabet[b[i]&31]
	}
	return string(b)
}

// hashSecret returns the stored form of a pairing code or device token.
// The purpose keeps a code's hash from matching a token's.
//
// NOTE: a pairing code has 40 bits, so its SHA-256 can be reversed by brute
// force from a copy of the database. Codes expire after PairingCodeTTL and
// work once, which limits what such a copy is worth.
func hashSecret(purpose, secret string) []byte {
	h := sha256.Sum256([]byte("ordagrann " + purpose + " v1\x00" + secret))
	return h[:]
}

// PairTablet uses code to pair a new tablet with the code's box, and
// returns the tablet's device token, which is not stored.
//
// A code that matches no stored code returns ErrPairingCodeWrong. It
// changes no stored code, so that guesses from one client cannot lock
// the codes of other clients. The caller limits guesses per client instead.
// A stored code that is used or expired returns a *PairingError
// wrapping ErrPairingCodeUsed or ErrPairingCodeExpired.
// A code of the wrong length or alphabet returns ErrInvalid and counts as
// no attempt, because it cannot match any code.
func (s *Store) PairTablet(ctx context.Context, code string) (string, Tablet, error) {
	code, ok := NormalizePairingCode(code)
	if !ok {
		return "", Tablet{}, fmt.Errorf("pairing tablet: %w: a code has %d characters from %s", ErrInvalid, PairingCodeLength, PairingAlphabet)
	}
	token := newDeviceToken()
	var tab Tablet
	var pairErr error
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		now := fromNanos(nanos(s.now()))
		var pc PairingCode
		var created, expires, used int64
		err := tx.QueryRowContext(ctx, `SELECT id, box_id, name, created_by, created_at, expires_at, used_at FROM pairing_codes WHERE code_hash = ?`,
			hashSecret("pairing-code", code)).Scan(&pc.ID, &pc.BoxID, &pc.Name, &pc.CreatedBy, &created, &expires, &used)
		if errors.Is(err, sql.ErrNoRows) {
			pairErr = ErrPairingCodeWrong
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading pairing code: %w", err)
		}

		switch {
		case used != 0:
			pairErr = &PairingError{CodeID: pc.ID, Err: ErrPairingCodeUsed}
		case !now.Before(fromNanos(expires)):
			pairErr = &PairingError{CodeID: pc.ID, Err: ErrPairingCodeExpired}
		}
		if pairErr != nil {
			return nil
		}

		tab = Tablet{ID: uuid.NewString(), BoxID: pc.BoxID, Name: pc.Name, CodeID: pc.ID, PairedBy: pc.CreatedBy, PairedAt: now, LastSeen: now}
		if _, err := tx.ExecContext(ctx, `UPDATE pairing_codes SET used_at = ? WHERE id = ?`, nanos(now), pc.ID); err != nil {
			return fmt.Errorf("using pairing code %s: %w", pc.ID, err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO tablets (id, token_hash, box_id, name, code_id, paired_by, paired_at, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tab.ID, hashSecret("device-token", token), tab.BoxID, tab.Name, tab.CodeID, tab.PairedBy, nanos(now), nanos(now))
		if err != nil {
			return fmt.Errorf("storing tablet of pairing code %s: %w", pc.ID, err)
		}
		return nil
	})
	if err != nil {
		return "", Tablet{}, err
	}
	if pairErr != nil {
		return "", Tablet{}, fmt.Errorf("pairing tablet: %w", pairErr)
	}
	return token, tab, nil
}

// deviceTokenBytes is the size of a device token's random value: 256 bits.
const deviceTokenBytes = 32

func newDeviceToken() string {
	b := make([]byte, deviceTokenBytes)
	rand.Read(b) // since Go 1.24 crypto/rand.Read never returns an error
	return base64.RawURLEncoding.EncodeToString(b)
}

// validDeviceToken reports whether token has the form newDeviceToken
// creates, so that garbage from a cookie never reaches the database.
func validDeviceToken(token string) bool {
	b, err := base64.RawURLEncoding.DecodeString(token)
	return err == nil && len(b) == deviceTokenBytes
}

const tabletColumns = `id, box_id, name, code_id, paired_by, paired_at, last_seen, revoked_at, revoked_by`

func scanTablet(row interface{ Scan(...any) error }) (Tablet, error) {
	var t Tablet
	var paired, seen, revoked int64
	if err := row.Scan(&t.ID, &t.BoxID, &t.Name, &t.CodeID, &t.PairedBy, &paired, &seen, &revoked, &t.RevokedBy); err != nil {
		return Tablet{}, err
	}
	t.PairedAt, t.LastSeen, t.RevokedAt = fromNanos(paired), fromNanos(seen), fromNanos(revoked)
	return t, nil
}

// TabletByToken returns the tablet whose device token is token, and
// records that it was seen. It returns an error wrapping ErrNotFound for
// a token that no tablet has, and ErrTabletRevoked once the tablet is unpaired.
func (s *Store) TabletByToken(ctx context.Context, token string) (Tablet, error) {
	if !validDeviceToken(token) {
		return Tablet{}, fmt.Errorf("reading tablet: %w: malformed device token", ErrNotFound)
	}
	t, err := scanTablet(s.read.QueryRowContext(ctx, `SELECT `+tabletColumns+` FROM tablets WHERE token_hash = ?`, hashSecret("device-token", token)))
	if errors.Is(err, sql.ErrNoRows) {
		return Tablet{}, fmt.Errorf("reading tablet: %w: no tablet has the device token", ErrNotFound)
	}
	if err != nil {
		return Tablet{}, fmt.Errorf("reading tablet: %w", err)
	}
	if !t.RevokedAt.IsZero() {
		return Tablet{}, fmt.Errorf("reading tablet %s: %w", t.ID, ErrTabletRevoked)
	}

	now := fromNanos(nanos(s.now()))
	if now.Sub(t.LastSeen) >= tabletSeenEvery {
		if _, err := s.write.ExecContext(ctx, `UPDATE tablets SET last_seen = ? WHERE id = ?`, nanos(now), t.ID); err != nil {
			return Tablet{}, fmt.Errorf("recording that tablet %s was seen: %w", t.ID, err)
		}
		t.LastSeen = now
	}
	return t, nil
}

// Tablets returns the paired tablets that are not unpaired, by box id and
// then pairing time.
func (s *Store) Tablets(ctx context.Context) ([]Tablet, error) {
	rows, err := s.read.QueryContext(ctx, `SELECT `+tabletColumns+` FROM tablets WHERE revoked_at = 0 ORDER BY box_id, paired_at, id`)
	if err != nil {
		return nil, fmt.Errorf("listing tablets: %w", err)
	}
	defer rows.Close()
	var out []Tablet
	for rows.Next() {
		t, err := scanTablet(rows)
		if err != nil {
			return nil, fmt.Errorf("listing tablets: %w", err)
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// RevokeTablet unpairs tablet id on behalf of account by, so that its
// device token stops working at once, and returns the tablet. It returns
// an error wrapping ErrNotFound for an unknown id and ErrTabletRevoked for
// a tablet that is already unpaired.
func (s *Store) RevokeTablet(ctx context.Context, id, by string) (Tablet, error) {
	var t Tablet
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		var err error
		t, err = scanTablet(tx.QueryRowContext(ctx, `SELECT `+tabletColumns+` FROM tablets WHERE id = ?`, id))
		if errors.Is(err, sql.ErrNoRows) {
			return fmt.Errorf("unpairing tablet %s: %w", id, ErrNotFound)
		}
		if err != nil {
			return fmt.Errorf("unpairing tablet %s: %w", id, err)
		}
		if !t.RevokedAt.IsZero() {
			return fmt.Errorf("unpairing tablet %s: %w", id, ErrTabletRevoked)
		}
		t.RevokedAt, t.RevokedBy = fromNanos(nanos(s.now())), by
		if _, err := tx.ExecContext(ctx, `UPDATE tablets SET revoked_at = ?, revoked_by = ? WHERE id = ?`, nanos(t.RevokedAt), by, id); err != nil {
			return fmt.Errorf("unpairing tablet %s: %w", id, err)
		}
		return nil
	})
	return t, err
}
