package auth

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// MaxBadgesPerAccount is the maximum number of badge ids one account can
// have: a card, a spare and a few replacements.
const MaxBadgesPerAccount = 16

// ErrBadgeTaken is returned by SetBadges when a badge id already belongs
// to another account. The error is a *BadgeTakenError.
var ErrBadgeTaken = errors.New("badge id already belongs to another account")

// BadgeTakenError names the badge id and the account that has it.
type BadgeTakenError struct {
	BadgeID   string
	AccountID string // the account that has the badge id
}

func (e *BadgeTakenError) Error() string {
	return fmt.Sprintf("badge id %q already belongs to account %s: remove it there first", e.BadgeID, e.AccountID)
}

func (e *BadgeTakenError) Is(target error) bool { return target == ErrBadgeTaken }

// normalizeBadges checks badge ids as a box's configuration does and
// returns them sorted without duplicates.
func normalizeBadges(badges []string) ([]string, error) {
	out := slices.Clone(badges)
	for _, b := range out {
		if err := protocol.CheckID("badge id", b); err != nil {
			return nil, fmt.Errorf("%w: %w", ErrInvalid, err)
		}
	}
	slices.Sort(out)
	out = slices.Compact(out)
	if len(out) > MaxBadgesPerAccount {
		return nil, fmt.Errorf("%w: %d badge ids, more than the %d one account can have", ErrInvalid, len(out), MaxBadgesPerAccount)
	}
	return out, nil
}

// SetBadges replaces the badge ids of an account. An empty list removes
// them all. Each id must follow the rules of a box configuration's badge
// ids (1 to 64 of a-z, 0-9 and '-'). It returns an error wrapping
// ErrInvalid for an invalid id, ErrNotFound for an unknown account and
// ErrBadgeTaken when another account has one of the ids, and then changes nothing.
// The change is added to the badge history in the same transaction, so
// BadgeOwnerAt keeps earlier recordings with the account that had the badge.
func (s *Store) SetBadges(ctx context.Context, accountID string, badges []string) error {
	badges, err := normalizeBadges(badges)
	if err != nil {
		return fmt.Errorf("setting badges of account %q: %w", accountID, err)
	}

	err = s.withTx(ctx, func(tx *sql.Tx) error {
		var exists int
		err := tx.QueryRowContext(ctx, "SELECT 1 FROM accounts WHERE id = ?", accountID).Scan(&exists)
		if errors.Is(err, sql.ErrNoRows) {
			return ErrNotFound
		}
		if err != nil {
			return err
		}

		for _, b := range badges {
			var owner string
			err := tx.QueryRowContext(ctx, "SELECT account_id FROM badges WHERE badge_id = ?", b).Scan(&owner)
			if err == nil && owner != accountID {
				return &BadgeTakenError{BadgeID: b, AccountID: owner}
			}
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
		}

		if err := recordBadgeChanges(ctx, tx, accountID, badges, s.now()); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "DELETE FROM badges WHERE account_id = ?", accountID); err != nil {
			return err
		}
		for _, b := range badges {
			if _, err := tx.ExecContext(ctx, "INSERT INTO badges (badge_id, account_id) VALUES (?, ?)", b, accountID); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("setting badges of account %q: %w", accountID, err)
	}
	s.log.Info("badges set", "account_id", accountID, "badges", len(badges))
	return nil
}

// Badges returns the badge ids of an account, sorted. An account without
// badges, or an unknown account, has none.
func (s *Store) Badges(ctx context.Context, accountID string) ([]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT badge_id FROM badges WHERE account_id = ? ORDER BY badge_id", accountID)
	if err != nil {
		return nil, fmt.Errorf("reading badges of account %q: %w", accountID, err)
	}
	defer rows.Close()

	var badges []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			return nil, fmt.Errorf("reading badges of account %q: %w", accountID, err)
		}
		badges = append(badges, b)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading badges of account %q: %w", accountID, err)
	}
	return badges, nil
}

// BadgeOwners returns every mapped badge id with the id of its account.
func (s *Store) BadgeOwners(ctx context.Context) (map[string]string, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT badge_id, account_id FROM badges")
	if err != nil {
		return nil, fmt.Errorf("reading badge owners: %w", err)
	}
	defer rows.Close()

	owners := map[string]string{}
	for rows.Next() {
		var badge, account string
		if err := rows.Scan(&badge, &account); err != nil {
			return nil, fmt.Errorf("reading badge owners: %w", err)
		}
		owners[badge] = account
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("reading badge owners: %w", err)
	}
	return owners, nil
}

// AccountByBadge returns the account that has a badge id, or an error
// wrapping ErrNotFound when none has it.
func (s *Store) AccountByBadge(ctx context.Context, badgeID string) (Account, error) {
	row := s.db.QueryRowContext(ctx, "SELECT "+accountColumns+accountFrom+" JOIN badges b ON b.account_id = a.id WHERE b.badge_id = ?", badgeID)
	a, err := scanAccount(row)
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("reading account of badge %q: %w", badgeID, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("reading account of badge %q: %w", badgeID, err)
	}
	return a, nil
}
