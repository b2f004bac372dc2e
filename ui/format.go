package ui

import (
	"fmt"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// Swedish abbreviations, indexed by time.Weekday and time.Month. The month
// names that Swedish does not abbreviate (mars, maj, juni, juli) stay whole.
var (
	swedishWeekdays = [...]string{"sön", "mån", "tis", "ons", "tor", "fre", "lör"}
	swedishMonths   = [...]string{"", "jan", "feb", "mars", "apr", "maj", "juni", "juli", "aug", "sep", "okt", "nov", "dec"}
)

// formatDateTime formats t in loc as "fre 4 dec 14:05", adding the year
// ("fre 4 dec 2025 14:05") when it differs from the year of now.
// The zero time formats as "–".
func formatDateTime(t, now time.Time, loc *time.Location) string {
	if t.IsZero() {
		return "–"
	}

	t = t.In(loc)
	day := fmt.Sprintf("%s %d %s", swedishWeekdays[t.Weekday()], t.Day(), swedishMonths[t.Month()])
	if t.Year() != now.In(loc).Year() {
		day += fmt.Sprintf(" %d", t.Year())
	}
	return day + t.Format(" 15:04")
}

// formatDuration formats d as "45 s", "12 min 30 s" or "1 tim 5 min",
// truncated to whole seconds. Hours drop the seconds because they are noise
// at that length.
func formatDuration(d time.Duration) string {
	if d < 0 {
		d = 0
	}

	total := int64(d / time.Second)
	hours, minutes, seconds := total/3600, total/60%60, total%60
	switch {
	case hours > 0:
		return fmt.Sprintf("%d tim %d min", hours, minutes)
	case minutes > 0:
		return fmt.Sprintf("%d min %d s", minutes, seconds)
	default:
		return fmt.Sprintf("%d s", seconds)
	}
}

// formatClock formats an offset into a recording as "01:02", or as
// "1:01:02" from one hour on, truncated to whole seconds.
func formatClock(d time.Duration) string {
	if d < 0 {
		d = 0
	}

	total := int64(d / time.Second)
	hours, minutes, seconds := total/3600, total/60%60, total%60
	if hours > 0 {
		return fmt.Sprintf("%d:%02d:%02d", hours, minutes, seconds)
	}
	return fmt.Sprintf("%02d:%02d", minutes, seconds)
}

// framesDuration converts a frame count at rate frames per second to a
// duration. A rate of zero, meaning the format is not known yet, gives zero.
func framesDuration(frames uint64, rate int) time.Duration {
	if rate <= 0 {
		return 0
	}
	whole := frames / uint64(rate)
	rest := frames % uint64(rate)
	return time.Duration(whole)*time.Second + time.Duration(rest)*time.Second/time.Duration(rate)
}

// recordingStateLabel returns the Swedish label of a recording's state. An
// ended or interrupted recording that still lacks chunks is waiting for
// audio, because the box sends what it spooled after the end.
func recordingStateLabel(state store.State, complete bool) string {
	switch state {
	case store.StateRecording:
		return "pågår"
	case store.StatePaused:
		return "pausad"
	case store.StateEnded:
		if !complete {
			return "väntar på ljud"
		}
		return "avslutad"
	case store.StateInterrupted:
		if !complete {
			return "avbruten, väntar på ljud"
		}
		return "avbruten"
	default:
		return "okänt läge"
	}
}

// boxStateLabel returns the Swedish label of a box state.
func boxStateLabel(state protocol.BoxState) string {
	switch state {
	case protocol.StateIdle:
		return "ledig"
	case protocol.StateConsent:
		return "väntar på samtycke"
	case protocol.StateRecording:
		return "spelar in"
	case protocol.StatePaused:
		return "pausad"
	case protocol.StateSending:
		return "skickar inspelningen"
	case protocol.StateFault:
		return "fel, inspelning är inte möjlig just nu"
	case protocol.StateOffline:
		return "inte ansluten"
	default:
		return "okänt läge"
	}
}

// chunksLabel formats received chunks against the expected count, which is
// negative until the end event has reported how many chunks the recording has.
func chunksLabel(received, expected int64) string {
	if expected < 0 {
		return fmt.Sprintf("%d hittills", received)
	}
	return fmt.Sprintf("%d av %d", received, expected)
}

// progressLabel formats transcription progress from the number of finished
// and queued pieces.
func progressLabel(done, total int) string {
	if total == 0 {
		return "inte påbörjad"
	}
	return fmt.Sprintf("%d av %d delar klara", done, total)
}
