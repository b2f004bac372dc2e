package session

import (
	"errors"
	"fmt"
	"time"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// OpenRecording is a recording that the journal holds as not yet closed,
// with the counters the journal kept for it.
type OpenRecording struct {
	ID           string
	Chunks       uint64 // chunks written, acknowledged or not
	Frames       uint64 // audio frames in those chunks
	NextEventSeq uint64 // sequence number the next event of this recording gets

	// LastWrite is when the journal last stored an event or chunk of the
	// recording, the last moment it is known to have run. Zero when the
	// journal does not know.
	LastWrite time.Time
}

// RecoveryJournal is a journal that can list its open recordings.
type RecoveryJournal interface {
	OpenRecordings() ([]OpenRecording, error)
	AddEvent(rec string, seq uint64, msg []byte) error
	CloseRecording(rec string) error
}

// RecoverInterrupted closes every recording that a crash or power cut left
// open: it adds an interrupted event, stamped with the recording's last
// write (or now when the journal does not know it), with the journal's
// counters and closes the recording, so the central service learns how many
// chunks to expect. Chunks already written stay in the journal and are
// sent. Call it once at start, before Run. It returns the ids it closed;
// on an error it goes on with the other recordings and returns all errors.
func RecoverInterrupted(j RecoveryJournal, now time.Time) ([]string, error) {
	open, err := j.OpenRecordings()
	if err != nil {
		return nil, fmt.Errorf("recover interrupted recordings: list open recordings: %w", err)
	}

	var closed []string
	var errs []error
	for _, r := range open {
		if err := closeInterrupted(j, r, now); err != nil {
			errs = append(errs, err)
			continue
		}
		closed = append(closed, r.ID)
	}
	return closed, errors.Join(errs...)
}

func closeInterrupted(j RecoveryJournal, r OpenRecording, now time.Time) error {
	end := &protocol.EndInfo{Chunks: r.Chunks, Frames: r.Frames}
	at := now
	if !r.LastWrite.IsZero() && r.LastWrite.Before(now) {
		at = r.LastWrite.UTC()
	}
	msg, err := protocol.EncodeEvent(protocol.Event{
		Seq:   r.NextEventSeq,
		Type:  protocol.EventInterrupted,
		At:    at,
		Frame: r.Frames,
		End:   end,
	})
	if err != nil {
		return fmt.Errorf("recover recording %s: encode event: %w", r.ID, err)
	}
	if err := j.AddEvent(r.ID, r.NextEventSeq, msg); err != nil {
		return fmt.Errorf("recover recording %s: add interrupted event: %w", r.ID, err)
	}
	if err := j.CloseRecording(r.ID); err != nil {
		return fmt.Errorf("recover recording %s: close: %w", r.ID, err)
	}
	return nil
}
