// Package app assembles the room box: enrollment and signed configuration,
// the board, the session state machine, capture into the encrypted spool,
// and the uplink to the central service. cmd/box parses flags into a Config
// and calls Start; the end-to-end tests call the same code.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"time"

	"github.com/ordagrann/ordagrann/board"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
	"github.com/ordagrann/ordagrann/firmware/capture"
	"github.com/ordagrann/ordagrann/firmware/session"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/hal/malgomic"
	"github.com/ordagrann/ordagrann/hal/sim"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/ordagrann/ordagrann/sync/uplink"
)

// DefaultMaxUnsentAge is how long the box keeps a chunk or event the
// central service never acknowledged: the same 48 hours after which the
// central service deletes recordings.
const DefaultMaxUnsentAge = 48 * time.Hour

// Config is the box's start-up configuration. Zero fields take the defaults
// named on each field.
type Config struct {
	// EnrollmentDir is the directory `fleet enroll` wrote (required).
	EnrollmentDir string
	// SpoolPath is the spool database. Default EnrollmentDir/spool.db.
	SpoolPath string
	// Board overrides the signed configuration's board profile name.
	Board string

	// Microphone replaces the board's microphone, e.g. a WAV file player.
	// Nil means the sound card named by SoundCard.
	Microphone hal.Microphone
	// SoundCard selects the capture device whose name contains this text.
	// Empty means the system default.
	SoundCard string

	// ControlSocket, when set, serves the simulated board's control
	// protocol on a Unix socket at this path.
	ControlSocket string
	// Terminal, when set, reads control commands line by line; replies go to TerminalOut.
	Terminal    io.Reader
	TerminalOut io.Writer

	// MaxUnsentAge is how long unacknowledged items stay in the spool. Default DefaultMaxUnsentAge.
	MaxUnsentAge time.Duration
	// AckTimeout is how long the uplink waits for the central service's ack
	// before it sends again. Default 30 s.
	AckTimeout time.Duration

	Logger *slog.Logger
}

// Box is a running room box.
type Box struct {
	cfg     Config
	log     *slog.Logger
	enr     *boxconfig.Enrollment
	board   *sim.Board
	spool   *spool.Spool
	uplink  *uplink.Client
	session *session.Session
	journal *journal
	control *sim.ControlServer

	wg   sync.WaitGroup
	errs chan error
}

// Start opens the box's state, closes recordings a crash left open, and
// starts the session and the uplink. It returns when they run.
func Start(ctx context.Context, cfg Config) (*Box, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.MaxUnsentAge <= 0 {
		cfg.MaxUnsentAge = DefaultMaxUnsentAge
	}
	b := &Box{cfg: cfg, log: cfg.Logger, errs: make(chan error, 4)}
	if err := b.open(); err != nil {
		b.closeResources()
		return nil, err
	}
	b.run(ctx)
	return b, nil
}

func (b *Box) open() error {
	if b.cfg.EnrollmentDir == "" {
		return errors.New("missing enrollment directory: run `fleet enroll` and pass its --out directory")
	}
	enr, err := boxconfig.LoadEnrollment(b.cfg.EnrollmentDir)
	if err != nil {
		return err
	}
	b.enr = enr
	// Session and uplink add box_id to cfg.Logger themselves; the rest log through b.log.
	b.log = b.log.With("box_id", enr.BoxID)

	// A box without a valid signed configuration still starts, in the
	// fault state, so the LED shows the room that nothing can be recorded.
	conf, confErr := enr.LoadConfig(b.cfg.EnrollmentDir)
	if confErr != nil {
		b.log.Error("signed configuration rejected, box stays in fault state", "error", confErr)
		conf = &boxconfig.Config{}
	}

	profile, err := b.profile(conf)
	if err != nil {
		return err
	}
	b.board = sim.NewBoard(&sim.Options{Logger: b.log})
	mic := b.cfg.Microphone
	if mic == nil {
		// A box without a working microphone still starts, in the fault
		// state, so the LED shows that nothing can be recorded.
		card, err := malgomic.Open(&malgomic.Options{Format: profile.Format(), Device: b.cfg.SoundCard, Logger: b.log})
		if err != nil {
			b.log.Error("sound card unavailable, box stays in fault state", "error", err)
		} else {
			mic = card
		}
	}
	if mic != nil {
		if got, want := mic.Format(), profile.Format(); got != want {
			return fmt.Errorf("microphone delivers %d Hz with %d channels, board %s needs %d Hz with %d channels",
				got.SampleRate, got.Channels, profile.Name, want.SampleRate, want.Channels)
		}
	}

	spoolPath := b.cfg.SpoolPath
	if spoolPath == "" {
		spoolPath = filepath.Join(b.cfg.EnrollmentDir, "spool.db")
	}
	sp, err := spool.Open(spoolPath, &spool.Options{Logger: b.log})
	if err != nil {
		return err
	}
	b.spool = sp

	closed, err := session.RecoverInterrupted(recoveryJournal{sp}, time.Now().UTC())
	if err != nil {
		return fmt.Errorf("closing recordings interrupted by a crash: %w", err)
	}
	for _, rec := range closed {
		b.log.Warn("recording interrupted by a crash or power cut closed; its chunks will still be sent", "recording_id", rec)
	}

	if err := b.openUplink(); err != nil {
		return err
	}
	return b.openSession(conf, profile, mic)
}

