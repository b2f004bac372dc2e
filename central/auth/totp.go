package auth

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base32"
	"fmt"
	"image/png"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/totp"
)

// TOTP parameters. Authenticator apps support these defaults of RFC 6238
// everywhere; other digit counts or hashes are ignored by some apps.
const (
	totpPeriod = 30 // seconds
	totpDigits = otp.DigitsSix
	totpSkew   = 1 // steps accepted either side of now, for clock drift
	secretSize = 20
)

// RecoveryCodeCount is how many recovery codes an enrolment creates.
const RecoveryCodeCount = 10

// Enrolment is the data a user needs to add the account to an authenticator app.
type Enrolment struct {
	// Secret is the base32 secret for typing in, in groups of four
	// separated by spaces, which authenticator apps ignore.
	Secret string
	// URL is the otpauth:// URL that the QR code contains.
	URL string
	// QRCode is a PNG image of the QR code.
	QRCode []byte
}

// BeginEnrolment returns the new TOTP secret of a session in StageEnrol.
// The secret is kept, sealed, with the session until FinishEnrolment, so
// calling BeginEnrolment again returns the same one.
func (s *Store) BeginEnrolment(ctx context.Context, token string) (Enrolment, error) {
	r, err := s.pendingSession(ctx, token, StageEnrol)
	if err != nil {
		return Enrolment{}, err
	}

	var secret string
	if r.pendingTOTP != nil {
		if secret, err = s.openSecret(r.account.ID, r.pendingTOTP); err != nil {
			return Enrolment{}, err
		}
	} else {
		key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: r.account.UserName,
			Period: totpPeriod, SecretSize: secretSize, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
		if err != nil {
			return Enrolment{}, fmt.Errorf("generating TOTP secret for account %q: %w", r.account.ID, err)
		}
		secret = key.Secret()
		sealed, err := s.sealSecret(r.account.ID, secret)
		if err != nil {
			return Enrolment{}, err
		}
		if _, err := s.db.ExecContext(ctx, "UPDATE sessions SET pending_totp = ? WHERE token_hash = ?", sealed, r.hash); err != nil {
			return Enrolment{}, fmt.Errorf("storing TOTP secret for account %q: %w", r.account.ID, err)
		}
	}
	return s.enrolment(r.account, secret)
}

