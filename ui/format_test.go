package ui

import (
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

func stockholm(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Stockholm")
	if err != nil {
		t.Fatalf("LoadLocation(Europe/Stockholm): %v", err)
	}
	return loc
}

func TestFormatDateTime(t *testing.T) {
	loc := stockholm(t)
	now := time.Date(2026, 12, 4, 16, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		t    time.Time
		want string
	}{
		{"winter_utc_plus_one", time.Date(2026, 12, 4, 13, 5, 0, 0, time.UTC), "fre 4 dec 14:05"},
		{"summer_utc_plus_two", time.Date(2026, 7, 1, 6, 30, 59, 0, time.UTC), "ons 1 juli 08:30"},
		{"sunday_march", time.Date(2026, 3, 29, 10, 0, 0, 0, time.UTC), "sön 29 mars 12:00"},
		{"midnight_local_is_next_day", time.Date(2026, 1, 4, 23, 30, 0, 0, time.UTC), "mån 5 jan 00:30"},
		{"other_year_shows_year", time.Date(2025, 12, 5, 13, 5, 0, 0, time.UTC), "fre 5 dec 2025 14:05"},
		{"zero", time.Time{}, "–"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := formatDateTime(tt.t, now, loc); got != tt.want {
				t.Errorf("formatDateTime(%v) = %q, want %q", tt.t, got, tt.want)
			}
		})
	}
}

func TestFormatDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0 s"},
		{-time.Second, "0 s"},
		{999 * time.Millisecond, "0 s"},
		{45 * time.Second, "45 s"},
		{12*time.Minute + 30*time.Second, "12 min 30 s"},
		{12 * time.Minute, "12 min 0 s"},
		{time.Hour + 5*time.Minute + 59*time.Second, "1 tim 5 min"},
	}
	for _, tt := range tests {
		if got := formatDuration(tt.d); got != tt.want {
			t.Errorf("formatDuration(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFormatClock(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "00:00"},
		{62*time.Second + 900*time.Millisecond, "01:02"},
		{59*time.Minute + 59*time.Second, "59:59"},
		{time.Hour + 2*time.Second, "1:00:02"},
	}
	for _, tt := range tests {
		if got := formatClock(tt.d); got != tt.want {
			t.Errorf("formatClock(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}

func TestFramesDuration(t *testing.T) {
	tests := []struct {
		frames uint64
		rate   int
		want   time.Duration
	}{
		{16000, 16000, time.Second},
		{24000, 16000, 1500 * time.Millisecond},
		{750 * 16000, 16000, 12*time.Minute + 30*time.Second},
		{100, 0, 0},
	}
	for _, tt := range tests {
		if got := framesDuration(tt.frames, tt.rate); got != tt.want {
			t.Errorf("framesDuration(%d, %d) = %v, want %v", tt.frames, tt.rate, got, tt.want)
		}
	}
}

func TestRecordingStateLabel(t *testing.T) {
	tests := []struct {
		state    store.State
		complete bool
		want     string
	}{
		{store.StateRecording, false, "pågår"},
		{store.StatePaused, false, "pausad"},
		{store.StateEnded, true, "avslutad"},
		{store.StateEnded, false, "väntar på ljud"},
		{store.StateInterrupted, true, "avbruten"},
		{store.StateInterrupted, false, "avbruten, väntar på ljud"},
		{"bogus", true, "okänt läge"},
	}
	for _, tt := range tests {
		if got := recordingStateLabel(tt.state, tt.complete); got != tt.want {
			t.Errorf("recordingStateLabel(%q, %v) = %q, want %q", tt.state, tt.complete, got, tt.want)
		}
	}
}

func TestBoxStateLabel(t *testing.T) {
	tests := []struct {
		state protocol.BoxState
		want  string
	}{
		{protocol.StateIdle, "ledig"},
		{protocol.StateConsent, "väntar på samtycke"},
		{protocol.StateRecording, "spelar in"},
		{protocol.StatePaused, "pausad"},
		{protocol.StateSending, "skickar inspelningen"},
		{protocol.StateFault, "fel, inspelning är inte möjlig just nu"},
		{protocol.StateOffline, "inte ansluten"},
		{"bogus", "okänt läge"},
	}
	for _, tt := range tests {
		if got := boxStateLabel(tt.state); got != tt.want {
			t.Errorf("boxStateLabel(%q) = %q, want %q", tt.state, got, tt.want)
		}
	}
}

func TestProgressAndChunksLabels(t *testing.T) {
	if got, want := progressLabel(2, 5), "2 av 5 delar klara"; got != want {
		t.Errorf("progressLabel(2, 5) = %q, want %q", got, want)
	}
	if got, want := progressLabel(0, 0), "inte påbörjad"; got != want {
		t.Errorf("progressLabel(0, 0) = %q, want %q", got, want)
	}
	if got, want := chunksLabel(12, 40), "12 av 40"; got != want {
		t.Errorf("chunksLabel(12, 40) = %q, want %q", got, want)
	}
	if got, want := chunksLabel(12, -1), "12 hittills"; got != want {
		t.Errorf("chunksLabel(12, -1) = %q, want %q", got, want)
	}
}

func TestCompareNatural(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"rum-3", "rum-12", -1},
		{"rum-12", "rum-3", 1},
		{"rum-12", "rum-12", 0},
		{"rum-007", "rum-7", 0},
		{"rum-2a", "rum-2b", -1},
		{"rum", "rum-1", -1},
		{"a10", "b2", -1},
	}
	for _, tt := range tests {
		if got := compareNatural(tt.a, tt.b); got != tt.want {
			t.Errorf("compareNatural(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
	}
}
