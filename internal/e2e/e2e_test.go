package e2e

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/audit"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/sim"
)

const meeting2ch = "../../testdata/audio/meeting-sv-2ch.wav"
const meeting1ch = "../../testdata/audio/meeting-sv.wav"

func TestMeetingArrivesIdentical(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	bx := f.startBox(t, wavMic(t, meeting2ch, sim.EndEOF))
	want, _, channels := readWAV(t, meeting2ch)

	startMeeting(t, bx)
	rec := waitComplete(t, c)

	assertAudio(t, c, rec, want, channels)
	waitSpoolEmpty(t, bx)
	if rec.BoxID != "room-1" {
		t.Errorf("box id = %q, want room-1", rec.BoxID)
	}
	if rec.BadgeID != "caseworker-1" {
		t.Errorf("badge id = %q, want caseworker-1", rec.BadgeID)
	}
	if rec.ChunksExpected != rec.ChunksReceived {
		t.Errorf("chunks received %d, expected %d", rec.ChunksReceived, rec.ChunksExpected)
	}
	if strings.Contains(c.log.String(), "rejected") {
		t.Errorf("central log reports a rejection in a clean meeting")
	}
}

func TestDeclineRecordsNothing(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	bx := f.startBox(t, wavMic(t, meeting1ch, sim.EndEOF))

	uid, _ := hexBytes(badgeUID)
	if err := bx.b.Board().TapBadge(uid); err != nil {
		t.Fatal(err)
	}
	waitLED(t, bx, hal.LEDConsentWaiting)
	if err := bx.b.Board().PressRed(); err != nil {
		t.Fatal(err)
	}
	waitLED(t, bx, hal.LEDDeclined)
	waitLED(t, bx, hal.LEDIdle)

	st, err := bx.b.Spool().Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.PendingChunks != 0 || st.PendingEvents != 0 {
		t.Errorf("spool after a no holds %d chunks and %d events, want none", st.PendingChunks, st.PendingEvents)
	}
	for _, ch := range bx.b.Board().LEDHistory() {
		if ch.State == hal.LEDRecording {
			t.Errorf("LED showed recording after a no")
		}
	}

	// A yes afterwards is the barrier: once its recording is complete, any
	// message from the declined request would have arrived before it.
	startMeeting(t, bx)
	waitComplete(t, c)
	recs, err := c.svc.Store().Recordings(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 {
		t.Errorf("central holds %d recordings after a no and a yes, want 1", len(recs))
	}
}

func TestWithdrawDeletesOnBothSides(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	mic := newGatedMic(wavMic(t, meeting1ch, sim.EndEOF), 16000*12)
	bx := f.startBox(t, mic)

	startMeeting(t, bx)
	var rec store.Recording
	eventually(t, "two chunks on the central service", func() (bool, error) {
		r, err := onlyRecording(c)
		rec = r
		return err == nil && r.ChunksReceived >= 2, err
	})

	if err := bx.b.Board().LongPressRed(); err != nil {
		t.Fatal(err)
	}
	waitLED(t, bx, hal.LEDWithdrawn)
	mic.release()

	eventually(t, "the recording to be deleted on the central service", func() (bool, error) {
		_, err := c.svc.Store().Recording(context.Background(), rec.ID)
		return errors.Is(err, store.ErrDeleted), nil
	})
	eventually(t, "the box to hold nothing of the recording", func() (bool, error) {
		_, err := bx.b.Spool().Recording(rec.ID)
		return errors.Is(err, spool.ErrNotFound), nil
	})
	if _, _, err := c.svc.Store().ReadAudio(context.Background(), rec.ID, 0, 16000); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("ReadAudio after withdrawal = %v, want ErrDeleted", err)
	}

	entries, err := c.svc.Audit().Query(context.Background(), audit.Filter{RecordingID: rec.ID, Actions: []audit.Action{audit.ActionWithdraw}})
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Role != audit.RoleClient || entries[0].BoxID != "room-1" {
		t.Errorf("access log withdrawal entries = %+v, want one by the client on room-1", entries)
	}

	// The access log must verify once the service has stopped and signed its head.
	c.stop()
	if out := f.cli(t, "central", "audit", "verify", "--data", f.dataDir); !strings.Contains(strings.ToLower(out), "intact") && !strings.Contains(strings.ToLower(out), "ok") {
		t.Errorf("central audit verify output %q does not report an intact log", out)
	}
}

func TestBrokerDownDuringMeeting(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	mic := newGatedMic(wavMic(t, meeting1ch, sim.EndEOF), 16000*12)
	bx := f.startBox(t, mic)
	want, _, channels := readWAV(t, meeting1ch)

	startMeeting(t, bx)
	eventually(t, "the first chunks on the central service", func() (bool, error) {
		r, err := onlyRecording(c)
		return err == nil && r.ChunksReceived >= 2, err
	})

	// The central service and its broker go away; the meeting goes on.
	c.stop()
	mic.release()
	waitLED(t, bx, hal.LEDSending)
	st, err := bx.b.Spool().Stats()
	if err != nil {
		t.Fatal(err)
	}
	if st.PendingChunks == 0 {
		t.Fatal("spool holds no chunks while the broker is down")
	}

	c2 := f.startCentral(t, "")
	rec := waitComplete(t, c2)
	assertAudio(t, c2, rec, want, channels)
	waitSpoolEmpty(t, bx)
	waitLED(t, bx, hal.LEDIdle)
}

