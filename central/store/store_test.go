package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestAudioRoundTrip(t *testing.T) {
	for _, f := range []protocol.AudioFormat{pcmMono, pcm2ch, flac2ch} {
		t.Run(string(f.Codec)+"-"+string(rune('0'+f.Channels))+"ch", func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			const frames = 16000
			putEvents(t, e.s, "box-1", "rec-1", consent(0, f))
			putChunks(t, e.s, "box-1", "rec-1", f, frames, 0, 1, 2)

			want := tone(0, 3*frames, f.Channels)
			tests := []struct{ from, to uint64 }{
				{0, 3 * frames},
				{100, 200},
				{frames - 10, frames + 10},        // across one chunk boundary
				{frames / 2, 2*frames + frames/2}, // across two
				{3*frames - 1, 3 * frames},
			}
			for _, tt := range tests {
				got, gotFormat, err := e.s.ReadAudio(ctx, "rec-1", tt.from, tt.to)
				if err != nil {
					t.Fatalf("ReadAudio(%d, %d) = %v", tt.from, tt.to, err)
				}
				if gotFormat != f {
					t.Errorf("ReadAudio(%d, %d) format = %+v, want %+v", tt.from, tt.to, gotFormat, f)
				}
				if diff := cmp.Diff(want[tt.from*uint64(f.Channels):tt.to*uint64(f.Channels)], got); diff != "" {
					t.Errorf("ReadAudio(%d, %d) samples (-want +got):\n%s", tt.from, tt.to, diff)
				}
			}

			if _, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 3*frames+1); !errors.Is(err, ErrNotFound) {
				t.Errorf("ReadAudio past the stored frames = %v, want ErrNotFound", err)
			}
			if _, _, err := e.s.ReadAudio(ctx, "rec-1", 5, 5); err == nil {
				t.Errorf("ReadAudio of an empty range = nil error, want an error")
			}
		})
	}
}

func TestRecordingMetadata(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 8000, 0)
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 8000, 1)

	got, err := e.s.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	want := Recording{
		ID: "rec-1", BoxID: "box-1", BadgeID: "badge-7", Board: "sim", State: StateRecording, Format: pcmMono,
		FirstSeen: e.clock.Now(), ConsentAt: time.Date(2026, 12, 4, 13, 0, 0, 0, time.UTC),
		ChunksExpected: -1, ChunksReceived: 2, FramesReceived: 16000, ContiguousFrames: 16000,
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Recording (-want +got):\n%s", diff)
	}

	putEvents(t, e.s, "box-1", "rec-1", end(1, 2, 16000))
	got, err = e.s.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	want.State, want.EndedAt, want.ChunksExpected, want.Complete = StateEnded, want.ConsentAt.Add(time.Minute), 2, true
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Recording after end (-want +got):\n%s", diff)
	}
}

func TestRecordingsNewestFirst(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, rec := range []string{"rec-a", "rec-b", "rec-c"} {
		e.clock.Set(time.Date(2026, 12, 4, 14, i, 0, 0, time.UTC))
		putChunks(t, e.s, "box-1", rec, pcmMono, 100, 0)
	}
	if err := e.s.DeleteRecording(ctx, "rec-b", "test"); err != nil {
		t.Fatal(err)
	}

	recs, err := e.s.Recordings(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.ID)
	}
	if diff := cmp.Diff([]string{"rec-c", "rec-a"}, ids); diff != "" {
		t.Errorf("Recordings ids (-want +got):\n%s", diff)
	}
}

func TestNewestRecordingOfBox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	for i, r := range []struct{ box, rec string }{{"box-1", "rec-a"}, {"box-2", "rec-b"}, {"box-1", "rec-c"}, {"box-1", "rec-d"}} {
		e.clock.Set(time.Date(2026, 12, 4, 14, i, 0, 0, time.UTC))
		putChunks(t, e.s, r.box, r.rec, pcmMono, 100, 0)
	}
	if err := e.s.DeleteRecording(ctx, "rec-d", "test"); err != nil {
		t.Fatal(err)
	}

	for box, want := range map[string]string{"box-1": "rec-c", "box-2": "rec-b"} {
		rec, err := e.s.NewestRecordingOfBox(ctx, box)
		if err != nil || rec.ID != want || rec.ChunksReceived != 1 {
			t.Errorf("NewestRecordingOfBox(%s) = %s with %d chunks, %v, want %s with 1 chunk", box, rec.ID, rec.ChunksReceived, err, want)
		}
	}
	if _, err := e.s.NewestRecordingOfBox(ctx, "box-3"); !errors.Is(err, ErrNotFound) {
		t.Errorf("NewestRecordingOfBox(box-3) error = %v, want ErrNotFound", err)
	}
}

