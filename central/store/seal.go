package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/keys"
)

// sealAD returns the associated data that binds a sealed value to its
// recording, table and row, so a ciphertext moved to another row, table or
// recording fails to open.
func sealAD(rec, table string, row int64) []byte {
	return []byte("ordagrann/v1/sealed\x00" + rec + "\x00" + table + "\x00" + strconv.FormatInt(row, 10))
}

// createRecordingKey creates the key of a new recording in period, creating
// the period key first when the period has none, and stores both wrapped.
// The caller seals with the returned AEAD inside the same transaction; the
// key reaches the cache only when a later call reads it back committed.
func (s *Store) createRecordingKey(ctx context.Context, tx *sql.Tx, rec, period string) (tink.AEAD, error) {
	pk, err := s.periodKey(ctx, tx, period, true)
	if err != nil {
		return nil, err
	}
	a, wrapped, err := pk.NewRecordingKey(rec)
	if err != nil {
		return nil, err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO recording_keys (recording_id, wrapped) VALUES (?, ?)`, rec, wrapped); err != nil {
		return nil, fmt.Errorf("storing key of recording %s: %w", rec, err)
	}
	return a, nil
}

// periodKey returns the key of period, unwrapping it from the database, or
// creating it when create is set and q is a write transaction. A created key
// stays out of the cache until a later call reads it back, because the
// transaction that stores it may still roll back.
func (s *Store) periodKey(ctx context.Context, q querier, period string, create bool) (*keys.PeriodKey, error) {
	s.mu.Lock()
	pk := s.periodKeys[period]
	s.mu.Unlock()
	if pk != nil {
		return pk, nil
	}

	var wrapped []byte
	err := q.QueryRowContext(ctx, `SELECT wrapped FROM period_keys WHERE period = ?`, period).Scan(&wrapped)
	switch {
	case errors.Is(err, sql.ErrNoRows) && create:
		pk, wrapped, err = s.keys.NewPeriodKey(period)
		if err != nil {
			return nil, err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO period_keys (period, wrapped, created_at) VALUES (?, ?, ?)`,
			period, wrapped, nanos(s.now())); err != nil {
			return nil, fmt.Errorf("storing key of period %s: %w", period, err)
		}
		s.log.Info("created period key", "period", period)
		return pk, nil
	case errors.Is(err, sql.ErrNoRows):
		return nil, fmt.Errorf("key of period %s: %w (destroyed by a wipe)", period, ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("reading key of period %s: %w", period, err)
	default:
		if pk, err = s.keys.OpenPeriodKey(period, wrapped); err != nil {
			return nil, err
		}
	}

	s.mu.Lock()
	s.periodKeys[period] = pk
	s.mu.Unlock()
	return pk, nil
}

// recordingKey returns the AEAD of recording rec from the cache or the database.
func (s *Store) recordingKey(ctx context.Context, q querier, rec string) (tink.AEAD, error) {
	s.mu.Lock()
	a := s.recKeys[rec]
	s.mu.Unlock()
	if a != nil {
		return a, nil
	}

	var period string
	var wrapped []byte
	err := q.QueryRowContext(ctx, `
		SELECT r.period, k.wrapped FROM recordings r JOIN recording_keys k ON k.recording_id = r.id
		WHERE r.id = ?`, rec).Scan(&period, &wrapped)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("key of recording %s: %w", rec, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("reading key of recording %s: %w", rec, err)
	}

	pk, err := s.periodKey(ctx, q, period, false)
	if err != nil {
		return nil, err
	}
	if a, err = pk.OpenRecordingKey(rec, wrapped); err != nil {
		return nil, err
	}

	s.mu.Lock()
	s.recKeys[rec] = a
	s.mu.Unlock()
	return a, nil
}

// forgetKeys drops cached keys of recordings and periods that were deleted.
func (s *Store) forgetKeys(recs []string, periods []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range recs {
		delete(s.recKeys, r)
	}
	for _, p := range periods {
		delete(s.periodKeys, p)
	}
}

func seal(a tink.AEAD, plain []byte, rec, table string, row int64) ([]byte, error) {
	ct, err := a.Encrypt(plain, sealAD(rec, table, row))
	if err != nil {
		return nil, fmt.Errorf("sealing %s row %d of recording %s: %w", table, row, rec, err)
	}
	return ct, nil
}

func open(a tink.AEAD, sealed []byte, rec, table string, row int64) ([]byte, error) {
	plain, err := a.Decrypt(sealed, sealAD(rec, table, row))
	if err != nil {
		return nil, fmt.Errorf("opening %s row %d of recording %s (moved or corrupted ciphertext): %w", table, row, rec, err)
	}
	return plain, nil
}
