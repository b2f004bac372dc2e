package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"

	"github.com/ordagrann/ordagrann/central/pseudo"
)

func init() {
	addNamedMigration("pseudonym_mappings", `
CREATE TABLE pseudonym_mappings (
	recording_id TEXT PRIMARY KEY REFERENCES recordings (id),
	updated_at   INTEGER NOT NULL,
	sealed       BLOB NOT NULL
);`)
	addRecordingTable("pseudonym_mappings")
}

// pseudonymRow is the row id in the associated data of a sealed mapping:
// a recording has one mapping.
const pseudonymRow = 0

// PseudonymMapping returns the placeholders that rec's text was
// pseudonymized with, or an empty mapping when none is stored. The mapping
// holds names and identity numbers, so it is sealed with the recording's
// key and deleted with the recording.
func (s *Store) PseudonymMapping(ctx context.Context, rec string) (*pseudo.Mapping, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	var sealed []byte
	err := s.read.QueryRowContext(ctx, `SELECT sealed FROM pseudonym_mappings WHERE recording_id = ?`, rec).Scan(&sealed)
	if errors.Is(err, sql.ErrNoRows) {
		return pseudo.NewMapping(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading the pseudonym mapping of recording %s: %w", rec, err)
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, err
	}
	plain, err := open(key, sealed, rec, "pseudonym_mappings", pseudonymRow)
	if err != nil {
		return nil, err
	}
	m := pseudo.NewMapping()
	if err := m.UnmarshalJSON(plain); err != nil {
		return nil, fmt.Errorf("reading the pseudonym mapping of recording %s: %w", rec, err)
	}
	return m, nil
}

// SetPseudonymMapping stores m as rec's mapping, replacing the stored one.
// Callers extend the mapping that PseudonymMapping returned, so that a
// placeholder keeps standing for the same detail.
func (s *Store) SetPseudonymMapping(ctx context.Context, rec string, m *pseudo.Mapping) error {
	if m == nil {
		return fmt.Errorf("storing the pseudonym mapping of recording %s: %w: nil mapping", rec, ErrInvalid)
	}
	plain, err := m.MarshalJSON()
	if err != nil {
		return fmt.Errorf("storing the pseudonym mapping of recording %s: %w", rec, err)
	}

	err = s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		key, err := s.recordingKey(ctx, tx, rec)
		if err != nil {
			return err
		}
		sealed, err := seal(key, plain, rec, "pseudonym_mappings", pseudonymRow)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO pseudonym_mappings (recording_id, updated_at, sealed) VALUES (?, ?, ?)`,
			rec, nanos(s.now()), sealed)
		return err
	})
	if err != nil {
		return fmt.Errorf("storing the pseudonym mapping of recording %s: %w", rec, err)
	}
	return nil
}
