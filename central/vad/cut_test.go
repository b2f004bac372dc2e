package vad

import (
	"errors"
	"testing"
	"time"
)

const rate = 16000

// slack is how far past its speech span a piece may reach beyond the
// padding: WebRTC's detector holds its speech decision for a few windows
// after speech ends (its hangover).
const slack = 150 * time.Millisecond

func frames(d time.Duration) int { return int(d * rate / time.Second) }

// meetingTrack joins every clip with gaps of digital silence and of white
// noise at -40, -30 and -21 dBFS (RMS 300, 1000 and 3000).
func meetingTrack(t testing.TB) track {
	clips := loadSpeech(t)
	gaps := []func(int) []int16{
		func(n int) []int16 { return silence(n) },
		func(n int) []int16 { return noise(1, n, 300) },
		func(n int) []int16 { return noise(2, n, 1000) },
		func(n int) []int16 { return noise(3, n, 3000) },
	}

	var tr track
	tr.add(silence(frames(time.Second)), false)
	for i, c := range clips {
		tr.add(c, true)
		tr.add(gaps[i%len(gaps)](frames(1500*time.Millisecond)), false)
	}
	return tr
}

// checkPieces reports every piece that breaks the segmenter's contract on tr:
// loud speech must be covered, a piece reaches into a gap by at most the
// padding plus slack, pieces are ordered, disjoint and within the length
// limits.
func checkPieces(t *testing.T, tr track, pieces []Piece, o Options) {
	t.Helper()
	o = withDefaults(o)

	if len(pieces) == 0 {
		t.Fatal("no pieces, want at least one per clip")
	}
	for i, p := range pieces {
		if p.End <= p.Start || p.End > uint64(len(tr.samples)) {
			t.Errorf("piece %d = %+v, out of the track's %d frames", i, p, len(tr.samples))
		}
		if i > 0 && p.Start < pieces[i-1].End {
			t.Errorf("piece %d = %+v overlaps piece %d = %+v", i, p, i-1, pieces[i-1])
		}
		if d := p.Duration(rate); d > o.MaxPiece {
			t.Errorf("piece %d lasts %s, want at most %s", i, d, o.MaxPiece)
		}
		if d := p.Duration(rate); d < o.MinSpeech {
			t.Errorf("piece %d lasts %s, want at least %s", i, d, o.MinSpeech)
		}
	}

	// A window counts as covered when its middle half is in a piece, because
	// windows of the test and of the segmenter are not aligned.
	for _, f := range tr.loudWindows() {
		if !covered(pieces, f+120, f+360) {
			t.Errorf("loud speech at %s is in no piece", framesToDuration(f, rate))
		}
	}

	limit := uint64(frames(o.Padding + slack))
	for _, g := range tr.spans {
		if g.speech {
			continue
		}
		for i, p := range pieces {
			if ov := overlap(p, g); ov > limit {
				t.Errorf("piece %d = %s..%s covers %s of the gap %s..%s, want at most %s", i,
					framesToDuration(p.Start, rate), framesToDuration(p.End, rate), framesToDuration(ov, rate),
					framesToDuration(g.start, rate), framesToDuration(g.end, rate), framesToDuration(limit, rate))
			}
		}
	}
}

func covered(pieces []Piece, start, end uint64) bool {
	for _, p := range pieces {
		if p.Start <= start && end <= p.End {
			return true
		}
	}
	return false
}

func overlap(p Piece, s span) uint64 {
	lo, hi := max(p.Start, s.start), min(p.End, s.end)
	if hi <= lo {
		return 0
	}
	return hi - lo
}

func TestCutOneCall(t *testing.T) {
	tr := meetingTrack(t)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}

	pieces, cursor, err := s.Cut(tr.samples, 0, true)
	if err != nil {
		t.Fatal(err)
	}

	if cursor != uint64(len(tr.samples)) {
		t.Errorf("Cut(final) cursor = %d, want %d", cursor, len(tr.samples))
	}
	checkPieces(t, tr, pieces, Options{})
}

// stream feeds tr to s in chunks of the given length, the way the pipeline
// reads a recording while it arrives, and returns every piece. Each call
// passes only the audio from the cursor on. newSegmenter is called before
// every call, so a fresh Segmenter plays the part of a restarted service.
func stream(t *testing.T, tr track, chunk int, newSegmenter func() *Segmenter) []Piece {
	t.Helper()

	var all []Piece
	var cursor uint64
	available := 0
	for available < len(tr.samples) {
		available = min(available+chunk, len(tr.samples))
		final := available == len(tr.samples)

		pieces, next, err := newSegmenter().Cut(tr.samples[cursor:available], cursor, final)
		if err != nil {
			t.Fatal(err)
		}
		if next < cursor || next > uint64(available) {
			t.Fatalf("Cut(%d..%d) cursor = %d, want within %d..%d", cursor, available, next, cursor, available)
		}
		for _, p := range pieces {
			if p.Start < cursor || p.End > next {
				t.Errorf("Cut(%d..%d) returned piece %+v outside cursor %d..%d", cursor, available, p, cursor, next)
			}
		}
		all = append(all, pieces...)
		cursor = next
	}
	return all
}

func TestCutStreaming(t *testing.T) {
	tr := meetingTrack(t)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, chunk := range []time.Duration{100 * time.Millisecond, time.Second, 5 * time.Second} {
		t.Run(chunk.String(), func(t *testing.T) {
			pieces := stream(t, tr, frames(chunk), func() *Segmenter { return s })
			checkPieces(t, tr, pieces, Options{})
		})
	}
}

