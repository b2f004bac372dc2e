package ingest

import (
	"errors"
	"log/slog"

	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// handleChunk opens, stores and acknowledges one chunk.
func (in *Ingester) handleChunk(t protocol.Topic, payload []byte) {
	log := in.log.With("box_id", t.BoxID, "recording_id", t.RecordingID, "seq", t.Seq)

	verifier, err := in.verifierFor(t.BoxID)
	if err != nil {
		in.logTransient("chunk not stored, box will resend", "box_id", t.BoxID, "recording_id", t.RecordingID, "seq", t.Seq,
			"reason", "verifier_unavailable", "error", err)
		return
	}

	opened, err := chunkcrypt.Open(in.dec, verifier, t.BoxID, t.RecordingID, t.Seq, payload)
	if err != nil {
		// Everything Open returns is a property of the message, so a
		// resend cannot succeed.
		in.rejectChunk(log, t, openFailure(err), err)
		return
	}

	ctx, cancel := in.storeContext()
	duplicate, err := in.store.PutChunk(ctx, t.BoxID, t.RecordingID, t.Seq, opened.Header, opened.Audio)
	cancel()

	switch {
	case errors.Is(err, store.ErrDeleted):
		log.Info("chunk of deleted recording dropped")
		in.sendAck(t.BoxID, protocol.Ack{RecordingID: t.RecordingID, Deleted: true})
		return
	case errors.Is(err, store.ErrWrongBox):
		in.rejectChunk(log, t, "wrong_box", err)
		return
	case errors.Is(err, store.ErrConflict):
		in.rejectChunk(log, t, "conflict", err)
		return
	case errors.Is(err, store.ErrInvalid):
		// Audio that does not decode, or a format or frame range that does
		// not fit the recording: a resend of the same bytes cannot succeed.
		in.rejectChunk(log, t, "invalid", err)
		return
	case err != nil:
		in.logTransient("chunk not stored, box will resend", "box_id", t.BoxID, "recording_id", t.RecordingID, "seq", t.Seq, "error", err)
		return
	}

	if duplicate {
		log.Info("duplicate chunk acknowledged again")
	} else {
		log.Debug("chunk stored", "frames", opened.Header.Frames, "bytes", len(opened.Audio), "signed", opened.Signed)
		in.notifyStored(t.RecordingID)
	}
	in.sendAck(t.BoxID, protocol.Ack{
		RecordingID: t.RecordingID,
		Chunks:      []protocol.Range{{First: t.Seq, Last: t.Seq}},
	})
}

// verifierFor returns the box's chunk verifier, or nil when it signs nothing.
func (in *Ingester) verifierFor(box string) (tink.Verifier, error) {
	if in.verify == nil {
		return nil, nil
	}
	return in.verify(box)
}

func (in *Ingester) rejectChunk(log *slog.Logger, t protocol.Topic, reason string, err error) {
	log.Warn("chunk rejected", "reason", reason, "error", err)
	in.noteRejection(t, "chunk", t.Seq, reason)
	in.sendAck(t.BoxID, protocol.Ack{
		RecordingID: t.RecordingID,
		Rejected:    []protocol.Rejection{{Kind: "chunk", Seq: t.Seq, Reason: err.Error()}},
	})
}

// openFailure names the class of a chunkcrypt.Open error for the log.
func openFailure(err error) string {
	switch {
	case errors.Is(err, chunkcrypt.ErrDecrypt):
		return "decrypt"
	case errors.Is(err, chunkcrypt.ErrSignature):
		return "signature"
	case errors.Is(err, protocol.ErrTooLarge):
		return "too_large"
	case errors.Is(err, protocol.ErrUnsupportedVersion):
		return "unsupported_version"
	}
	return "malformed"
}
