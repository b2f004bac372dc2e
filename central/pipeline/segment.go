package pipeline

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/central/vad"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// SegmentAll cuts the new audio of every recording into jobs. Run calls it
// at start and every PollInterval; errors are logged per recording.
func (p *Pipeline) SegmentAll(ctx context.Context) {
	recs, err := p.st.Recordings(ctx)
	if err != nil {
		p.logError("recordings", "listing recordings failed", err)
		return
	}
	p.clearError("recordings")
	p.forgetOthers(recs)

	for _, rec := range recs {
		if ctx.Err() != nil {
			return
		}
		p.segmentLogged(ctx, rec)
	}
}

// forgetOthers drops what the pipeline remembers of recordings that are no
// longer listed, because they were deleted.
func (p *Pipeline) forgetOthers(recs []store.Recording) {
	live := make(map[string]bool, len(recs))
	for _, r := range recs {
		live[r.ID] = true
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	for id := range p.seen {
		if !live[id] {
			delete(p.seen, id)
			delete(p.lastErrors, "segment/"+id)
		}
	}
}

// segmentNotified cuts the recordings named by Notify since the last pass.
func (p *Pipeline) segmentNotified(ctx context.Context) {
	p.mu.Lock()
	ids := slices.Sorted(maps.Keys(p.notified))
	clear(p.notified)
	p.mu.Unlock()

	for _, id := range ids {
		rec, err := p.st.Recording(ctx, id)
		if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrDeleted) {
			continue
		}
		if err != nil {
			p.logError("recording/"+id, "reading recording failed", err, "recording_id", id)
			continue
		}
		p.segmentLogged(ctx, rec)
	}
}

func (p *Pipeline) segmentLogged(ctx context.Context, rec store.Recording) {
	key := "segment/" + rec.ID
	added, err := p.Segment(ctx, rec)
	if err != nil {
		if ctx.Err() == nil {
			p.logError(key, "segmenting recording failed", err, "recording_id", rec.ID)
		}
		return
	}
	p.clearError(key)

	if added > 0 {
		select {
		case p.jobWake <- struct{}{}:
		default:
		}
	}
}

// Segment cuts the audio of rec that arrived since the last call into
// speech pieces and adds a job for each. It returns the number of jobs
// added. The segmenter cursor in the store records the progress, so Segment
// may be called again at any time, also after a restart.
func (p *Pipeline) Segment(ctx context.Context, rec store.Recording) (int, error) {
	state := recordingState{frames: rec.ContiguousFrames, complete: rec.Complete}
	p.mu.Lock()
	unchanged := p.seen[rec.ID] == state
	p.mu.Unlock()
	if unchanged {
		return 0, nil
	}

	cursor, err := p.st.SegmenterCursor(ctx, rec.ID)
	if err != nil {
		return 0, err
	}
	seg, err := p.segmenter(rec.Format.SampleRate)
	if err != nil {
		return 0, fmt.Errorf("recording %s: %w", rec.ID, err)
	}

	added := 0
	for cursor < rec.ContiguousFrames {
		to := min(rec.ContiguousFrames, cursor+maxReadFrames)
		final := rec.Complete && to == rec.ContiguousFrames

		next, n, err := p.cut(ctx, seg, rec.ID, cursor, to, final)
		added += n
		if err != nil {
			return added, err
		}
		// Stop at the end of the stored audio, and when an open piece
		// waits for more of it.
		if to == rec.ContiguousFrames || next == cursor {
			break
		}
		cursor = next
	}

	p.mu.Lock()
	p.seen[rec.ID] = state
	p.mu.Unlock()
	return added, nil
}

// cut runs the segmenter over frames [from, to) of rec, adds a job per piece
// and stores the new cursor. It returns the cursor and the jobs added.
func (p *Pipeline) cut(ctx context.Context, seg *vad.Segmenter, rec string, from, to uint64, final bool) (uint64, int, error) {
	samples, format, err := p.st.ReadAudio(ctx, rec, from, to)
	if err != nil {
		return from, 0, err
	}
	mono, err := audio.MixDown(samples, format.Channels)
	if err != nil {
		return from, 0, fmt.Errorf("recording %s frames [%d, %d): %w", rec, from, to, err)
	}

	pieces, next, err := seg.Cut(mono, from, final)
	if err != nil {
		return from, 0, fmt.Errorf("recording %s frames [%d, %d): %w", rec, from, to, err)
	}

	for i, piece := range pieces {
		// Each job moves the cursor to its own end, so a crash between two
		// AddJob calls cuts the rest again from there.
		job, err := p.st.AddJob(ctx, rec, piece.Start, piece.End, piece.End)
		if err != nil {
			return from, i, err
		}
		p.log.Info("transcription job added", "recording_id", rec, "job_id", job.ID,
			"start_frame", piece.Start, "frames", piece.Len(), "duration_ms", piece.Duration(format.SampleRate).Milliseconds())
	}
	if err := p.st.SetSegmenterCursor(ctx, rec, next); err != nil {
		return from, len(pieces), err
	}
	return next, len(pieces), nil
}

// segmenter returns the segmenter for a sample rate, creating it once.
func (p *Pipeline) segmenter(rate int) (*vad.Segmenter, error) {
	p.mu.Lock()
	defer p.mu.Unlock()

	if s, ok := p.segmenters[rate]; ok {
		return s, nil
	}
	o := p.segOpts
	o.SampleRate = rate
	s, err := vad.New(&o)
	if err != nil {
		return nil, err
	}
	p.segmenters[rate] = s
	return s, nil
}
