// Command evalset generates the speaker diarization evaluation set. Swedish
// dialogues spoken by distinct espeak-ng voices are placed in simulated
// shoebox rooms, with image-source impulse responses at several
// reverberation times and a noise source at several signal-to-noise
// ratios, and captured at the microphone positions of the board profiles. Each condition is a
// 16 kHz WAV file with one channel per microphone, an RTTM file with the
// reference speaker turns and a JSON file describing the condition. The
// output depends only on the flags and the installed espeak-ng version.
//
//	go run ./scripts/evalset -out .run/evalset
//	go run ./scripts/evalset -fixtures testdata/diarization
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"hash/fnv"
	"log/slog"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/internal/audio"
)

const rate = board.SampleRate

// Condition describes one generated recording; it is written next to the
// audio as NAME.json and read by scripts/diarbench.
type Condition struct {
	Name     string  `json:"name"`
	Dialogue string  `json:"dialogue"`
	Board    string  `json:"board"` // board profile whose microphone positions were used, or "" for a dry mono mix
	Channels int     `json:"channels"`
	Speakers int     `json:"speakers"`
	RT60     float64 `json:"rt60_s"` // Sabine reverberation time that set the wall absorption
	// T20 is the reverberation time measured on the first speaker's
	// impulse response at the first microphone, 0 for a dry mix.
	T20     float64 `json:"t20_s"`
	SNR     float64 `json:"snr_db"` // 0 when no noise was added
	Seconds float64 `json:"seconds"`
	// CaseworkerAzimuth is the caseworker's direction from the box in
	// degrees counter-clockwise from its X axis, when known.
	CaseworkerAzimuth *float64 `json:"caseworker_azimuth_deg,omitempty"`
	Real              bool     `json:"real,omitempty"`
}

func main() {
	out := flag.String("out", "", "directory for the full evaluation set")
	fixtures := flag.String("fixtures", "", "directory for the small committed test fixtures")
	realDir := flag.String("real", "../shared/audio", "directory with the Common Voice sv-SE clips; skipped when missing")
	flag.Parse()

	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	if *out == "" && *fixtures == "" {
		fmt.Fprintln(os.Stderr, "evalset: give -out, -fixtures or both")
		os.Exit(2)
	}
	if err := run(log, *out, *fixtures, *realDir); err != nil {
		log.Error("generating evaluation set failed", "error", err)
		os.Exit(1)
	}
}

var (
	boards = []string{"respeaker-2mic", "respeaker-4mic"}
	rt60s  = []float64{0.25, 0.6}
	snrs   = []float64{25, 10}
)

func run(log *slog.Logger, out, fixtures, realDir string) error {
	if out != "" {
		if err := os.MkdirAll(out, 0o755); err != nil {
			return err
		}
		for _, d := range dialogues() {
			dry, err := synthesize(d)
			if err != nil {
				return err
			}
			for _, b := range boards {
				for _, rt := range rt60s {
					for _, snr := range snrs {
						rec, err := capture(d, dry, b, rt, snr)
						if err != nil {
							return err
						}
						if err := rec.write(out); err != nil {
							return err
						}
						log.Info("condition written", "name", rec.cond.Name, "seconds", rec.cond.Seconds)
					}
				}
			}
		}
		if err := writeReal(log, out, realDir, 0); err != nil {
			return err
		}
	}

	if fixtures != "" {
		return writeFixtures(log, fixtures, realDir)
	}
	return nil
}

// writeFixtures writes short excerpts small enough to commit.
func writeFixtures(log *slog.Logger, dir, realDir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	picks := []struct {
		dialogue, board string
		seconds         float64
	}{
		{"two", "respeaker-2mic", 22},
		{"three", "respeaker-4mic", 12},
	}
	for _, p := range picks {
		var d dialogue
		for _, c := range dialogues() {
			if c.name == p.dialogue {
				d = c
			}
		}
		dry, err := synthesize(d)
		if err != nil {
			return err
		}
		rec, err := capture(d, dry, p.board, 0.25, 25)
		if err != nil {
			return err
		}
		rec.truncate(p.seconds)
		if err := rec.writeFLAC(dir); err != nil {
			return err
		}
		log.Info("fixture written", "name", rec.cond.Name, "seconds", rec.cond.Seconds)
	}
	return writeReal(log, dir, realDir, 1)
}

// recording is one generated condition.
type recording struct {
	cond    Condition
	samples []int16 // interleaved
	turns   []der.Turn
}

func (r *recording) truncate(seconds float64) {
	frames := int(seconds * rate)
	if frames*r.cond.Channels < len(r.samples) {
		r.samples = r.samples[:frames*r.cond.Channels]
	}
	var turns []der.Turn
	for _, t := range r.turns {
		if t.Start >= seconds {
			continue
		}
		t.End = min(t.End, seconds)
		turns = append(turns, t)
	}
	r.turns = turns
	r.cond.Seconds = float64(len(r.samples)/r.cond.Channels) / rate
}

func (r *recording) write(dir string) error {
	var buf bytes.Buffer
	if err := audio.WriteWAV(&buf, r.samples, rate, r.cond.Channels); err != nil {
		return err
	}
	return r.writeFiles(dir, ".wav", buf.Bytes())
}

func (r *recording) writeFLAC(dir string) error {
	b, err := audio.EncodeFLAC(r.samples, rate, r.cond.Channels)
	if err != nil {
		return fmt.Errorf("encoding %s as FLAC: %w", r.cond.Name, err)
	}
	return r.writeFiles(dir, ".flac", b)
}