func TestPutChunkIdempotent(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	h, audio := chunk(t, pcmMono, 0, 1000)

	dup, err := e.s.PutChunk(ctx, "box-1", "rec-1", 0, h, audio)
	if err != nil || dup {
		t.Fatalf("first PutChunk = %v, %v, want false, nil", dup, err)
	}
	dup, err = e.s.PutChunk(ctx, "box-1", "rec-1", 0, h, audio)
	if err != nil || !dup {
		t.Fatalf("repeated PutChunk = %v, %v, want true, nil", dup, err)
	}

	other := append([]byte(nil), audio...)
	other[10] ^= 0xFF
	if _, err := e.s.PutChunk(ctx, "box-1", "rec-1", 0, h, other); !errors.Is(err, ErrConflict) {
		t.Errorf("PutChunk with other audio under a stored seq = %v, want ErrConflict", err)
	}
	later := h
	later.CapturedAt = later.CapturedAt.Add(time.Second)
	if _, err := e.s.PutChunk(ctx, "box-1", "rec-1", 0, later, audio); !errors.Is(err, ErrConflict) {
		t.Errorf("PutChunk with another header under a stored seq = %v, want ErrConflict", err)
	}

	seqs, err := e.s.ChunkSeqs(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]uint64{0}, seqs); diff != "" {
		t.Errorf("ChunkSeqs (-want +got):\n%s", diff)
	}
}

func TestWrongBox(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1000, 0)

	h, audio := chunk(t, pcmMono, 1000, 1000)
	if _, err := e.s.PutChunk(ctx, "box-2", "rec-1", 1, h, audio); !errors.Is(err, ErrWrongBox) {
		t.Errorf("PutChunk from another box = %v, want ErrWrongBox", err)
	}
	if _, err := e.s.PutEvent(ctx, "box-2", "rec-1", consent(0, pcmMono)); !errors.Is(err, ErrWrongBox) {
		t.Errorf("PutEvent from another box = %v, want ErrWrongBox", err)
	}
	if _, err := e.s.PutEvent(ctx, "box-2", "rec-1", event(1, protocol.EventWithdraw, 0)); !errors.Is(err, ErrWrongBox) {
		t.Errorf("withdraw from another box = %v, want ErrWrongBox", err)
	}

	seqs, err := e.s.ChunkSeqs(ctx, "rec-1")
	if err != nil {
		t.Fatalf("ChunkSeqs after rejected messages = %v", err)
	}
	if diff := cmp.Diff([]uint64{0}, seqs); diff != "" {
		t.Errorf("ChunkSeqs (-want +got):\n%s", diff)
	}
}

func TestDeletedRecording(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1000, 0)

	if err := e.s.DeleteRecording(ctx, "rec-1", "test"); err != nil {
		t.Fatalf("DeleteRecording = %v", err)
	}
	if err := e.s.DeleteRecording(ctx, "rec-1", "test"); err != nil {
		t.Errorf("second DeleteRecording = %v, want nil", err)
	}
	if err := e.s.DeleteRecording(ctx, "rec-unknown", "test"); !errors.Is(err, ErrNotFound) {
		t.Errorf("DeleteRecording of an unknown id = %v, want ErrNotFound", err)
	}

	h, audio := chunk(t, pcmMono, 1000, 1000)
	if _, err := e.s.PutChunk(ctx, "box-1", "rec-1", 1, h, audio); !errors.Is(err, ErrDeleted) {
		t.Errorf("PutChunk after delete = %v, want ErrDeleted", err)
	}
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventPause, time.Second)); !errors.Is(err, ErrDeleted) {
		t.Errorf("PutEvent after delete = %v, want ErrDeleted", err)
	}
	if _, err := e.s.Recording(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
		t.Errorf("Recording after delete = %v, want ErrDeleted", err)
	}
	if _, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 10); !errors.Is(err, ErrDeleted) {
		t.Errorf("ReadAudio after delete = %v, want ErrDeleted", err)
	}
	if _, err := e.s.Segments(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
		t.Errorf("Segments after delete = %v, want ErrDeleted", err)
	}
	if _, err := e.s.Recording(ctx, "rec-unknown"); !errors.Is(err, ErrNotFound) {
		t.Errorf("Recording of an unknown id = %v, want ErrNotFound", err)
	}
}

