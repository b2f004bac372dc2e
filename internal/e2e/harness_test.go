// Package e2e holds end-to-end tests: a real central service (TLS broker,
// SQLite store, Tink keys) and a real box (simulated board, spool, uplink)
// enrolled with the real fleet CLI, exchanging real Swedish audio.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/firmware/app"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/sim"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/internal/centralsvc"
)

const badgeUID = "04a1b2c3"

var binDir string // the built cmd/... binaries

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "ordagrann-e2e-bin")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	build := exec.Command("go", "build", "-o", dir+"/", "../../cmd/...")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building binaries:", err)
		os.Exit(1)
	}
	binDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// fleet is a fleet, the central service's data directory and one enrolled
// box, created with the real CLIs.
type fleet struct {
	root, fleetDir, dataDir, tlsDir, boxDir string
	mqttAddr                                string
}

func newFleet(t *testing.T) *fleet {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end test")
	}
	return newBenchFleet(t)
}

func newBenchFleet(t testing.TB) *fleet {
	t.Helper()
	root := t.TempDir()
	f := &fleet{
		root: root, fleetDir: filepath.Join(root, "fleet"), dataDir: filepath.Join(root, "central"),
		tlsDir: filepath.Join(root, "tls"), boxDir: filepath.Join(root, "box"), mqttAddr: freeAddr(t),
	}
	f.cli(t, "fleet", "init", "--dir", f.fleetDir)
	f.cli(t, "central", "init", "--data", f.dataDir)
	f.cli(t, "fleet", "server-cert", "--dir", f.fleetDir, "--host", "127.0.0.1", "--out", f.tlsDir)
	f.cli(t, "fleet", "enroll", "--dir", f.fleetDir, "--box", "room-1", "--broker", "ssl://"+f.mqttAddr,
		"--recording-key", filepath.Join(f.dataDir, "recording-public.json"),
		"--badge", badgeUID+"=caseworker-1", "--consent-timeout", "10s", "--out", f.boxDir)
	return f
}

func (f *fleet) cli(t testing.TB, name string, args ...string) string {
	t.Helper()
	var out bytes.Buffer
	cmd := exec.Command(filepath.Join(binDir, name), args...)
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %v: %v\n%s", name, args, err, out.String())
	}
	return out.String()
}

func freeAddr(t testing.TB) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// logBuffer collects log output for assertions and shows it when a test fails.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

func newLogger(t testing.TB, name string) (*slog.Logger, *logBuffer) {
	t.Helper()
	buf := &logBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("%s log:\n%s", name, buf.String())
		}
	})
	return slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug})), buf
}

// central runs the central service in this process.
type central struct {
	svc    *centralsvc.Service
	cancel context.CancelFunc
	log    *logBuffer
}

func (f *fleet) startCentral(t testing.TB, asrURL string) *central {
	t.Helper()
	logger, buf := newLogger(t, "central")
	ctx, cancel := context.WithCancel(context.Background())
	svc, err := centralsvc.Start(ctx, centralsvc.Config{
		DataDir: f.dataDir, MQTTAddr: f.mqttAddr,
		TLSCertFile: filepath.Join(f.tlsDir, "server.pem"), TLSKeyFile: filepath.Join(f.tlsDir, "server-key.pem"),
		ClientCAFile: filepath.Join(f.tlsDir, "ca.pem"), FleetDir: f.fleetDir,
		HTTPAddr: "127.0.0.1:0", ASRURL: asrURL, Logger: logger,
	})
	if err != nil {
		cancel()
		t.Fatalf("starting central service: %v\n%s", err, buf.String())
	}
	c := &central{svc: svc, cancel: cancel, log: buf}
	t.Cleanup(c.stop)
	return c
}

func (c *central) stop() {
	if c.svc == nil {
		return
	}
	c.cancel()
	c.svc.Close()
	c.svc = nil
}

// box runs the box in this process.
type box struct {
	b      *app.Box
	cancel context.CancelFunc
	done   chan error
	log    *logBuffer
}

