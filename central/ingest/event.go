package ingest

import (
	"context"
	"encoding/json"
	"errors"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// handleEvent decodes, stores and acknowledges one recording event.
func (in *Ingester) handleEvent(t protocol.Topic, payload []byte) {
	log := in.log.With("box_id", t.BoxID, "recording_id", t.RecordingID)

	e, err := protocol.DecodeEvent(payload)
	if err != nil {
		seq, ok := eventSeq(payload)
		if !ok {
			// A rejection cannot name an event without a sequence number,
			// so the box receives nothing and keeps resending it.
			log.Warn("event rejected", "reason", "malformed", "bytes", len(payload), "error", err)
			return
		}
		in.rejectEvent(t, seq, "malformed", err)
		return
	}
	log = log.With("seq", e.Seq, "event", string(e.Type))

	ctx, cancel := in.storeContext()
	duplicate, err := in.store.PutEvent(ctx, t.BoxID, t.RecordingID, e)
	cancel()

	switch {
	case errors.Is(err, store.ErrDeleted):
		log.Info("event of deleted recording dropped")
		in.sendAck(t.BoxID, protocol.Ack{RecordingID: t.RecordingID, Deleted: true})
		return
	case errors.Is(err, store.ErrWrongBox):
		in.rejectEvent(t, e.Seq, "wrong_box", err)
		return
	case errors.Is(err, store.ErrConflict):
		in.rejectEvent(t, e.Seq, "conflict", err)
		return
	case errors.Is(err, store.ErrInvalid):
		in.rejectEvent(t, e.Seq, "invalid", err)
		return
	case err != nil:
		in.logTransient("event not stored, box will resend", "box_id", t.BoxID, "recording_id", t.RecordingID, "seq", e.Seq, "error", err)
		return
	}

	if duplicate {
		log.Info("duplicate event acknowledged again")
	} else {
		log.Info("event stored")
		in.notifyStored(t.RecordingID)
	}

	// A committed withdrawal deleted the recording, so the box may drop
	// everything it still holds of it.
	in.sendAck(t.BoxID, protocol.Ack{
		RecordingID: t.RecordingID,
		Events:      []protocol.Range{{First: e.Seq, Last: e.Seq}},
		Deleted:     e.Type == protocol.EventWithdraw,
	})
}

func (in *Ingester) rejectEvent(t protocol.Topic, seq uint64, reason string, err error) {
	in.log.Warn("event rejected", "box_id", t.BoxID, "recording_id", t.RecordingID, "seq", seq, "reason", reason, "error", err)
	in.noteRejection(t, "event", seq, reason)
	in.sendAck(t.BoxID, protocol.Ack{
		RecordingID: t.RecordingID,
		Rejected:    []protocol.Rejection{{Kind: "event", Seq: seq, Reason: err.Error()}},
	})
}

// eventSeq reads the sequence number of an event that failed to decode, so
// the rejection can name it.
func eventSeq(payload []byte) (uint64, bool) {
	if len(payload) > protocol.MaxJSONMessage {
		return 0, false
	}
	var probe struct {
		Seq *uint64 `json:"seq"`
	}
	if err := json.Unmarshal(payload, &probe); err != nil || probe.Seq == nil {
		return 0, false
	}
	return *probe.Seq, true
}

// RejectionNoter is implemented by a store that keeps a record of rejected
// items, so that people can see why a recording's audio is missing.
type RejectionNoter interface {
	NoteRejection(ctx context.Context, box, rec, kind string, seq uint64, reason string) error
}

// noteRejection records a rejection in the store when it keeps them. A
// failure is logged: the rejection itself has already been sent to the box.
func (in *Ingester) noteRejection(t protocol.Topic, kind string, seq uint64, reason string) {
	noter, ok := in.store.(RejectionNoter)
	if !ok {
		return
	}
	ctx, cancel := in.storeContext()
	defer cancel()
	if err := noter.NoteRejection(ctx, t.BoxID, t.RecordingID, kind, seq, reason); err != nil {
		in.log.Error("recording a rejection failed", "box_id", t.BoxID, "recording_id", t.RecordingID, "seq", seq, "error", err)
	}
}
