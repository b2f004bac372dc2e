package auth

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"time"
)

// BadgeAssignment is one interval in which a badge id belonged to an account.
type BadgeAssignment struct {
	BadgeID   string
	AccountID string
	// From is when the account got the badge id. The zero time marks an
	// assignment that already existed when the history was introduced.
	From time.Time
	// To is when the account lost the badge id, or the zero time while it has it.
	To time.Time
}

// covers reports whether the assignment was in force at t: From <= t < To.
func (a BadgeAssignment) covers(t time.Time) bool {
	return !t.Before(a.From) && (a.To.IsZero() || t.Before(a.To))
}

// empty reports whether the badge id was given and taken away at the same instant.
func (a BadgeAssignment) empty() bool {
	return !a.To.IsZero() && !a.To.After(a.From)
}

// BadgeHistory contains the assignments of badge ids to accounts, read
// once so that a page listing many recordings needs a single query.
type BadgeHistory struct {
	byBadge map[string][]BadgeAssignment // sorted by From
}

// OwnerAt returns the id of the account that had badgeID at time t, the
// time a recording started. Outside every assignment it returns the first
// account that ever got the badge when t is before that assignment,
// because a box's configuration can list a badge before IT maps it to an
// account. It returns false when t falls after the badge was taken from
// an account and before anyone got it again, and for a badge id that was
// never assigned: such a recording belongs to nobody.
func (h BadgeHistory) OwnerAt(badgeID string, t time.Time) (string, bool) {
	return ownerAt(h.byBadge[badgeID], t)
}

// ownerAt applies the rules of OwnerAt to the assignments of one badge,
// sorted by From.
func ownerAt(assignments []BadgeAssignment, t time.Time) (string, bool) {
	var first *BadgeAssignment
	var owner string
	found := false
	for i := range assignments {
		a := &assignments[i]
		if a.empty() {
			continue
		}
		if first == nil {
			first = a
		}
		// A later start wins where intervals overlap, which happens only
		// when the service clock was set back between two changes.
		if a.covers(t) {
			owner, found = a.AccountID, true
		}
	}
	if found {
		return owner, true
	}
	if first != nil && t.Before(first.From) {
		return first.AccountID, true
	}
	return "", false
}

// BadgeHistory returns every assignment of a badge id to an account, past
// and present.
func (s *Store) BadgeHistory(ctx context.Context) (BadgeHistory, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT badge_id, account_id, from_at, to_at FROM badge_history ORDER BY badge_id, from_at, rowid")
	if err != nil {
		return BadgeHistory{}, fmt.Errorf("reading badge history: %w", err)
	}
	assignments, err := scanAssignments(rows)
	if err != nil {
		return BadgeHistory{}, fmt.Errorf("reading badge history: %w", err)
	}

	h := BadgeHistory{byBadge: map[string][]BadgeAssignment{}}
	for _, a := range assignments {
		h.byBadge[a.BadgeID] = append(h.byBadge[a.BadgeID], a)
	}
	return h, nil
}

// BadgeOwnerAt returns the id of the account that had badgeID at time t,
// by the rules of BadgeHistory.OwnerAt, and false when no account had it.
func (s *Store) BadgeOwnerAt(ctx context.Context, badgeID string, t time.Time) (string, bool, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT badge_id, account_id, from_at, to_at FROM badge_history WHERE badge_id = ? ORDER BY from_at, rowid", badgeID)
	if err != nil {
		return "", false, fmt.Errorf("reading history of badge %q: %w", badgeID, err)
	}
	assignments, err := scanAssignments(rows)
	if err != nil {
		return "", false, fmt.Errorf("reading history of badge %q: %w", badgeID, err)
	}
	owner, ok := ownerAt(assignments, t)
	return owner, ok, nil
}

// scanAssignments reads and closes rows of badge_id, account_id, from_at, to_at.
func scanAssignments(rows *sql.Rows) ([]BadgeAssignment, error) {
	defer rows.Close()
	var out []BadgeAssignment
	for rows.Next() {
		var a BadgeAssignment
		var from, to int64
		if err := rows.Scan(&a.BadgeID, &a.AccountID, &from, &to); err != nil {
			return nil, err
		}
		a.From, a.To = fromUnixNano(from), fromUnixNano(to)
		out = append(out, a)
	}
	return out, rows.Err()
}

// recordBadgeChanges ends the history intervals of the badge ids that an
// account loses and starts intervals for the ones it gets, at now. Badge
// ids it keeps are left alone. badges must be sorted.
func recordBadgeChanges(ctx context.Context, tx *sql.Tx, accountID string, badges []string, now time.Time) error {
	rows, err := tx.QueryContext(ctx, "SELECT badge_id FROM badges WHERE account_id = ?", accountID)
	if err != nil {
		return err
	}
	var old []string
	for rows.Next() {
		var b string
		if err := rows.Scan(&b); err != nil {
			rows.Close()
			return err
		}
		old = append(old, b)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}

	at := now.UnixNano()
	for _, b := range old {
		if slices.Contains(badges, b) {
			continue
		}
		if _, err := tx.ExecContext(ctx, "UPDATE badge_history SET to_at = ? WHERE badge_id = ? AND account_id = ? AND to_at = 0", at, b, accountID); err != nil {
			return fmt.Errorf("ending history of badge %q: %w", b, err)
		}
	}
	for _, b := range badges {
		if slices.Contains(old, b) {
			continue
		}
		if _, err := tx.ExecContext(ctx, "INSERT INTO badge_history (badge_id, account_id, from_at) VALUES (?, ?, ?)", b, accountID, at); err != nil {
			return fmt.Errorf("starting history of badge %q: %w", b, err)
		}
	}
	return nil
}