// enrolment builds the QR code and URL for secret.
func (s *Store) enrolment(acc Account, secret string) (Enrolment, error) {
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil {
		return Enrolment{}, fmt.Errorf("decoding TOTP secret of account %q: %w", acc.ID, err)
	}
	key, err := totp.Generate(totp.GenerateOpts{Issuer: s.issuer, AccountName: acc.UserName,
		Period: totpPeriod, Secret: raw, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1})
	if err != nil {
		return Enrolment{}, fmt.Errorf("building TOTP key of account %q: %w", acc.ID, err)
	}
	img, err := key.Image(256, 256)
	if err != nil {
		return Enrolment{}, fmt.Errorf("drawing QR code for account %q: %w", acc.ID, err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return Enrolment{}, fmt.Errorf("encoding QR code for account %q: %w", acc.ID, err)
	}
	return Enrolment{Secret: groupsOf4(secret, " "), URL: key.URL(), QRCode: buf.Bytes()}, nil
}

// FinishEnrolment checks the first code from the user's authenticator
// against the secret from BeginEnrolment, stores the secret, creates
// RecoveryCodeCount recovery codes and replaces the session with a
// signed-in one. It returns the new token and the recovery codes, which
// exist nowhere else in plaintext. A wrong code returns ErrWrongCode and
// counts as a failed attempt.
func (s *Store) FinishEnrolment(ctx context.Context, token, code string) (string, Session, []string, error) {
	r, err := s.pendingSession(ctx, token, StageEnrol)
	if err != nil {
		return "", Session{}, nil, err
	}
	if r.pendingTOTP == nil {
		return "", Session{}, nil, fmt.Errorf("%w: enrolment not begun", ErrNoSession)
	}
	secret, err := s.openSecret(r.account.ID, r.pendingTOTP)
	if err != nil {
		return "", Session{}, nil, err
	}
	step, ok := matchTOTP(secret, code, s.now())
	if !ok {
		return "", Session{}, nil, s.fail(ctx, r.account.UserName, r.account.ID, "totp_enrolment", ErrWrongCode)
	}

	codes, err := newRecoveryCodes()
	if err != nil {
		return "", Session{}, nil, err
	}
	var newToken string
	var nr sessionRow
	err = s.withTx(ctx, func(tx *sql.Tx) error {
		// An account that enrolled in another session meanwhile keeps that authenticator.
		res, err := tx.ExecContext(ctx, "UPDATE accounts SET totp_sealed = ?, totp_last_step = ? WHERE id = ? AND totp_sealed IS NULL",
			r.pendingTOTP, step, r.account.ID)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 {
			return fmt.Errorf("%w: account already enrolled", ErrNoSession)
		}
		if err := storeRecoveryCodes(ctx, tx, r.account.ID, codes); err != nil {
			return err
		}
		r.account.TOTPEnrolled = true
		newToken, nr, err = s.promote(ctx, tx, r)
		return err
	})
	if err != nil {
		return "", Session{}, nil, fmt.Errorf("finishing enrolment of account %q: %w", r.account.ID, err)
	}

	s.log.Info("signed in", "account_id", r.account.ID, "factor", "totp_enrolment")
	s.emit(ctx, Event{Kind: EventSignedIn, AccountID: r.account.ID, Factor: "totp_enrolment", At: nr.created})
	return newToken, s.sessionOf(newToken, nr), codes, nil
}

// matchTOTP checks code against the steps around now and returns the step it belongs to.
func matchTOTP(secret, code string, now time.Time) (int64, bool) {
	if len(code) != totpDigits.Length() || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	opts := totp.ValidateOpts{Period: totpPeriod, Skew: 0, Digits: totpDigits, Algorithm: otp.AlgorithmSHA1}
	step := now.Unix() / totpPeriod
	for off := int64(-totpSkew); off <= totpSkew; off++ {
		at := time.Unix((step+off)*totpPeriod, 0)
		if ok, err := totp.ValidateCustom(code, secret, at, opts); err == nil && ok {
			return step + off, true
		}
	}
	return 0, false
}

// secretAD binds a sealed secret to its account, so a secret copied to
// another account's row does not open.
func secretAD(accountID string) []byte {
	return []byte("ordagrann auth totp secret v1\x00" + accountID)
}

func (s *Store) sealSecret(accountID, secret string) ([]byte, error) {
	sealed, err := s.sealer.Encrypt([]byte(secret), secretAD(accountID))
	if err != nil {
		return nil, fmt.Errorf("sealing TOTP secret of account %q: %w", accountID, err)
	}
	return sealed, nil
}

func (s *Store) openSecret(accountID string, sealed []byte) (string, error) {
	secret, err := s.sealer.Decrypt(sealed, secretAD(accountID))
	if err != nil {
		return "", fmt.Errorf("opening TOTP secret of account %q (was the account database opened with another key?): %w", accountID, err)
	}
	return string(secret), nil
}

// Recovery codes are 80 random bits in unpadded base32, shown as four
// groups of four. With that much entropy a fast hash is enough, and the
// account id in the hash keeps equal codes of two accounts apart.
var recoveryEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

func newRecoveryCodes() ([]string, error) {
	codes := make([]string, RecoveryCodeCount)
	for i := range codes {
		b := make([]byte, 10)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("reading recovery code: %w", err)
		}
		codes[i] = groupsOf4(recoveryEncoding.EncodeToString(b), "-")
	}
	return codes, nil
}

func storeRecoveryCodes(ctx context.Context, tx *sql.Tx, accountID string, codes []string) error {
	if _, err := tx.ExecContext(ctx, "DELETE FROM recovery_codes WHERE account_id = ?", accountID); err != nil {
		return err
	}
	for _, c := range codes {
		n, _ := normalizeRecoveryCode(c)
		if _, err := tx.ExecContext(ctx, "INSERT INTO recovery_codes (account_id, code_hash) VALUES (?, ?)", accountID, hashRecoveryCode(accountID, n)); err != nil {
			return err
		}
	}
	return nil
}

// normalizeRecoveryCode removes spaces and dashes and upper-cases code,
// and reports whether the rest has the form of a recovery code.
func normalizeRecoveryCode(code string) (string, bool) {
	if len(code) > 64 {
		return "", false
	}
	c := strings.ToUpper(strings.NewReplacer(" ", "", "-", "").Replace(code))
	if len(c) != 16 {
		return "", false
	}
	_, err := recoveryEncoding.DecodeString(c)
	return c, err == nil
}

func hashRecoveryCode(accountID, normalized string) []byte {
	h := sha256.Sum256([]byte("ordagrann recovery code v1\x00" + accountID + "\x00" + normalized))
	return h[:]
}

// groupsOf4 splits s into groups of four characters joined by sep.
func groupsOf4(s, sep string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteString(sep)
		}
		b.WriteRune(r)
	}
	return b.String()
}