func TestCutResumesAfterRestart(t *testing.T) {
	tr := meetingTrack(t)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}
	want := stream(t, tr, frames(5*time.Second), func() *Segmenter { return s })

	got := stream(t, tr, frames(5*time.Second), func() *Segmenter {
		fresh, err := New(nil)
		if err != nil {
			t.Fatal(err)
		}
		return fresh
	})

	if len(got) != len(want) {
		t.Fatalf("pieces after restarts = %v, want %v", got, want)
	}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("piece %d after restarts = %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestCutLongSpeech(t *testing.T) {
	clips := loadSpeech(t)
	var tr track
	for range 3 {
		for _, c := range clips {
			tr.add(c, true)
		}
	}
	o := Options{MaxPiece: 10 * time.Second, MaxPieceLookback: 3 * time.Second}
	s, err := New(&o)
	if err != nil {
		t.Fatal(err)
	}

	for _, chunk := range []time.Duration{5 * time.Second, time.Hour} {
		t.Run(chunk.String(), func(t *testing.T) {
			pieces := stream(t, tr, frames(chunk), func() *Segmenter { return s })

			if min := len(tr.samples) / frames(o.MaxPiece); len(pieces) < min {
				t.Errorf("%s of speech gave %d pieces, want at least %d", framesToDuration(uint64(len(tr.samples)), rate), len(pieces), min)
			}
			checkPieces(t, tr, pieces, o)
		})
	}
}

func TestCutNoSpeech(t *testing.T) {
	tests := []struct {
		name    string
		samples []int16
	}{
		{"silence", silence(frames(10 * time.Second))},
		{"dither", noise(4, frames(10*time.Second), 3)},
		{"noise_-40dBFS", noise(5, frames(10*time.Second), 300)},
		{"noise_-30dBFS", noise(6, frames(10*time.Second), 1000)},
		{"noise_-21dBFS", noise(7, frames(10*time.Second), 3000)},
	}
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pieces, cursor, err := s.Cut(tt.samples, 1000, false)
			if err != nil {
				t.Fatal(err)
			}

			if len(pieces) != 0 {
				t.Errorf("Cut(%s) = %v, want no pieces", tt.name, pieces)
			}
			// Everything but the padding before a possible next piece is decided.
			if want := uint64(1000 + len(tt.samples)/480*480 - frames(200*time.Millisecond)); cursor != want {
				t.Errorf("Cut(%s) cursor = %d, want %d", tt.name, cursor, want)
			}
		})
	}
}

func TestCutDropsShortSound(t *testing.T) {
	clip := loadSpeech(t)[0]
	var tr track
	tr.add(silence(frames(time.Second)), false)
	tr.add(clip[frames(time.Second):frames(1100*time.Millisecond)], false) // 100 ms of speech
	tr.add(silence(frames(time.Second)), false)
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}

	pieces, _, err := s.Cut(tr.samples, 0, true)
	if err != nil {
		t.Fatal(err)
	}

	if len(pieces) != 0 {
		t.Errorf("Cut(100ms of sound) = %v, want no pieces", pieces)
	}
}

func TestCutKeepsOpenPiece(t *testing.T) {
	clip := loadSpeech(t)[0]
	s, err := New(nil)
	if err != nil {
		t.Fatal(err)
	}

	// The clip ends in speech, so without final the piece stays open.
	pieces, cursor, err := s.Cut(clip, 500, false)
	if err != nil {
		t.Fatal(err)
	}
	if len(pieces) != 0 {
		t.Errorf("Cut(speech, not final) = %v, want no pieces yet", pieces)
	}
	if cursor != 500 {
		t.Errorf("Cut(speech, not final) cursor = %d, want 500 (the open piece's start)", cursor)
	}

	pieces, cursor, err = s.Cut(clip, 500, true)
	if err != nil {
		t.Fatal(err)
	}
	if want := []Piece{{500, 500 + uint64(len(clip))}}; len(pieces) != 1 || pieces[0] != want[0] {
		t.Errorf("Cut(speech, final) = %v, want %v", pieces, want)
	}
	if want := 500 + uint64(len(clip)); cursor != want {
		t.Errorf("Cut(speech, final) cursor = %d, want %d", cursor, want)
	}
}

func TestNewRejectsInvalidOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
	}{
		{"rate", Options{SampleRate: 44100}},
		{"window", Options{Window: 25 * time.Millisecond}},
		{"mode", Options{Mode: 4}},
		{"padding", Options{Padding: 300 * time.Millisecond}},
		{"max_piece", Options{MaxPiece: time.Second}},
		{"lookback", Options{MaxPiece: 10 * time.Second, MaxPieceLookback: 10 * time.Second}},
		{"negative", Options{MinSpeech: -time.Second}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(&tt.opts)
			if !errors.Is(err, ErrInvalidOptions) {
				t.Errorf("New(%+v) error = %v, want ErrInvalidOptions", tt.opts, err)
			}
		})
	}
}

func BenchmarkCut(b *testing.B) {
	tr := meetingTrack(b)
	s, err := New(nil)
	if err != nil {
		b.Fatal(err)
	}
	audio := framesToDuration(uint64(len(tr.samples)), rate)

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if _, _, err := s.Cut(tr.samples, 0, true); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(audio.Seconds()*float64(b.N)/b.Elapsed().Seconds(), "x_realtime")
}