func (r *recording) writeFiles(dir, ext string, audioBytes []byte) error {
	base := filepath.Join(dir, r.cond.Name)
	if err := os.WriteFile(base+ext, audioBytes, 0o644); err != nil {
		return err
	}

	var rttm bytes.Buffer
	if err := der.WriteRTTM(&rttm, r.cond.Name, r.turns); err != nil {
		return err
	}
	if err := os.WriteFile(base+".rttm", rttm.Bytes(), 0o644); err != nil {
		return err
	}

	meta, err := json.MarshalIndent(r.cond, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(base+".json", append(meta, '\n'), 0o644)
}

// utterance is one synthesized line at its place in the dialogue.
type utterance struct {
	speaker int
	start   int // frame
	samples []float64
	turns   []der.Turn
}

// synthesize speaks every line and lays the lines out in time, with a
// pause of 0.3 to 0.9 s between lines unless a line interrupts.
func synthesize(d dialogue) ([]utterance, error) {
	rng := rand.New(rand.NewPCG(seedOf(d.name), 1))
	var out []utterance
	end := int(0.5 * rate)
	for i, l := range d.lines {
		p := d.people[l.speaker]
		s, err := speak(p.voice, l)
		if err != nil {
			return nil, fmt.Errorf("dialogue %s line %d: %w", d.name, i, err)
		}
		s = trimSilence(s)

		start := end + int((0.3+0.6*rng.Float64())*rate)
		if l.overlap > 0 {
			start = end - int(l.overlap*rate)
		}
		u := utterance{speaker: l.speaker, start: start, samples: s}
		for _, sp := range speechSpans(s, 0.01) {
			u.turns = append(u.turns, der.Turn{
				Speaker: p.id,
				Start:   float64(start+sp[0]) / rate,
				End:     float64(start+sp[1]) / rate,
			})
		}
		out = append(out, u)
		end = max(end, start+len(s))
	}
	return out, nil
}

func seedOf(name string) uint64 {
	h := fnv.New64a()
	h.Write([]byte(name))
	return h.Sum64()
}

// speak runs espeak-ng and returns its output at 16 kHz, scaled to an RMS
// of 0.1 over its voiced part.
func speak(v voice, l line) ([]float64, error) {
	name := v.name
	cmd := exec.Command("espeak-ng", "-v", name, "-p", strconv.Itoa(v.pitch), "-s", strconv.Itoa(v.speed), "--stdout", l.text)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	wav, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("running espeak-ng -v %s: %w: %s", name, err, stderr.Bytes())
	}

	// espeak-ng writes an unknown data length to a pipe, so fix the RIFF
	// sizes before parsing.
	if len(wav) < 44 {
		return nil, errors.New("espeak-ng wrote no WAV header")
	}
	samples, srcRate, channels, err := audio.ReadWAV(bytes.NewReader(fixStreamedWAV(wav)))
	if err != nil {
		return nil, fmt.Errorf("reading espeak-ng output: %w", err)
	}
	if channels != 1 {
		return nil, fmt.Errorf("espeak-ng wrote %d channels, want 1", channels)
	}
	samples = audio.Resample(samples, 1, srcRate, rate)

	f := make([]float64, len(samples))
	for i, s := range samples {
		f[i] = float64(s) / 32768
	}
	var e float64
	var n int
	for _, sp := range speechSpans(f, 0.01) {
		for _, x := range f[sp[0]:sp[1]] {
			e += x * x
			n++
		}
	}
	if n == 0 {
		return nil, fmt.Errorf("espeak-ng -v %s produced silence", name)
	}
	g := 0.1 / math.Sqrt(e/float64(n))
	for i := range f {
		f[i] *= g
	}
	return f, nil
}

// fixStreamedWAV sets the RIFF and data chunk sizes of a canonical 44-byte
// header WAV whose writer could not seek back to fill them in.
func fixStreamedWAV(b []byte) []byte {
	out := bytes.Clone(b)
	size := uint32(len(out) - 8)
	out[4], out[5], out[6], out[7] = byte(size), byte(size>>8), byte(size>>16), byte(size>>24)
	if string(out[36:40]) == "data" {
		ds := uint32(len(out) - 44)
		out[40], out[41], out[42], out[43] = byte(ds), byte(ds>>8), byte(ds>>16), byte(ds>>24)
	}
	return out
}

// speechSpans returns the stretches [start, end) of s, in samples, whose
// 10 ms frames have an RMS above threshold times the loudest frame's RMS,
// joining stretches less than 0.3 s apart. These are the reference turns.
func speechSpans(s []float64, threshold float64) [][2]int {
	const frame = rate / 100
	var peak float64
	rms := make([]float64, len(s)/frame)
	for i := range rms {
		var e float64
		for _, x := range s[i*frame : (i+1)*frame] {
			e += x * x
		}
		rms[i] = math.Sqrt(e / frame)
		peak = max(peak, rms[i])
	}

	var spans [][2]int
	for i, r := range rms {
		if r <= threshold*peak {
			continue
		}
		a, b := i*frame, (i+1)*frame
		if n := len(spans); n > 0 && a-spans[n-1][1] < int(0.3*rate) {
			spans[n-1][1] = b
			continue
		}
		spans = append(spans, [2]int{a, b})
	}
	return spans
}

func trimSilence(s []float64) []float64 {
	spans := speechSpans(s, 0.01)
	if len(spans) == 0 {
		return s
	}
	return s[spans[0][0]:spans[len(spans)-1][1]]
}