func (f *fleet) startBox(t *testing.T, mic hal.Microphone) *box {
	t.Helper()
	logger, buf := newLogger(t, "box")
	ctx, cancel := context.WithCancel(context.Background())
	cfg := app.Config{EnrollmentDir: f.boxDir, AckTimeout: 2 * time.Second, Logger: logger}
	if mic != nil {
		cfg.Microphone = mic
	}
	b, err := app.Start(ctx, cfg)
	if err != nil {
		cancel()
		t.Fatalf("starting box: %v\n%s", err, buf.String())
	}
	bx := &box{b: b, cancel: cancel, done: make(chan error, 1), log: buf}
	go func() { bx.done <- b.Wait(ctx) }()
	t.Cleanup(func() { cancel(); <-bx.done })
	return bx
}

func wavMic(t *testing.T, path string, atEnd sim.EndMode) *sim.WAVMicrophone {
	t.Helper()
	mic, err := sim.NewWAVMicrophone(path, &sim.WAVOptions{AtEnd: atEnd})
	if err != nil {
		t.Fatal(err)
	}
	return mic
}

func readWAV(t *testing.T, path string) ([]int16, int, int) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	samples, rate, channels, err := audio.ReadWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return samples, rate, channels
}

// eventually polls cond until it holds or 30 s pass.
func eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	var lastErr error
	for {
		ok, err := cond()
		if ok {
			return
		}
		if err != nil {
			lastErr = err
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (last error: %v)", what, lastErr)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func waitLED(t *testing.T, bx *box, state hal.LEDState) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := bx.b.Board().WaitLED(ctx, state); err != nil {
		t.Fatalf("waiting for LED %s (now %s): %v", state, bx.b.Board().LED(), err)
	}
}

// startMeeting taps the badge and presses green, and returns when the box records.
func startMeeting(t *testing.T, bx *box) {
	t.Helper()
	uid, _ := hexBytes(badgeUID)
	if err := bx.b.Board().TapBadge(uid); err != nil {
		t.Fatal(err)
	}
	waitLED(t, bx, hal.LEDConsentWaiting)
	if err := bx.b.Board().PressGreen(); err != nil {
		t.Fatal(err)
	}
}

func hexBytes(s string) ([]byte, error) {
	out := make([]byte, len(s)/2)
	_, err := fmt.Sscanf(s, "%x", &out)
	return out, err
}

// onlyRecording returns the central service's single recording.
func onlyRecording(c *central) (store.Recording, error) {
	recs, err := c.svc.Store().Recordings(context.Background())
	if err != nil {
		return store.Recording{}, err
	}
	if len(recs) != 1 {
		return store.Recording{}, fmt.Errorf("%d recordings, want 1", len(recs))
	}
	return recs[0], nil
}

func waitComplete(t *testing.T, c *central) store.Recording {
	t.Helper()
	var rec store.Recording
	eventually(t, "the recording to be complete on the central service", func() (bool, error) {
		r, err := onlyRecording(c)
		rec = r
		return err == nil && r.Complete, err
	})
	return rec
}

func waitSpoolEmpty(t *testing.T, bx *box) {
	t.Helper()
	eventually(t, "the box spool to be empty", func() (bool, error) {
		st, err := bx.b.Spool().Stats()
		return err == nil && st.PendingChunks == 0 && st.PendingEvents == 0, err
	})
}

func assertAudio(t *testing.T, c *central, rec store.Recording, want []int16, channels int) {
	t.Helper()
	frames := uint64(len(want) / channels)
	if rec.ContiguousFrames != frames {
		t.Fatalf("central holds %d contiguous frames, want %d", rec.ContiguousFrames, frames)
	}
	got, format, err := c.svc.Store().ReadAudio(context.Background(), rec.ID, 0, frames)
	if err != nil {
		t.Fatal(err)
	}
	if format.Channels != channels {
		t.Errorf("channels = %d, want %d", format.Channels, channels)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d samples, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("sample %d (frame %d) = %d, want %d", i, i/channels, got[i], want[i])
		}
	}
}

var errNotYet = errors.New("not yet")

var _ = io.Discard
