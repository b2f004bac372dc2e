package sim

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/ordagrann/ordagrann/hal"
)

var t0 = time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestBoardDeliversGestures(t *testing.T) {
	clock := NewManualClock(t0)
	b := NewBoard(&Options{Clock: clock, Logger: slog.New(slog.DiscardHandler)})

	for _, f := range []func() error{b.PressGreen, b.PressRed, b.LongPressRed} {
		if err := f(); err != nil {
			t.Fatal(err)
		}
	}
	if got, want := <-b.Green().Events(), hal.Press; got != want {
		t.Errorf("green event = %s, want %s", got, want)
	}
	if got, want := <-b.Red().Events(), hal.Press; got != want {
		t.Errorf("first red event = %s, want %s", got, want)
	}
	if got, want := <-b.Red().Events(), hal.LongPress; got != want {
		t.Errorf("second red event = %s, want %s", got, want)
	}

	uid := []byte{0x04, 0xa1, 0xb2, 0xc3}
	if err := b.TapBadge(uid); err != nil {
		t.Fatal(err)
	}
	uid[0] = 0xff // the tap keeps its own copy
	want := hal.BadgeTap{UID: []byte{0x04, 0xa1, 0xb2, 0xc3}, At: t0}
	if diff := cmp.Diff(want, <-b.Reader().Taps()); diff != "" {
		t.Errorf("tap (-want +got):\n%s", diff)
	}
}

func TestBoardQueueFullDrops(t *testing.T) {
	b := NewBoard(&Options{Queue: 2, Logger: slog.New(slog.DiscardHandler)})
	for i := range 2 {
		if err := b.PressGreen(); err != nil {
			t.Fatalf("press %d: %v", i, err)
		}
	}
	if err := b.PressGreen(); !errors.Is(err, ErrDropped) {
		t.Errorf("PressGreen() on a full queue = %v, want ErrDropped", err)
	}
	if err := b.TapBadge([]byte{1, 2, 3, 4}); err != nil {
		t.Errorf("TapBadge() = %v, want nil: the reader has its own queue", err)
	}
}

func TestBoardClose(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	if err := b.StatusLED().Set(hal.LEDIdle); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if err := b.Close(); err != nil {
		t.Errorf("second Close() = %v, want nil", err)
	}

	if _, ok := <-b.Green().Events(); ok {
		t.Error("green Events() is open after Close")
	}
	if _, ok := <-b.Reader().Taps(); ok {
		t.Error("Taps() is open after Close")
	}
	if err := b.PressRed(); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("PressRed() after Close = %v, want hal.ErrClosed", err)
	}
	if err := b.StatusLED().Set(hal.LEDFault); !errors.Is(err, hal.ErrClosed) {
		t.Errorf("LED Set() after Close = %v, want hal.ErrClosed", err)
	}
	if got := b.LED(); got != hal.LEDOff {
		t.Errorf("LED() after Close = %s, want %s", got, hal.LEDOff)
	}
}

func TestLEDHistoryAndLog(t *testing.T) {
	var logs bytes.Buffer
	clock := NewManualClock(t0)
	b := NewBoard(&Options{Clock: clock, Logger: slog.New(slog.NewJSONHandler(&logs, nil))})
	led := b.StatusLED()

	if err := led.Set(hal.LEDConsentWaiting); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Second)
	if err := led.Set(hal.LEDRecording); err != nil {
		t.Fatal(err)
	}

	want := []LEDChange{
		{State: hal.LEDConsentWaiting, At: t0},
		{State: hal.LEDRecording, At: t0.Add(time.Second)},
	}
	if diff := cmp.Diff(want, b.LEDHistory()); diff != "" {
		t.Errorf("LEDHistory() (-want +got):\n%s", diff)
	}

	var lines []map[string]any
	sc := bufio.NewScanner(&logs)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, map[string]any{"msg": m["msg"], "led_state": m["led_state"]})
	}
	wantLines := []map[string]any{
		{"msg": "led changed", "led_state": "consent_waiting"},
		{"msg": "led changed", "led_state": "recording"},
	}
	if diff := cmp.Diff(wantLines, lines); diff != "" {
		t.Errorf("log lines (-want +got):\n%s", diff)
	}
}

