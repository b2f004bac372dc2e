package vad

import "fmt"

// window is one classified detector window.
type window struct {
	speech bool
	energy float64
	noisy  bool // zero-crossing rate above maxZeroCrossingRate: noise or a sibilant
}

// Cut finds the speech pieces in samples, which are mono frames of the
// recording starting at frame cursor. It returns the pieces whose bounds are
// now final, in order, and the new cursor: every frame before it is decided,
// so the next call passes the audio from the new cursor on.
//
// Pass final=true when no more audio follows (the recording is complete): an
// open piece is then closed at the end of its speech and the cursor moves to
// the end of samples. Without final, a piece stays open until a pause of
// MinPause has been seen or it reaches MaxPiece, and the cursor stays at its
// start. So a caller that feeds audio as it arrives rereads at most about
// MaxPiece of audio per call.
//
// NOTE: WebRTC's detector does not take sibilants for speech. A sibilant
// that ends a word extends the piece (see pause), but one that starts a
// phrase more than Padding before the first voiced sound is cut short.
//
// Each call starts a fresh detector at cursor, so the result depends only on
// the arguments, which makes a cut after a restart identical to one without.
func (s *Segmenter) Cut(samples []int16, cursor uint64, final bool) ([]Piece, uint64, error) {
	wins, err := s.classify(samples)
	if err != nil {
		return nil, cursor, err
	}

	c := cutter{s: s, wins: wins, cursor: cursor, end: cursor + uint64(len(samples)), low: cursor}
	for i := range wins {
		c.step(i)
	}

	if final {
		if c.inSpeech {
			c.close()
		}
		return c.pieces, c.end, nil
	}
	if c.inSpeech {
		return c.pieces, c.pieceStart, nil
	}
	next := c.frame(len(wins))
	if next >= c.low+s.padding {
		next -= s.padding
	} else {
		next = c.low
	}
	return c.pieces, next, nil
}

// classify runs the detector over every full window of samples. A trailing
// partial window is left for the next call, or ignored when final.
func (s *Segmenter) classify(samples []int16) ([]window, error) {
	cls, err := s.classifierNew()
	if err != nil {
		return nil, err
	}

	n := len(samples) / s.window
	wins := make([]window, n)
	for i := range n {
		w := samples[i*s.window : (i+1)*s.window]
		wins[i].energy = energy(w)
		wins[i].noisy = zeroCrossingRate(w) > maxZeroCrossingRate
		if wins[i].energy < s.energyFloor || wins[i].noisy {
			continue
		}
		wins[i].speech, err = cls.isSpeech(w)
		if err != nil {
			return nil, fmt.Errorf("window at frame %d: %w", i*s.window, err)
		}
	}
	return wins, nil
}

// cutter holds the state of one Cut call while it walks the windows.
type cutter struct {
	s      *Segmenter
	wins   []window
	cursor uint64 // frame of window 0
	end    uint64 // frame after the last sample
	low    uint64 // no new piece may start before this frame
	pieces []Piece

	inSpeech    bool
	continued   bool    // the open piece continues one cut at MaxPiece
	regionStart int     // window where the open piece's speech starts
	lastSpeech  int     // last speech window of the open piece
	lastSound   int     // last speech or sibilant window of the open piece
	pauseFloor  float64 // lowest energy in the pause after lastSpeech
	pieceStart  uint64  // first frame of the open piece, padding included
}

func (c *cutter) frame(i int) uint64 { return c.cursor + uint64(i*c.s.window) }

func (c *cutter) step(i int) {
	w := c.wins[i]
	switch {
	case !c.inSpeech && !w.speech:
		return
	case !c.inSpeech:
		c.open(i)
	case w.speech:
		c.lastSpeech = i
		c.lastSound = i
		c.pauseFloor = 0
	case i-c.lastSpeech >= c.s.minPause:
		c.close()
		return
	default:
		c.pause(i)
	}

	// A piece that could not take its end padding any more is cut now.
	if c.frame(i+1)+c.s.padding-c.pieceStart > c.s.maxPiece {
		c.cutLong(i)
	}
}

func (c *cutter) open(i int) {
	c.inSpeech = true
	c.continued = false
	c.regionStart = i
	c.lastSpeech = i
	c.lastSound = i
	c.pauseFloor = 0

	start := c.frame(i)
	if start >= c.low+c.s.padding {
		c.pieceStart = start - c.s.padding
	} else {
		c.pieceStart = c.low
	}
}

// pause notes a non-speech window i inside the open piece. WebRTC's detector
// does not take sibilants for speech, so a noisy window can extend the piece
// as the end of a word (an "s" after a vowel). It must be at least 6 dB above
// the quietest window of the pause so far and at most 150 ms after the last
// sound. Steady noise does not qualify, because it is as loud as the quietest
// window around it.
func (c *cutter) pause(i int) {
	w := c.wins[i]
	if c.pauseFloor == 0 || w.energy < c.pauseFloor {
		c.pauseFloor = w.energy
	}
	if w.noisy && w.energy >= 4*c.pauseFloor && w.energy >= c.s.energyFloor && i-c.lastSound <= c.s.sibilantGap {
		c.lastSound = i
	}
}

// close ends the open piece after its last speech or sibilant window, with
// padding, and drops it when it holds less than MinSpeech of speech.
func (c *cutter) close() {
	c.inSpeech = false

	speechStart := c.frame(c.regionStart)
	speechEnd := c.frame(c.lastSpeech + 1)
	if !c.continued && speechEnd-speechStart < c.s.minSpeech {
		return
	}

	soundEnd := c.frame(c.lastSound + 1)
	p := Piece{Start: c.pieceStart, End: min(soundEnd+c.s.padding, c.end, c.pieceStart+c.s.maxPiece)}
	c.pieces = append(c.pieces, p)
	c.low = p.End
}

// cutLong cuts the open piece at the quietest window among the last
// lookback windows up to window i, preferring windows the detector did not
// take for speech, so that the cut falls between words where there is a gap.
func (c *cutter) cutLong(i int) {
	first := max(c.regionStart+1, i+1-c.s.lookback)
	best := -1
	for j := first; j <= i; j++ {
		if best < 0 || quieter(c.wins[j], c.wins[best]) {
			best = j
		}
	}
	if best < 0 {
		best = i
	}

	cut := c.frame(best)
	c.pieces = append(c.pieces, Piece{Start: c.pieceStart, End: cut})
	c.low = cut

	if c.lastSpeech < best {
		// Everything after the cut is non-speech so far.
		c.inSpeech = false
		return
	}
	c.continued = true
	c.regionStart = best
	c.pieceStart = cut
}

func quieter(a, b window) bool {
	if a.speech != b.speech {
		return !a.speech
	}
	return a.energy < b.energy
}
