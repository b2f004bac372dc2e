package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

func init() {
	addNamedMigration("speaker_names", `
CREATE TABLE speaker_names (
	recording_id TEXT NOT NULL REFERENCES recordings (id),
	speaker      INTEGER NOT NULL,
	sealed       BLOB NOT NULL,
	PRIMARY KEY (recording_id, speaker)
);`)
	addRecordingTable("speaker_names")
}

// MaxSpeakerNameLength is the longest speaker name in characters.
const MaxSpeakerNameLength = 60

// SetSpeakerName names speaker (an index of the recording's diarization)
// for every row of rec, replacing an earlier name. The name is sealed with
// the recording's key, because it may be a person's name. An empty name
// removes it, so the diarization's label shows again. Runs of white space
// in the name become single spaces, and a name that breaks the rule of
// CheckText returns an *InvalidTextError.
func (s *Store) SetSpeakerName(ctx context.Context, rec string, speaker int, name string) error {
	name = strings.Join(strings.Fields(name), " ")
	if speaker < 0 || speaker > 63 {
		return fmt.Errorf("%w: speaker index %d", ErrInvalid, speaker)
	}
	if utf8.RuneCountInString(name) > MaxSpeakerNameLength {
		return fmt.Errorf("%w: speaker name longer than %d characters", ErrInvalid, MaxSpeakerNameLength)
	}
	if err := CheckText(name); err != nil {
		return fmt.Errorf("speaker name: %w", err)
	}

	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := liveRecording(ctx, tx, rec); err != nil {
			return err
		}
		if name == "" {
			_, err := tx.ExecContext(ctx, `DELETE FROM speaker_names WHERE recording_id = ? AND speaker = ?`, rec, speaker)
			return err
		}
		key, err := s.recordingKey(ctx, tx, rec)
		if err != nil {
			return err
		}
		sealed, err := seal(key, []byte(name), rec, "speaker_names", int64(speaker))
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT OR REPLACE INTO speaker_names (recording_id, speaker, sealed) VALUES (?, ?, ?)`, rec, speaker, sealed)
		if err != nil {
			return fmt.Errorf("storing speaker name of recording %s: %w", rec, err)
		}
		return nil
	})
}

// SpeakerNames returns the names given to rec's speakers, by speaker index.
func (s *Store) SpeakerNames(ctx context.Context, rec string) (map[int]string, error) {
	if _, err := liveRecording(ctx, s.read, rec); err != nil {
		return nil, err
	}
	key, err := s.recordingKey(ctx, s.read, rec)
	if err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, `SELECT speaker, sealed FROM speaker_names WHERE recording_id = ?`, rec)
	if err != nil {
		return nil, fmt.Errorf("reading speaker names of recording %s: %w", rec, err)
	}
	defer rows.Close()
	names := map[int]string{}
	for rows.Next() {
		var speaker int
		var sealed []byte
		if err := rows.Scan(&speaker, &sealed); err != nil {
			return nil, fmt.Errorf("reading speaker names of recording %s: %w", rec, err)
		}
		plain, err := open(key, sealed, rec, "speaker_names", int64(speaker))
		if err != nil {
			return nil, err
		}
		names[speaker] = string(plain)
	}
	return names, rows.Err()
}
