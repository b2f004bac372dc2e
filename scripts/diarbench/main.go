// Command diarbench runs speaker diarization over the evaluation set that
// scripts/evalset generates. For every condition it prints the diarization
// error rate with a 0.25 s collar and the real-time factor. The real-time
// factor is processor time over audio time with GOMAXPROCS set to 1, the
// fastest of three runs. Every 2-mic condition is also diarized from its
// first channel alone, as the one-channel case.
//
//	go run ./scripts/evalset -out .run/evalset
//	go run ./scripts/diarbench -dir .run/evalset
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/central/diarize"
	"github.com/ordagrann/ordagrann/central/diarize/der"
	"github.com/ordagrann/ordagrann/internal/audio"
)

// condition is the subset of scripts/evalset's NAME.json that is used here.
type condition struct {
	Name              string   `json:"name"`
	Board             string   `json:"board"`
	Channels          int      `json:"channels"`
	Speakers          int      `json:"speakers"`
	RT60              float64  `json:"rt60_s"`
	T20               float64  `json:"t20_s"`
	SNR               float64  `json:"snr_db"`
	Seconds           float64  `json:"seconds"`
	CaseworkerAzimuth *float64 `json:"caseworker_azimuth_deg"`
	Real              bool     `json:"real"`
}

// row is one line of the table.
type row struct {
	name     string
	channels int
	speakers int
	found    int
	rt60     float64
	t20      float64
	snr      float64
	real     bool
	method   string
	score    der.Result
	seconds  float64
	elapsed  time.Duration
	roleOK   string
}

func main() {
	dir := flag.String("dir", ".run/evalset", "evaluation set directory written by scripts/evalset")
	collar := flag.Float64("collar", 0.25, "no-score collar around reference boundaries, in seconds")
	match := flag.String("match", "", "only conditions whose name contains this")
	flag.Parse()

	// One core, as the real-time factor target states.
	runtime.GOMAXPROCS(1)
	if err := run(os.Stdout, *dir, *collar, *match); err != nil {
		fmt.Fprintln(os.Stderr, "diarbench:", err)
		os.Exit(1)
	}
}

func run(w io.Writer, dir string, collar float64, match string) error {
	metas, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		return err
	}
	if len(metas) == 0 {
		return fmt.Errorf("no conditions in %s: generate them with go run ./scripts/evalset -out %s", dir, dir)
	}
	slices.Sort(metas)

	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	var rows []row
	for _, m := range metas {
		c, err := readCondition(m)
		if err != nil {
			return err
		}
		if match != "" && !strings.Contains(c.Name, match) {
			continue
		}
		samples, err := readAudio(filepath.Join(dir, c.Name), c.Channels)
		if err != nil {
			return err
		}
		ref, err := readRTTM(filepath.Join(dir, c.Name+".rttm"))
		if err != nil {
			return err
		}

		var mics []board.Position
		if c.Board != "" {
			p, err := board.Lookup(c.Board)
			if err != nil {
				return err
			}
			mics = p.Mics
		}
		r, err := evaluate(c, samples, c.Channels, mics, ref, collar, quiet)
		if err != nil {
			return err
		}
		rows = append(rows, r)

		if c.Board != "respeaker-2mic" {
			continue
		}
		mono := c
		mono.Name = c.Name + "/ch0"
		r, err = evaluate(mono, channel(samples, c.Channels, 0), 1, nil, ref, collar, quiet)
		if err != nil {
			return err
		}
		rows = append(rows, r)
	}
	return printTable(w, rows)
}

func evaluate(c condition, samples []int16, channels int, mics []board.Position, ref []der.Turn, collar float64, log *slog.Logger) (row, error) {
	opts := &diarize.Options{Mics: mics, CaseworkerAzimuth: c.CaseworkerAzimuth, Logger: log}
	d, err := diarize.New(opts)
	if err != nil {
		return row{}, err
	}

	// The fastest of three runs, because other programs on a shared
	// machine still slow a process down through caches and steal time.
	var res diarize.Result
	elapsed := time.Duration(math.MaxInt64)
	for range 3 {
		start := cpuTime()
		res, err = d.Diarize(samples, channels)
		elapsed = min(elapsed, cpuTime()-start)
		if err != nil {
			return row{}, fmt.Errorf("%s: %w", c.Name, err)
		}
	}

	var hyp []der.Turn
	found := map[int]bool{}
	for _, t := range res.Turns {
		hyp = append(hyp, der.Turn{Speaker: fmt.Sprintf("s%d", t.Speaker), Start: t.Start.Seconds(), End: t.End.Seconds()})
		found[t.Speaker] = true
	}
	score, err := der.Score(ref, hyp, collar)
	if err != nil {
		return row{}, fmt.Errorf("%s: scoring: %w", c.Name, err)
	}

	r := row{
		name: c.Name, channels: channels, speakers: c.Speakers, found: len(found),
		rt60: c.RT60, t20: c.T20, snr: c.SNR, real: c.Real, method: res.Method.String(),
		score: score, seconds: c.Seconds, elapsed: elapsed, roleOK: "-",
	}
	if c.CaseworkerAzimuth != nil && channels > 1 {
		r.roleOK = "no"
		for i, s := range res.Speakers {
			if s.Caseworker && score.Mapping[fmt.Sprintf("s%d", i)] == "handlaggare" {
				r.roleOK = "yes"
			}
		}
	}
	return r, nil
}

