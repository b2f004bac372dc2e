// Command box is the room box daemon.
//
//	box run --enrollment DIR [--wav FILE] [--control SOCKET]   run the box
//	box ctl --control SOCKET COMMAND...                          drive a simulated box
package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/ordagrann/ordagrann/firmware/app"
	"github.com/ordagrann/ordagrann/hal/sim"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

const usage = `usage: box <command> [flags]

commands:
  run   run the box
  ctl   send one command to a simulated box's control socket and print the reply

Run "box <command> -h" for the flags of a command.
`

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "run":
		return runBox(args[1:], stdin, stdout, stderr)
	case "ctl":
		return runCtl(args[1:], stdout, stderr)
	case "-h", "-help", "--help", "help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "box: unknown command %q\n\n%s", args[0], usage)
	return 2
}

func runBox(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("box run", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var cfg app.Config
	fs.StringVar(&cfg.EnrollmentDir, "enrollment", "", "enrollment directory written by `fleet enroll` (required)")
	fs.StringVar(&cfg.SpoolPath, "spool", "", "spool database path (default: spool.db in the enrollment directory)")
	fs.StringVar(&cfg.Board, "board", "", "board profile, overriding the signed configuration (this build: sim)")
	fs.StringVar(&cfg.ControlSocket, "control", "", "serve the simulated board's control protocol on this Unix socket")
	fs.StringVar(&cfg.SoundCard, "sound-card", "", "capture device whose name contains this text, when no --wav is given (default: the system default)")
	wav := fs.String("wav", "", "play this 16-bit PCM WAV file as the microphone (resampled to 16 kHz)")
	fast := fs.Bool("fast", false, "play the WAV file as fast as possible instead of in real time")
	atEnd := fs.String("wav-end", "silence", "what the WAV microphone does at the end of the file: eof, loop or silence")
	terminal := fs.Bool("terminal", false, "read control commands from standard input")
	level := fs.String("log-level", "info", "log level: debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	log := newLogger(stderr, *level)
	cfg.Logger = log

	if *wav != "" {
		mode, err := parseEndMode(*atEnd)
		if err != nil {
			fmt.Fprintf(stderr, "box run: %v\n", err)
			return 2
		}
		mic, err := sim.NewWAVMicrophone(*wav, &sim.WAVOptions{Realtime: !*fast, AtEnd: mode})
		if err != nil {
			fmt.Fprintf(stderr, "box run: %v\n", err)
			return 1
		}
		cfg.Microphone = mic
	}
	if *terminal {
		cfg.Terminal, cfg.TerminalOut = stdin, stdout
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	box, err := app.Start(ctx, cfg)
	if err != nil {
		fmt.Fprintf(stderr, "box run: %v\n", err)
		return 1
	}
	log.Info("box started", "box_id", box.ID(), "control_socket", cfg.ControlSocket)
	if err := box.Wait(ctx); err != nil {
		fmt.Fprintf(stderr, "box run: %v\n", err)
		return 1
	}
	return 0
}

func parseEndMode(s string) (sim.EndMode, error) {
	for _, m := range []sim.EndMode{sim.EndEOF, sim.EndLoop, sim.EndSilence} {
		if m.String() == s {
			return m, nil
		}
	}
	return 0, fmt.Errorf("invalid --wav-end %q: use eof, loop or silence", s)
}

func runCtl(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("box ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("control", "", "the box's control socket (required)")
	timeout := fs.Duration("timeout", 5*time.Second, "how long to wait for the reply")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *socket == "" || fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: box ctl --control SOCKET COMMAND (badge UID, green, red, long, state, help)")
		return 2
	}
	reply, err := sendControl(*socket, strings.Join(fs.Args(), " "), *timeout)
	if err != nil {
		fmt.Fprintf(stderr, "box ctl: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, reply)
	if strings.HasPrefix(reply, "error") {
		return 1
	}
	return 0
}

func sendControl(socket, line string, timeout time.Duration) (string, error) {
	conn, err := net.DialTimeout("unix", socket, timeout)
	if err != nil {
		return "", fmt.Errorf("connecting to control socket %s: %w (is `box run --control %s` running?)", socket, err, socket)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(timeout))
	if _, err := fmt.Fprintln(conn, line); err != nil {
		return "", fmt.Errorf("sending command: %w", err)
	}
	reply, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("reading reply: %w", err)
	}
	return strings.TrimSpace(reply), nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		l = slog.LevelInfo
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: l}))
}