func TestWithdrawDeletes(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1000, 0, 1)

	dup, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second))
	if err != nil || dup {
		t.Fatalf("PutEvent(withdraw) = %v, %v, want false, nil", dup, err)
	}
	if _, err := e.s.Recording(ctx, "rec-1"); !errors.Is(err, ErrDeleted) {
		t.Errorf("Recording after withdraw = %v, want ErrDeleted", err)
	}
	if n := countRows(t, e, "chunks", "rec-1") + countRows(t, e, "events", "rec-1"); n != 0 {
		t.Errorf("%d chunk and event rows left after withdraw, want 0", n)
	}
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(1, protocol.EventWithdraw, time.Second)); !errors.Is(err, ErrDeleted) {
		t.Errorf("repeated withdraw = %v, want ErrDeleted", err)
	}
}

func TestWithdrawBeforeAnyMessage(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(3, protocol.EventWithdraw, time.Second)); err != nil {
		t.Fatalf("PutEvent(withdraw) of an unknown recording = %v", err)
	}

	h, audio := chunk(t, pcmMono, 0, 1000)
	if _, err := e.s.PutChunk(ctx, "box-1", "rec-1", 0, h, audio); !errors.Is(err, ErrDeleted) {
		t.Errorf("PutChunk after an early withdraw = %v, want ErrDeleted", err)
	}
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", consent(0, pcmMono)); !errors.Is(err, ErrDeleted) {
		t.Errorf("consent after an early withdraw = %v, want ErrDeleted", err)
	}
	if _, err := e.s.PutChunk(ctx, "box-2", "rec-1", 0, h, audio); !errors.Is(err, ErrWrongBox) {
		t.Errorf("PutChunk from another box after an early withdraw = %v, want ErrWrongBox", err)
	}
}

func TestOutOfOrderChunks(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const frames = 1600
	putChunks(t, e.s, "box-1", "rec-1", pcmMono, frames, 0, 2, 4)

	check := func(wantContiguous uint64, wantReceived int64, wantComplete bool) {
		t.Helper()
		r, err := e.s.Recording(ctx, "rec-1")
		if err != nil {
			t.Fatal(err)
		}
		if r.ContiguousFrames != wantContiguous || r.ChunksReceived != wantReceived || r.Complete != wantComplete {
			t.Errorf("Recording = contiguous %d, received %d, complete %v, want %d, %d, %v",
				r.ContiguousFrames, r.ChunksReceived, r.Complete, wantContiguous, wantReceived, wantComplete)
		}
		if r.FramesReceived != uint64(wantReceived)*frames {
			t.Errorf("FramesReceived = %d, want %d", r.FramesReceived, uint64(wantReceived)*frames)
		}
	}
	check(frames, 3, false)

	if _, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 3*frames); !errors.Is(err, ErrNotFound) {
		t.Errorf("ReadAudio over a missing chunk = %v, want ErrNotFound", err)
	}

	putEvents(t, e.s, "box-1", "rec-1", end(5, 5, 5*frames))
	check(frames, 3, false)

	putChunks(t, e.s, "box-1", "rec-1", pcmMono, frames, 3)
	check(frames, 4, false)

	putChunks(t, e.s, "box-1", "rec-1", pcmMono, frames, 1)
	check(5*frames, 5, true)

	got, _, err := e.s.ReadAudio(ctx, "rec-1", 0, 5*frames)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tone(0, 5*frames, 1), got); diff != "" {
		t.Errorf("ReadAudio after all chunks arrived (-want +got):\n%s", diff)
	}
}