func printTable(w io.Writer, rows []row) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "condition\tch\tspk\tfound\tRT60 s\tT20 s\tSNR dB\tmethod\tDER %\tmiss %\tFA %\tconf %\tRTF\tcaseworker\t")
	for _, r := range rows {
		s := r.score
		pct := func(x float64) string { return fmt.Sprintf("%.1f", 100*x/max(s.Scored, 1e-9)) }
		snr := fmt.Sprintf("%.0f", r.snr)
		if r.snr == 0 {
			snr = "dry"
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%.2f\t%.2f\t%s\t%s\t%.1f\t%s\t%s\t%s\t%.4f\t%s\t\n",
			r.name, r.channels, r.speakers, r.found, r.rt60, r.t20, snr, r.method, 100*s.DER(),
			pct(s.Missed), pct(s.FalseAlarm), pct(s.Confusion), r.elapsed.Seconds()/r.seconds, r.roleOK)
	}
	if err := tw.Flush(); err != nil {
		return err
	}

	fmt.Fprintln(w)
	fmt.Fprintln(w, "summary (DER pooled over conditions, RTF the largest):")
	groups := []struct {
		name   string
		target float64
		keep   func(row) bool
	}{
		{"two speakers, 2-mic", 0.05, func(r row) bool { return r.channels == 2 && r.speakers == 2 && !r.real }},
		{"2-4 speakers, 2-mic", 0, func(r row) bool { return r.channels == 2 && !r.real }},
		{"2-4 speakers, 4-mic", 0, func(r row) bool { return r.channels == 4 && !r.real }},
		{"two speakers, 1 channel", 0.12, func(r row) bool { return r.channels == 1 && r.speakers == 2 && !r.real }},
		{"2-4 speakers, 1 channel", 0.12, func(r row) bool { return r.channels == 1 && !r.real }},
		{"real recordings", 0, func(r row) bool { return r.real }},
	}
	tw = tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "group\tconditions\tDER %\ttarget %\tmax RTF\t")
	for _, g := range groups {
		var sum der.Result
		n := 0
		rtf := 0.0
		for _, r := range rows {
			if g.keep(r) {
				sum = sum.Add(r.score)
				rtf = max(rtf, r.elapsed.Seconds()/r.seconds)
				n++
			}
		}
		if n == 0 {
			continue
		}
		target := "-"
		if g.target > 0 {
			target = fmt.Sprintf("%.0f", 100*g.target)
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f\t%s\t%.4f\t\n", g.name, n, 100*sum.DER(), target, rtf)
	}
	return tw.Flush()
}

func readCondition(path string) (condition, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return condition{}, err
	}
	var c condition
	if err := json.Unmarshal(b, &c); err != nil {
		return condition{}, fmt.Errorf("reading %s: %w", path, err)
	}
	return c, nil
}

// readAudio reads base.wav, or base.flac when there is no WAV file. The
// committed fixtures are FLAC files.
func readAudio(base string, channels int) ([]int16, error) {
	path := base + ".wav"
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		path = base + ".flac"
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, err
	}

	var samples []int16
	var rate, ch int
	if strings.HasSuffix(path, ".flac") {
		samples, rate, ch, err = audio.DecodeFLAC(b)
	} else {
		samples, rate, ch, err = audio.ReadWAV(bytes.NewReader(b))
	}
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if rate != diarize.SampleRate || ch != channels {
		return nil, fmt.Errorf("%s: %d Hz, %d channels, want %d Hz, %d channels", path, rate, ch, diarize.SampleRate, channels)
	}
	return samples, nil
}

func readRTTM(path string) ([]der.Turn, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return der.ReadRTTM(f)
}

func channel(samples []int16, channels, c int) []int16 {
	out := make([]int16, len(samples)/channels)
	for i := range out {
		out[i] = samples[i*channels+c]
	}
	return out
}

// cpuTime returns the processor time the process has used, user and
// system. The real-time factor uses it rather than the wall clock, so that
// other programs on the machine do not inflate it.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
