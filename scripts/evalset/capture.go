package main

import (
	"fmt"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// The simulated meeting room: a 5.0 x 4.2 x 2.7 m office with the box on a
// table, seated speakers' mouths 0.4 m above the table and a ventilation
// outlet near the ceiling in a corner as the noise source.
var (
	meetingRoom = vec{5.0, 4.2, 2.7}
	boxCentre   = vec{2.3, 1.9, 0.75}
	ventOutlet  = vec{4.6, 3.9, 2.5}
	mouthHeight = 1.15
)

// capture places the dialogue's speakers in the room and records them with
// the named board's microphones.
func capture(d dialogue, dry []utterance, boardName string, rt60, snr float64) (*recording, error) {
	prof, err := board.Lookup(boardName)
	if err != nil {
		return nil, err
	}
	if len(prof.Mics) == 0 {
		return nil, fmt.Errorf("board %s has no microphone positions", boardName)
	}
	r := room{size: meetingRoom, rt60: rt60}
	// NOTE: the responses are cut at the Sabine time or at 0.6 s. The
	// image method decays more slowly than Sabine's formula, so the cut
	// falls 40 to 60 dB down rather than at 60 dB.
	length := min(rt60, 0.6)

	var mics []vec
	for _, m := range prof.Mics {
		mics = append(mics, vec{boxCentre.x + m.X, boxCentre.y + m.Y, boxCentre.z + m.Z})
	}
	var seats []vec
	for _, p := range d.people {
		a := p.azimuth * math.Pi / 180
		seats = append(seats, vec{boxCentre.x + p.distance*math.Cos(a), boxCentre.y + p.distance*math.Sin(a), mouthHeight})
	}

	frames := 0
	for _, u := range dry {
		frames = max(frames, u.start+len(u.samples))
	}
	frames += int(0.5 * rate)

	// Each speaker's dry track, convolved with the response to each mic.
	channels := make([][]float64, len(mics))
	for i := range channels {
		channels[i] = make([]float64, frames)
	}
	for sp := range d.people {
		track := make([]float64, frames)
		for _, u := range dry {
			if u.speaker == sp {
				for i, x := range u.samples {
					track[u.start+i] += x
				}
			}
		}
		for m, mic := range mics {
			h, err := r.impulseResponse(seats[sp], mic, rate, length)
			if err != nil {
				return nil, err
			}
			wet := convolve(track, h)
			for i := range channels[m] {
				channels[m][i] += wet[i]
			}
		}
	}

	var turns []der.Turn
	for _, u := range dry {
		turns = append(turns, u.turns...)
	}
	slices.SortFunc(turns, func(a, b der.Turn) int { return compareFloat(a.Start, b.Start) })

	name := fmt.Sprintf("%s-%s-rt%03d-snr%02d", d.name, shortBoard(boardName), int(math.Round(rt60*100)), int(snr))
	if err := addNoise(channels, turns, r, mics, snr, seedOf(name)); err != nil {
		return nil, err
	}

	for _, c := range channels {
		highPass(c)
	}

	// The measured decay differs from Sabine's, so it is recorded too.
	long, err := r.impulseResponse(seats[0], mics[0], rate, 1.5*rt60+0.3)
	if err != nil {
		return nil, err
	}

	cond := Condition{
		T20:      math.Round(t20(long)*1000) / 1000,
		Name:     name,
		Dialogue: d.name,
		Board:    boardName,
		Channels: len(mics),
		Speakers: len(d.people),
		RT60:     rt60,
		SNR:      snr,
		Seconds:  float64(frames) / rate,
	}
	for _, p := range d.people {
		if p.caseworker {
			az := p.azimuth
			cond.CaseworkerAzimuth = &az
		}
	}
	return &recording{cond: cond, samples: interleave(channels), turns: turns}, nil
}

func shortBoard(name string) string {
	switch name {
	case "respeaker-2mic":
		return "2mic"
	case "respeaker-4mic":
		return "4mic"
	}
	return name
}

func compareFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// addNoise adds pink noise from the ventilation outlet, scaled so that the
// speech-to-noise power ratio at the first microphone over the reference
// speech is snr dB, and independent sensor noise 50 dB below the speech.
func addNoise(channels [][]float64, turns []der.Turn, r room, mics []vec, snr float64, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, 2))
	frames := len(channels[0])

	var speech float64
	var n int
	for _, t := range turns {
		for i := int(t.Start * rate); i < min(frames, int(t.End*rate)); i++ {
			speech += channels[0][i] * channels[0][i]
			n++
		}
	}
	if n == 0 {
		return fmt.Errorf("no reference speech to set the noise level against")
	}
	speech /= float64(n)

	pink := pinkNoise(rng, frames)
	var noises [][]float64
	var noisePower float64
	for m, mic := range mics {
		h, err := r.impulseResponse(ventOutlet, mic, rate, min(r.rt60, 0.6))
		if err != nil {
			return err
		}
		wet := convolve(pink, h)[:frames]
		noises = append(noises, wet)
		if m == 0 {
			for _, x := range wet {
				noisePower += x * x
			}
			noisePower /= float64(frames)
		}
	}

	gain := math.Sqrt(speech / noisePower / math.Pow(10, snr/10))
	sensor := math.Sqrt(speech / math.Pow(10, 50.0/10))
	for m := range channels {
		for i := range channels[m] {
			channels[m][i] += gain*noises[m][i] + sensor*rng.NormFloat64()
		}
	}
	return nil
}