func TestBoxKilledMidRecording(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	want, _, channels := readWAV(t, meeting1ch)

	socket := filepath.Join(f.root, "box.sock")
	spoolPath := filepath.Join(f.root, "spool.db")
	start := func() *exec.Cmd {
		cmd := exec.Command(filepath.Join(binDir, "box"), "run", "--enrollment", f.boxDir, "--spool", spoolPath,
			"--wav", meeting1ch, "--wav-end", "eof", "--control", socket)
		logFile, err := os.Create(filepath.Join(f.root, "box.log"))
		if err != nil {
			t.Fatal(err)
		}
		cmd.Stdout, cmd.Stderr = logFile, logFile
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait(); logFile.Close() })
		eventually(t, "the box control socket", func() (bool, error) {
			reply, err := f.ctl(socket, "state")
			return err == nil && strings.HasPrefix(reply, "led="), err
		})
		return cmd
	}
	t.Cleanup(func() {
		if t.Failed() {
			b, _ := os.ReadFile(filepath.Join(f.root, "box.log"))
			t.Logf("box process log:\n%s", b)
		}
	})

	box := start()
	for _, cmd := range []string{"badge " + badgeUID, "green"} {
		if reply, err := f.ctl(socket, cmd); err != nil || reply != "ok" {
			t.Fatalf("ctl %s = %q, %v", cmd, reply, err)
		}
	}
	eventually(t, "two chunks on the central service", func() (bool, error) {
		r, err := onlyRecording(c)
		return err == nil && r.ChunksReceived >= 2, err
	})
	if err := box.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	box.Wait()

	sp, err := spool.Open(spoolPath, nil)
	if err != nil {
		t.Fatal(err)
	}
	open, err := sp.OpenRecordings()
	sp.Close()
	if err != nil {
		t.Fatal(err)
	}
	if len(open) != 1 {
		t.Fatalf("spool holds %d open recordings after SIGKILL, want 1", len(open))
	}
	written := open[0]

	start()
	rec := waitComplete(t, c)
	if rec.State != store.StateInterrupted {
		t.Errorf("state = %s, want interrupted", rec.State)
	}
	if rec.ChunksReceived != int64(written.NextChunkSeq) {
		t.Errorf("central holds %d chunks, the box had written %d", rec.ChunksReceived, written.NextChunkSeq)
	}
	assertAudio(t, c, rec, want[:int(written.Frames)*channels], channels)
}

func (f *fleet) ctl(socket, command string) (string, error) {
	out, err := exec.Command(filepath.Join(binDir, "box"), append([]string{"ctl", "--control", socket}, strings.Fields(command)...)...).Output()
	return strings.TrimSpace(string(out)), err
}

// gatedMic passes audio through until limit frames, then blocks Read until
// release, so a test can act while a meeting is under way.
type gatedMic struct {
	hal.Microphone
	limit    uint64
	once     sync.Once
	released chan struct{}

	mu     sync.Mutex
	frames uint64
}

func newGatedMic(m hal.Microphone, limit uint64) *gatedMic {
	return &gatedMic{Microphone: m, limit: limit, released: make(chan struct{})}
}

func (g *gatedMic) release() { g.once.Do(func() { close(g.released) }) }

func (g *gatedMic) Read(buf []int16) (int, error) {
	channels := g.Format().Channels
	g.mu.Lock()
	left := int64(g.limit) - int64(g.frames)
	g.mu.Unlock()
	if left <= 0 {
		select {
		case <-g.released:
		case <-time.After(50 * time.Millisecond):
			return 0, nil
		}
	} else if int64(len(buf)/channels) > left {
		buf = buf[:int(left)*channels]
	}
	n, err := g.Microphone.Read(buf)
	g.mu.Lock()
	g.frames += uint64(n / channels)
	g.mu.Unlock()
	return n, err
}

// TestBoxWithoutMicrophoneFaults starts a box with no WAV file on a machine
// with no sound card: it must come up in the fault state and start nothing.
func TestBoxWithoutMicrophoneFaults(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	bx := f.startBox(t, nil)

	waitLED(t, bx, hal.LEDFault)
	if reason := bx.b.Session().FaultReason(); !strings.Contains(reason, "microphone") {
		t.Errorf("fault reason = %q, want it to name the microphone", reason)
	}
	uid, _ := hexBytes(badgeUID)
	if err := bx.b.Board().TapBadge(uid); err != nil {
		t.Fatal(err)
	}
	eventually(t, "the box to report its fault to the central service", func() (bool, error) {
		st, ok := c.svc.Statuses()["room-1"]
		return ok && st.State == "fault", nil
	})
	for _, ch := range bx.b.Board().LEDHistory() {
		if ch.State == hal.LEDConsentWaiting || ch.State == hal.LEDRecording {
			t.Errorf("a faulted box showed %s", ch.State)
		}
	}
}

// TestProgressAPILoopbackOnly: the JSON progress list answers only
// requests for a loopback host, like the web view, so a page on another
// site cannot read it through DNS rebinding.
func TestProgressAPILoopbackOnly(t *testing.T) {
	f := newFleet(t)
	c := f.startCentral(t, "")
	url := "http://" + c.svc.HTTPAddr().String() + "/api/v1/recordings"
	for host, want := range map[string]int{"rebind.example:8080": http.StatusForbidden, "127.0.0.1": http.StatusOK} {
		req, _ := http.NewRequest(http.MethodGet, url, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("GET /api/v1/recordings with Host %s = %d, want %d", host, resp.StatusCode, want)
		}
	}
}