func TestPutChunkRejects(t *testing.T) {
	const frames = 1600
	valid := func(t *testing.T, first uint64) (protocol.ChunkHeader, []byte) {
		return chunk(t, pcmMono, first, frames)
	}
	tests := []struct {
		name  string
		box   string
		rec   string
		seq   uint64
		chunk func(t *testing.T) (protocol.ChunkHeader, []byte)
		want  error // besides ErrInvalid, when set
	}{
		{"invalid-box-id", "Box/1", "rec-1", 5, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 5*frames) }, nil},
		{"invalid-recording-id", "box-1", "rec 1", 5, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 5*frames) }, nil},
		{"seq-too-large", "box-1", "rec-1", 1 << 63, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 5*frames) }, nil},
		{"other-format", "box-1", "rec-1", 5, func(t *testing.T) (protocol.ChunkHeader, []byte) { return chunk(t, pcm2ch, 5*frames, frames) }, nil},
		{"gap-after-previous", "box-1", "rec-1", 2, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 2*frames+1) }, nil},
		{"follows-previous-with-gap", "box-1", "rec-1", 5, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 5*frames+1) }, nil},
		{"overlap-with-previous", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 2*frames-1) }, nil},
		{"overlap-with-next", "box-1", "rec-1", 2, func(t *testing.T) (protocol.ChunkHeader, []byte) { return chunk(t, pcmMono, 2*frames, 2*frames+1) }, nil},
		{"not-meeting-next", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) { return chunk(t, pcmMono, 2*frames+5, frames-10) }, nil},
		{"first-chunk-not-at-zero", "box-1", "rec-2", 0, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 1) }, nil},
		{"beyond-announced-chunks", "box-1", "rec-1", 10, func(t *testing.T) (protocol.ChunkHeader, []byte) { return valid(t, 10*frames) }, ErrConflict},
		{"frame-count-mismatch", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) {
			h, audio := valid(t, 3*frames)
			h.Frames++
			return h, audio
		}, nil},
		{"truncated-pcm", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) {
			h, audio := valid(t, 3*frames)
			return h, audio[:len(audio)-1]
		}, nil},
		{"invalid-flac", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) {
			h, audio := valid(t, 3*frames)
			h.Format.Codec = protocol.CodecFLAC
			return h, audio
		}, nil},
		{"empty-audio", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) {
			h, _ := valid(t, 3*frames)
			return h, nil
		}, nil},
		{"invalid-header", "box-1", "rec-1", 3, func(t *testing.T) (protocol.ChunkHeader, []byte) {
			h, audio := valid(t, 3*frames)
			h.Frames = 0
			return h, audio
		}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			putChunks(t, e.s, "box-1", "rec-1", pcmMono, frames, 0, 1, 4)
			putEvents(t, e.s, "box-1", "rec-1", end(0, 10, 10*frames))
			before, err := e.s.Recording(ctx, "rec-1")
			if err != nil {
				t.Fatal(err)
			}

			h, audio := tt.chunk(t)
			dup, err := e.s.PutChunk(ctx, tt.box, tt.rec, tt.seq, h, audio)
			if err == nil {
				t.Fatalf("PutChunk(%s) = %v, nil, want an error", tt.name, dup)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("PutChunk(%s) = %v, want ErrInvalid", tt.name, err)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("PutChunk(%s) = %v, want %v", tt.name, err, tt.want)
			}
			t.Logf("error: %v", err)

			after, err := e.s.Recording(ctx, "rec-1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(before, after); diff != "" {
				t.Errorf("rejected chunk changed the recording (-before +after):\n%s", diff)
			}
			if _, err := e.s.Recording(ctx, "rec-2"); !errors.Is(err, ErrNotFound) {
				t.Errorf("rejected chunk created recording rec-2: Recording = %v, want ErrNotFound", err)
			}
		})
	}
}

