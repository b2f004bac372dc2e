package app

import (
	"context"
	"errors"
	"sync"

	"github.com/ordagrann/ordagrann/firmware/session"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/sync/uplink"
)

// journal is the spool as the session and the recorder see it: every write
// wakes the uplink, and WaitSent lets the session show "sending" until the
// central service acknowledged a recording.
type journal struct {
	sp     *spool.Spool
	notify func()

	mu      sync.Mutex
	changed chan struct{} // closed and replaced on every ack
}

var (
	_ session.Journal    = (*journal)(nil)
	_ session.SendWaiter = (*journal)(nil)
)

func newJournal(sp *spool.Spool) *journal {
	return &journal{sp: sp, notify: func() {}, changed: make(chan struct{})}
}

func (j *journal) AddEvent(rec string, seq uint64, msg []byte) error {
	err := j.sp.AddEvent(rec, seq, msg)
	j.notify()
	return err
}

func (j *journal) AddChunk(rec string, seq uint64, firstFrame uint64, frames int, msg []byte) error {
	err := j.sp.AddChunk(rec, seq, firstFrame, frames, msg)
	j.notify()
	return err
}

func (j *journal) CloseRecording(rec string) error {
	err := j.sp.CloseRecording(rec)
	j.notify()
	return err
}

func (j *journal) DropChunks(rec string) (int, error) { return j.sp.DropChunks(rec) }

// acked wakes every WaitSent.
func (j *journal) acked() {
	j.mu.Lock()
	close(j.changed)
	j.changed = make(chan struct{})
	j.mu.Unlock()
}

// WaitSent blocks until nothing of rec waits to be sent: the central
// service acknowledged or rejected every item of it.
func (j *journal) WaitSent(ctx context.Context, rec string) error {
	for {
		j.mu.Lock()
		changed := j.changed
		j.mu.Unlock()

		pending, err := j.pending(rec)
		if err != nil {
			return err
		}
		if !pending {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-changed:
		}
	}
}

func (j *journal) pending(rec string) (bool, error) {
	if _, err := j.sp.Recording(rec); errors.Is(err, spool.ErrNotFound) {
		return false, nil
	} else if err != nil {
		return false, err
	}
	n, err := j.sp.PendingCount(rec)
	return n > 0, err
}

// outbox adapts the spool to the uplink's queue interface.
type outbox struct{ sp *spool.Spool }

func (o outbox) Pending(afterID int64, limit int) ([]uplink.Item, error) {
	items, err := o.sp.Pending(afterID, limit)
	if err != nil {
		return nil, err
	}
	out := make([]uplink.Item, len(items))
	for i, it := range items {
		out[i] = uplink.Item{ID: it.ID, Chunk: it.Kind == spool.KindChunk, RecordingID: it.RecordingID, Seq: it.Seq, Payload: it.Payload}
	}
	return out, nil
}

func (o outbox) Acknowledge(rec string, chunks, events []protocol.Range) error {
	if len(chunks) > 0 {
		if _, err := o.sp.Acknowledge(rec, spool.KindChunk, chunks); err != nil {
			return err
		}
	}
	if len(events) > 0 {
		if _, err := o.sp.Acknowledge(rec, spool.KindEvent, events); err != nil {
			return err
		}
	}
	return nil
}

func (o outbox) Reject(rec string, chunk bool, seq uint64, reason string) error {
	kind := spool.KindEvent
	if chunk {
		kind = spool.KindChunk
	}
	return o.sp.Reject(rec, kind, seq, reason)
}

func (o outbox) DropRecording(rec string) error {
	_, err := o.sp.DropRecording(rec)
	return err
}

// recoveryJournal gives session.RecoverInterrupted the spool's counters.
type recoveryJournal struct{ sp *spool.Spool }

func (r recoveryJournal) OpenRecordings() ([]session.OpenRecording, error) {
	recs, err := r.sp.OpenRecordings()
	if err != nil {
		return nil, err
	}
	out := make([]session.OpenRecording, len(recs))
	for i, rec := range recs {
		out[i] = session.OpenRecording{ID: rec.ID, Chunks: rec.NextChunkSeq, Frames: rec.Frames, NextEventSeq: rec.NextEventSeq, LastWrite: rec.LastAddedAt}
	}
	return out, nil
}

func (r recoveryJournal) AddEvent(rec string, seq uint64, msg []byte) error {
	return r.sp.AddEvent(rec, seq, msg)
}

func (r recoveryJournal) CloseRecording(rec string) error { return r.sp.CloseRecording(rec) }
