package ui

import (
	"context"
	"fmt"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// fakeSource is an in-memory Source for the failure cases the real store
// cannot be made to produce on demand. It follows the store's contract:
// errors wrap store.ErrNotFound and store.ErrDeleted, and ReadAudio returns
// frames [from, to) interleaved.
type fakeSource struct {
	recs     []store.Recording
	deleted  map[string]bool
	audio    map[string][]int16
	segments map[string][]store.Segment
	jobs     map[string][]store.Job

	err      error // returned by every method when set
	audioErr error // returned by ReadAudio when set
	reads    int   // ReadAudio calls
}

var _ Source = (*fakeSource)(nil)

func (f *fakeSource) Recordings(ctx context.Context) ([]store.Recording, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.recs, nil
}

func (f *fakeSource) Recording(ctx context.Context, id string) (store.Recording, error) {
	if f.err != nil {
		return store.Recording{}, f.err
	}
	if f.deleted[id] {
		return store.Recording{}, fmt.Errorf("recording %s: %w", id, store.ErrDeleted)
	}
	for _, r := range f.recs {
		if r.ID == id {
			return r, nil
		}
	}
	return store.Recording{}, fmt.Errorf("recording %s: %w", id, store.ErrNotFound)
}

func (f *fakeSource) ReadAudio(ctx context.Context, rec string, from, to uint64) ([]int16, protocol.AudioFormat, error) {
	f.reads++
	r, err := f.Recording(ctx, rec)
	if err != nil {
		return nil, protocol.AudioFormat{}, err
	}
	if f.audioErr != nil {
		return nil, protocol.AudioFormat{}, f.audioErr
	}

	ch := uint64(r.Format.Channels)
	samples := f.audio[rec]
	if from > to || to*ch > uint64(len(samples)) {
		return nil, protocol.AudioFormat{}, fmt.Errorf("frames %d to %d out of range", from, to)
	}
	return samples[from*ch : to*ch], r.Format, nil
}

func (f *fakeSource) Segments(ctx context.Context, rec string) ([]store.Segment, error) {
	if f.err != nil {
		return nil, f.err
	}
	return f.segments[rec], nil
}

func (f *fakeSource) Jobs(ctx context.Context, rec string) ([]store.Job, error) {
	if f.err != nil {
		return nil, f.err
	}
	if f.deleted[rec] {
		return nil, fmt.Errorf("recording %s: %w", rec, store.ErrDeleted)
	}
	return f.jobs[rec], nil
}

// fakeStatuses is a fixed StatusSource.
type fakeStatuses map[string]protocol.Status

func (s fakeStatuses) Statuses() map[string]protocol.Status { return s }