func TestLEDFail(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	led := b.StatusLED()
	broken := errors.New("spi write failed")

	led.Fail(broken)
	if err := led.Set(hal.LEDIdle); !errors.Is(err, broken) {
		t.Errorf("Set() on a failed LED = %v, want %v", err, broken)
	}
	if got := b.LED(); got != hal.LEDOff {
		t.Errorf("LED() after a failed Set = %s, want %s", got, hal.LEDOff)
	}
	led.Fail(nil)
	if err := led.Set(hal.LEDIdle); err != nil {
		t.Errorf("Set() after repair = %v, want nil", err)
	}
}

func TestWaitLED(t *testing.T) {
	ctx := testContext(t)
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})

	done := make(chan error, 1)
	go func() { done <- b.WaitLED(ctx, hal.LEDPaused) }()
	if err := b.StatusLED().Set(hal.LEDRecording); err != nil {
		t.Fatal(err)
	}
	if err := b.StatusLED().Set(hal.LEDPaused); err != nil {
		t.Fatal(err)
	}
	if err := <-done; err != nil {
		t.Errorf("WaitLED() = %v, want nil", err)
	}

	short, cancel := context.WithCancel(ctx)
	cancel()
	err := b.WaitLED(short, hal.LEDFault)
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "it shows paused") {
		t.Errorf("WaitLED() on a cancelled context = %v, want context.Canceled naming the current state", err)
	}
}