// highPass removes the DC and the rumble below about 75 Hz in place, as a
// microphone's own low cut does. The image-source responses add every
// reflection with a positive sign, so without it the low end of the noise
// dominates. The filter is the one-pole DC blocker y[n] = x[n] - x[n-1] +
// 0.97 y[n-1].
func highPass(x []float64) {
	var prevIn, prevOut float64
	for i, v := range x {
		y := v - prevIn + 0.97*prevOut
		prevIn, prevOut = v, y
		x[i] = y
	}
}

// pinkNoise returns noise with a spectrum falling by about 3 dB per octave,
// from Paul Kellet's economy filter of white noise.
func pinkNoise(rng *rand.Rand, n int) []float64 {
	out := make([]float64, n)
	var b0, b1, b2 float64
	for i := range out {
		w := rng.NormFloat64()
		b0 = 0.99765*b0 + w*0.0990460
		b1 = 0.96300*b1 + w*0.2965164
		b2 = 0.57000*b2 + w*1.0526913
		out[i] = b0 + b1 + b2 + w*0.1848
	}
	return out
}

// interleave scales the channels together to a peak of -6 dBFS and returns
// interleaved 16-bit samples.
func interleave(channels [][]float64) []int16 {
	var peak float64
	for _, c := range channels {
		for _, x := range c {
			peak = max(peak, math.Abs(x))
		}
	}
	g := 0.5 * 32767 / max(peak, 1e-9)
	frames := len(channels[0])
	out := make([]int16, frames*len(channels))
	for i := range frames {
		for c := range channels {
			out[i*len(channels)+c] = int16(math.Round(channels[c][i] * g))
		}
	}
	return out
}

// realClips are the Common Voice clips in dialogue order with the speaker
// each is taken to be. The three clips of speaker "cv_d" sound like one
// person, according to the notes that come with the clips.
var realClips = []struct{ id, speaker string }{
	{"18716987", "cv_a"},
	{"18746434", "cv_d"},
	{"18717015", "cv_b"},
	{"18746511", "cv_d"},
	{"18737932", "cv_c"},
	{"18748646", "cv_e"},
	{"18746534", "cv_d"},
}

// writeReal joins the real Swedish clips into a dialogue: a dry mono mix
// and, unless fixtureOnly, the same dialogue captured by the 4-mic array in
// the simulated room. It does nothing when realDir is missing.
func writeReal(log *slog.Logger, dir, realDir string, fixtureOnly int) error {
	if _, err := os.Stat(realDir); err != nil {
		log.Warn("real recordings skipped", "dir", realDir, "error", err)
		return nil
	}

	d := dialogue{name: "real"}
	var dry []utterance
	rng := rand.New(rand.NewPCG(seedOf("real"), 1))
	pos := int(0.5 * rate)
	speakerIndex := map[string]int{}
	azimuths := []float64{200, 330, 85, 140, 20}
	for _, c := range realClips {
		s, err := readClip(filepath.Join(realDir, "common_voice_sv-SE_"+c.id+".wav"))
		if err != nil {
			return err
		}
		sp, ok := speakerIndex[c.speaker]
		if !ok {
			sp = len(d.people)
			speakerIndex[c.speaker] = sp
			d.people = append(d.people, person{id: c.speaker, azimuth: azimuths[sp], distance: 1.1})
		}
		u := utterance{speaker: sp, start: pos, samples: s}
		for _, span := range speechSpans(s, 0.03) {
			u.turns = append(u.turns, der.Turn{Speaker: c.speaker, Start: float64(pos+span[0]) / rate, End: float64(pos+span[1]) / rate})
		}
		dry = append(dry, u)
		pos += len(s) + int((0.2+0.4*rng.Float64())*rate)
	}

	frames := pos + int(0.3*rate)
	mono := make([]float64, frames)
	var turns []der.Turn
	for _, u := range dry {
		for i, x := range u.samples {
			mono[u.start+i] += x
		}
		turns = append(turns, u.turns...)
	}
	rec := &recording{
		cond:    Condition{Name: "real-mono", Dialogue: "real", Channels: 1, Speakers: len(d.people), Seconds: float64(frames) / rate, Real: true},
		samples: interleave([][]float64{mono}),
		turns:   turns,
	}
	if fixtureOnly == 1 {
		if err := rec.writeFLAC(dir); err != nil {
			return err
		}
		log.Info("fixture written", "name", rec.cond.Name, "seconds", rec.cond.Seconds)
		return nil
	}
	if err := rec.write(dir); err != nil {
		return err
	}

	roomRec, err := capture(d, dry, "respeaker-4mic", 0.25, 25)
	if err != nil {
		return err
	}
	roomRec.cond.Real = true
	return roomRec.write(dir)
}

// readClip reads a clip and returns it at 16 kHz.
func readClip(path string) ([]float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	samples, srcRate, channels, err := audio.ReadWAV(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if channels != 1 {
		return nil, fmt.Errorf("%s: %d channels, want mono", path, channels)
	}
	samples = audio.Resample(samples, 1, srcRate, rate)
	out := make([]float64, len(samples))
	for i, s := range samples {
		out[i] = float64(s) / 32768
	}
	return out, nil
}