func TestEvents(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	state := func(want State) {
		t.Helper()
		r, err := e.s.Recording(ctx, "rec-1")
		if err != nil {
			t.Fatal(err)
		}
		if r.State != want {
			t.Errorf("State = %s, want %s", r.State, want)
		}
	}

	putEvents(t, e.s, "box-1", "rec-1", consent(0, pcmMono))
	state(StateRecording)
	putEvents(t, e.s, "box-1", "rec-1", event(2, protocol.EventResume, 20*time.Second))
	putEvents(t, e.s, "box-1", "rec-1", event(1, protocol.EventPause, 10*time.Second)) // arrives late
	state(StateRecording)
	putEvents(t, e.s, "box-1", "rec-1", event(3, protocol.EventPause, 30*time.Second))
	state(StatePaused)

	dup, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(3, protocol.EventPause, 30*time.Second))
	if err != nil || !dup {
		t.Errorf("repeated PutEvent = %v, %v, want true, nil", dup, err)
	}
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", event(3, protocol.EventResume, 30*time.Second)); !errors.Is(err, ErrConflict) {
		t.Errorf("PutEvent with other content under a stored seq = %v, want ErrConflict", err)
	}
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", consent(9, pcmMono)); !errors.Is(err, ErrConflict) {
		t.Errorf("second consent = %v, want ErrConflict", err)
	}

	interrupted := event(4, protocol.EventInterrupted, time.Minute)
	interrupted.End = &protocol.EndInfo{Chunks: 0, Frames: 0}
	putEvents(t, e.s, "box-1", "rec-1", interrupted)
	state(StateInterrupted)
	putEvents(t, e.s, "box-1", "rec-1", event(5, protocol.EventResume, 2*time.Minute))
	state(StateInterrupted)
	if _, err := e.s.PutEvent(ctx, "box-1", "rec-1", end(6, 0, 0)); !errors.Is(err, ErrConflict) {
		t.Errorf("end after interrupted = %v, want ErrConflict", err)
	}

	got, err := e.s.Events(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	want := []protocol.Event{
		consent(0, pcmMono),
		event(1, protocol.EventPause, 10*time.Second),
		event(2, protocol.EventResume, 20*time.Second),
		event(3, protocol.EventPause, 30*time.Second),
		interrupted,
		event(5, protocol.EventResume, 2*time.Minute),
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Events (-want +got):\n%s", diff)
	}

	r, err := e.s.Recording(ctx, "rec-1")
	if err != nil {
		t.Fatal(err)
	}
	if !r.Complete || r.ChunksExpected != 0 {
		t.Errorf("interrupted recording with no chunks: Complete = %v, ChunksExpected = %d, want true, 0", r.Complete, r.ChunksExpected)
	}
}

func TestPutEventRejects(t *testing.T) {
	noStart := consent(0, pcmMono)
	noStart.Start = nil
	badFormat := consent(0, protocol.AudioFormat{Codec: "mp3", SampleRate: 16000, Channels: 1, Bits: 16})
	noEnd := event(1, protocol.EventEnd, time.Minute)
	noTime := event(1, protocol.EventPause, 0)
	noTime.At = time.Time{}
	tests := []struct {
		name string
		e    protocol.Event
		want error
	}{
		{"consent-without-start", noStart, ErrInvalid},
		{"consent-with-invalid-format", badFormat, ErrInvalid},
		{"consent-with-other-format", consent(0, pcm2ch), ErrInvalid},
		{"end-without-end-info", noEnd, ErrInvalid},
		{"missing-time", noTime, ErrInvalid},
		{"unknown-type", event(1, "explode", 0), ErrInvalid},
		{"end-excluding-stored-chunk", end(1, 1, 3200), ErrConflict},
		{"end-excluding-stored-frames", end(1, 2, 1600), ErrConflict},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			ctx := context.Background()
			putChunks(t, e.s, "box-1", "rec-1", pcmMono, 1600, 0, 1)

			_, err := e.s.PutEvent(ctx, "box-1", "rec-1", tt.e)
			if err == nil {
				t.Fatalf("PutEvent(%s) = nil error, want an error", tt.name)
			}
			if !errors.Is(err, tt.want) {
				t.Errorf("PutEvent(%s) = %v, want %v", tt.name, err, tt.want)
			}
			t.Logf("error: %v", err)
			events, err := e.s.Events(ctx, "rec-1")
			if err != nil || len(events) != 0 {
				t.Errorf("Events after a rejected event = %v, %v, want none", events, err)
			}
		})
	}
}