func TestCommand(t *testing.T) {
	tests := []struct {
		line      string
		want      string
		wantGreen int
		wantRed   []hal.ButtonEvent
		wantTap   []byte
	}{
		{line: "g", want: "ok", wantGreen: 1},
		{line: "  GREEN  ", want: "ok", wantGreen: 1},
		{line: "r", want: "ok", wantRed: []hal.ButtonEvent{hal.Press}},
		{line: "red", want: "ok", wantRed: []hal.ButtonEvent{hal.Press}},
		{line: "R", want: "ok", wantRed: []hal.ButtonEvent{hal.LongPress}},
		{line: "long", want: "ok", wantRed: []hal.ButtonEvent{hal.LongPress}},
		{line: "b 04A1b2c3", want: "ok", wantTap: []byte{0x04, 0xa1, 0xb2, 0xc3}},
		{line: "badge 04112233445566", want: "ok", wantTap: []byte{0x04, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66}},
		{line: "state", want: "led=off"},
		{line: "help", want: helpReply},
		{line: "", want: ""},
		{line: "badge", want: "error: badge needs one card uid in hex, such as: badge 04a1b2c3"},
		{line: "badge xyz", want: `error: invalid card uid "xyz": use hex digits, such as 04a1b2c3`},
		{line: "badge 0102030405060708090a0b", want: `error: invalid card uid "0102030405060708090a0b": 11 bytes, a card uid has 4, 7 or 10`},
		{line: "g now", want: "error: g takes no arguments"},
		{line: "jump", want: `error: unknown command "jump": send help for the list`},
	}
	for _, tt := range tests {
		t.Run(strings.ReplaceAll(strings.TrimSpace(tt.line), " ", "_"), func(t *testing.T) {
			b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
			if got := b.Command(tt.line); got != tt.want {
				t.Errorf("Command(%q) = %q, want %q", tt.line, got, tt.want)
			}
			b.Close()

			var green int
			for range b.Green().Events() {
				green++
			}
			var red []hal.ButtonEvent
			for ev := range b.Red().Events() {
				red = append(red, ev)
			}
			var tap []byte
			for tp := range b.Reader().Taps() {
				tap = tp.UID
			}
			if green != tt.wantGreen {
				t.Errorf("green presses = %d, want %d", green, tt.wantGreen)
			}
			if diff := cmp.Diff(tt.wantRed, red); diff != "" {
				t.Errorf("red events (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantTap, tap); diff != "" {
				t.Errorf("badge uid (-want +got):\n%s", diff)
			}
		})
	}
}

func TestServeLines(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	if err := b.StatusLED().Set(hal.LEDConsentWaiting); err != nil {
		t.Fatal(err)
	}
	in := strings.NewReader("g\n\nstate\nnope\n")
	var out bytes.Buffer

	if err := b.ServeLines(in, &out); err != nil {
		t.Fatalf("ServeLines() = %v", err)
	}
	want := "ok\nled=consent_waiting\nerror: unknown command \"nope\": send help for the list\n"
	if got := out.String(); got != want {
		t.Errorf("replies = %q, want %q", got, want)
	}
}

func TestServeLinesTooLong(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	var out bytes.Buffer
	err := b.ServeLines(strings.NewReader(strings.Repeat("x", maxLine+1)+"\n"), &out)
	if err == nil {
		t.Fatal("ServeLines() = nil error for an overlong line, want an error")
	}
	if got, want := out.String(), "error: line longer than 1024 bytes\n"; got != want {
		t.Errorf("reply = %q, want %q", got, want)
	}
}

// shortTempDir returns a directory whose path fits a Unix socket name.
func shortTempDir(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "sim")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

func TestControlSocket(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	path := filepath.Join(shortTempDir(t), "box.sock")

	srv, err := b.ListenControl(path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("socket mode = %o, want 600", got)
	}
	if got := info.Mode().Type(); got != os.ModeSocket {
		t.Errorf("socket type = %v, want a socket", got)
	}

	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	replies := bufio.NewReader(conn)
	exchange := func(line string) string {
		t.Helper()
		if _, err := conn.Write([]byte(line + "\n")); err != nil {
			t.Fatal(err)
		}
		reply, err := replies.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimSuffix(reply, "\n")
	}

	if got := exchange("badge 04a1b2c3"); got != "ok" {
		t.Errorf("reply to badge = %q, want ok", got)
	}
	if err := b.StatusLED().Set(hal.LEDRecording); err != nil {
		t.Fatal(err)
	}
	if got := exchange("state"); got != "led=recording" {
		t.Errorf("reply to state = %q, want led=recording", got)
	}
	if tap := <-b.Reader().Taps(); !bytes.Equal(tap.UID, []byte{0x04, 0xa1, 0xb2, 0xc3}) {
		t.Errorf("tapped uid = %x, want 04a1b2c3", tap.UID)
	}

	if err := srv.Close(); err != nil {
		t.Fatalf("Close() = %v", err)
	}
	if _, err := os.Stat(path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("socket file after Close: stat error = %v, want not exist", err)
	}
	if _, err := replies.ReadString('\n'); err == nil {
		t.Error("connection still open after Close")
	}
}

func TestControlSocketInUse(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	path := filepath.Join(shortTempDir(t), "box.sock")

	srv, err := b.ListenControl(path)
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()

	if _, err := b.ListenControl(path); err == nil || !strings.Contains(err.Error(), "another process serves it") {
		t.Errorf("second ListenControl() = %v, want an error saying the socket is in use", err)
	}
}

func TestControlSocketReplacesStale(t *testing.T) {
	b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
	path := filepath.Join(shortTempDir(t), "box.sock")

	// A socket file without a listener, as a crash leaves it.
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()

	srv, err := b.ListenControl(path)
	if err != nil {
		t.Fatalf("ListenControl() over a stale socket = %v, want nil", err)
	}
	defer srv.Close()

	conn, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.Write([]byte("state\n")); err != nil {
		t.Fatal(err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || reply != "led=off\n" {
		t.Errorf("reply = %q, %v, want \"led=off\\n\"", reply, err)
	}
}

// FuzzCommand checks that no control line panics the board and that every
// reply is one line.
func FuzzCommand(f *testing.F) {
	for _, seed := range []string{"g", "R", "badge 04a1b2c3", "b zz", "state", "help", "", "badge 04a1 extra", "\x00\xff"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, line string) {
		b := NewBoard(&Options{Logger: slog.New(slog.DiscardHandler)})
		reply := b.Command(line)
		if strings.ContainsAny(reply, "\n\r") {
			t.Errorf("Command(%q) = %q, want one line", line, reply)
		}
		if reply != "" && reply != "ok" && !strings.HasPrefix(reply, "error: ") && !strings.HasPrefix(reply, "led=") && reply != helpReply {
			t.Errorf("Command(%q) = %q, want ok, led=…, help or error: …", line, reply)
		}
	})
}
