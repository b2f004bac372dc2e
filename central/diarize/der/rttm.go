package der

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// ReadRTTM reads the SPEAKER lines of an RTTM file (NIST Rich Transcription
// Time Marked): type, file, channel, onset, duration, two unused fields,
// speaker name and two more unused fields, separated by spaces. Other line
// types and lines starting with ";;" are skipped. All files named in the
// input are returned together.
func ReadRTTM(r io.Reader) ([]Turn, error) {
	var turns []Turn
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		fields := strings.Fields(sc.Text())
		if len(fields) == 0 || strings.HasPrefix(fields[0], ";;") || fields[0] != "SPEAKER" {
			continue
		}
		if len(fields) < 8 {
			return nil, fmt.Errorf("%w %d: %d fields, want at least 8", ErrRTTM, line, len(fields))
		}
		onset, err := strconv.ParseFloat(fields[3], 64)
		if err != nil {
			return nil, fmt.Errorf("%w %d: onset %q: %w", ErrRTTM, line, fields[3], err)
		}
		dur, err := strconv.ParseFloat(fields[4], 64)
		if err != nil {
			return nil, fmt.Errorf("%w %d: duration %q: %w", ErrRTTM, line, fields[4], err)
		}
		if !(onset >= 0) || !(dur >= 0) || math.IsInf(onset+dur, 0) {
			return nil, fmt.Errorf("%w %d: onset %v and duration %v must be finite and not negative", ErrRTTM, line, onset, dur)
		}
		turns = append(turns, Turn{Speaker: fields[7], Start: onset, End: onset + dur})
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading RTTM: %w", err)
	}
	return turns, nil
}

// WriteRTTM writes turns as SPEAKER lines for the recording named file,
// with times rounded to milliseconds.
func WriteRTTM(w io.Writer, file string, turns []Turn) error {
	for _, t := range turns {
		_, err := fmt.Fprintf(w, "SPEAKER %s 1 %.3f %.3f <NA> <NA> %s <NA> <NA>\n", file, t.Start, t.End-t.Start, t.Speaker)
		if err != nil {
			return fmt.Errorf("writing RTTM: %w", err)
		}
	}
	return nil
}