func (b *Box) profile(conf *boxconfig.Config) (board.Profile, error) {
	name := b.cfg.Board
	if name == "" {
		name = conf.Board
	}
	if name == "" {
		name = "sim"
	}
	if name != "sim" {
		// TODO: drive the GPIO buttons, LED and NFC reader of hardware boards through periph.io.
		return board.Profile{}, fmt.Errorf("board %q: this build drives only the simulated board; use --board sim", name)
	}
	channels := 1
	if b.cfg.Microphone != nil {
		channels = b.cfg.Microphone.Format().Channels
	}
	return board.Sim(channels)
}

func (b *Box) openUplink() error {
	opts := &uplink.Options{Broker: b.enr.Broker, AckTimeout: b.cfg.AckTimeout, Logger: b.cfg.Logger}
	if !b.enr.Insecure() {
		tlsConfig, err := b.enr.TLSConfig()
		if err != nil {
			return fmt.Errorf("box TLS configuration: %w", err)
		}
		opts.TLS = tlsConfig
	}
	b.journal = newJournal(b.spool)
	opts.OnAcked = b.journal.acked
	up, err := uplink.New(b.enr.BoxID, outbox{b.spool}, opts)
	if err != nil {
		return err
	}
	b.uplink = up
	b.journal.notify = up.Notify
	return nil
}

func (b *Box) openSession(conf *boxconfig.Config, profile board.Profile, mic hal.Microphone) error {
	enc, err := b.enr.HybridEncrypt()
	if err != nil {
		return fmt.Errorf("recording public key: %w", err)
	}
	signer, err := b.enr.ChunkSigner()
	if err != nil {
		return fmt.Errorf("chunk signing key: %w", err)
	}
	sealer := &chunkcrypt.Sealer{BoxID: b.enr.BoxID, Enc: enc, Signer: signer}

	s, err := session.New(b.board.Green(), b.board.Red(), b.board.StatusLED(), b.board.Reader(), mic, b.journal, &session.Options{
		BoxID:          b.enr.BoxID,
		Board:          profile.Name,
		Badges:         conf.BadgeMap(),
		ConsentTimeout: time.Duration(conf.ConsentTimeout),

		CaseworkerDirection: conf.CaseworkerDirection,
		NewRecorder: func(rec string, format hal.AudioFormat) (session.Recorder, error) {
			return capture.NewRecorder(sealer, b.journal, rec, format, &capture.Options{Logger: b.log})
		},
		OnState: b.publishState,
		Logger:  b.cfg.Logger,
	})
	if err != nil {
		return err
	}
	b.session = s

	if b.cfg.ControlSocket != "" {
		ctl, err := b.board.ListenControl(b.cfg.ControlSocket)
		if err != nil {
			return err
		}
		b.control = ctl
	}
	return nil
}

func (b *Box) publishState(st protocol.BoxState) {
	stats, err := b.spool.Stats()
	if err != nil {
		b.log.Error("spool stats failed", "error", err)
	}
	b.uplink.SetStatus(protocol.Status{
		State:   st,
		At:      time.Now().UTC(),
		Spooled: stats.PendingChunks + stats.PendingEvents,
		Fault:   b.session.FaultReason(),
	})
}

func (b *Box) run(ctx context.Context) {
	b.goRun("uplink", func() error { return b.uplink.Run(ctx) })
	b.goRun("session", func() error { return b.session.Run(ctx) })
	b.goRun("wipe", func() error { return b.wipeLoop(ctx) })
	if b.cfg.Terminal != nil {
		out := b.cfg.TerminalOut
		if out == nil {
			out = io.Discard
		}
		go func() {
			if err := b.board.ServeLines(b.cfg.Terminal, out); err != nil {
				b.log.Warn("terminal control ended", "error", err)
			}
		}()
	}
	b.publishState(b.session.State())
}

func (b *Box) goRun(name string, f func() error) {
	b.wg.Add(1)
	go func() {
		defer b.wg.Done()
		if err := f(); err != nil && !errors.Is(err, context.Canceled) {
			b.log.Error("box component stopped", "component", name, "error", err)
			b.errs <- fmt.Errorf("%s: %w", name, err)
		}
	}()
}

// wipeLoop deletes unsent items older than MaxUnsentAge, hourly.
func (b *Box) wipeLoop(ctx context.Context) error {
	tick := time.NewTicker(time.Hour)
	defer tick.Stop()
	for {
		n, err := b.spool.WipeOlderThan(time.Now().Add(-b.cfg.MaxUnsentAge))
		if err != nil {
			b.log.Error("spool wipe failed", "error", err)
		} else if n > 0 {
			b.log.Warn("unsent spool items past the retention age deleted", "items", n, "max_age", b.cfg.MaxUnsentAge.String())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}

// Wait blocks until ctx passed to Start ends or a component fails, then
// releases everything.
func (b *Box) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-b.errs:
	}
	b.wg.Wait()
	b.closeResources()
	return err
}

func (b *Box) closeResources() {
	if b.control != nil {
		b.control.Close()
	}
	if b.board != nil {
		b.board.Close()
	}
	if b.spool != nil {
		b.spool.Close()
	}
}

// Board returns the simulated board, for tests and the terminal.
func (b *Box) Board() *sim.Board { return b.board }

// Spool returns the box's spool, for tests.
func (b *Box) Spool() *spool.Spool { return b.spool }

// Session returns the box's session, for tests.
func (b *Box) Session() *session.Session { return b.session }

// ID returns the enrolled box id.
func (b *Box) ID() string { return b.enr.BoxID }
