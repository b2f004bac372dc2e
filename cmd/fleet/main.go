// Command fleet is IT's tool for the Ordagrann fleet: it creates the fleet's
// certificate authority and configuration signing key, issues the central
// service's server certificate, enrolls room boxes and signs their
// configuration.
//
// Run "fleet help" for the commands and their flags.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"
)

// Exit codes.
const (
	exitOK      = 0
	exitFailure = 1 // the command ran and failed
	exitUsage   = 2 // invalid command line
)

const usage = `Usage: fleet COMMAND [flags]

Commands:
  init         create a fleet directory: CA and configuration signing key
  server-cert  issue the central service's TLS certificate
  enroll       enroll a box: key, certificate, pinned keys, signed configuration
  config       sign a new configuration for an enrolled box
  help         show this help, or "fleet help COMMAND" for a command's flags

Examples:
  fleet init --dir /etc/ordagrann/fleet
  fleet server-cert --dir /etc/ordagrann/fleet --host central.example --host 10.0.0.5 --out /etc/ordagrann/central
  fleet enroll --dir /etc/ordagrann/fleet --box room-12 --broker ssl://central.example:8883 \
      --recording-key /var/lib/ordagrann/recording-public.json --badge 04a1b2c3=cw-0117 --out ./room-12
  fleet config --dir /etc/ordagrann/fleet --box room-12 --badge 04a1b2c3=cw-0117 --consent-timeout 60s --out ./room-12

Exit status: 0 on success, 1 when a command fails, 2 for an invalid command line.
`

// TODO: signed firmware updates (OTA manifests), pushing configuration over
// MQTT to central/box/<id>/config and remote wipe are not implemented; today
// IT copies config.json and config.sig to the box's enrollment directory.

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// run executes one fleet command and returns its exit status.
func run(args []string, stdout, stderr io.Writer) int {
	c := &cli{stdout: stdout, stderr: stderr, now: time.Now}
	return c.run(args)
}

type cli struct {
	stdout, stderr io.Writer
	now            func() time.Time
}

// usageError is an invalid command line; run prints it with exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

func usagef(format string, args ...any) error {
	return &usageError{msg: fmt.Sprintf(format, args...)}
}

type command struct {
	name, summary string
	run           func(c *cli, args []string) error
}

func commands() []command {
	return []command{
		{"init", "create a fleet directory", (*cli).initFleet},
		{"server-cert", "issue the central service's TLS certificate", (*cli).serverCert},
		{"enroll", "enroll a box", (*cli).enroll},
		{"config", "sign a new configuration for an enrolled box", (*cli).config},
	}
}

func (c *cli) run(args []string) int {
	if len(args) == 0 {
		fmt.Fprint(c.stderr, usage)
		return exitUsage
	}
	name, rest := args[0], args[1:]
	if name == "help" || name == "-h" || name == "-help" || name == "--help" {
		if len(rest) == 1 {
			return c.run([]string{rest[0], "-help"})
		}
		fmt.Fprint(c.stdout, usage)
		return exitOK
	}

	for _, cmd := range commands() {
		if cmd.name != name {
			continue
		}
		err := cmd.run(c, rest)
		var ue *usageError
		switch {
		case err == nil:
			return exitOK
		case errors.Is(err, flag.ErrHelp):
			return exitOK
		case errors.As(err, &ue):
			fmt.Fprintf(c.stderr, "fleet %s: %v\nRun \"fleet help %s\" for the flags.\n", name, err, name)
			return exitUsage
		default:
			fmt.Fprintf(c.stderr, "fleet %s: %v\n", name, err)
			return exitFailure
		}
	}
	fmt.Fprintf(c.stderr, "fleet: unknown command %q\n\n%s", name, usage)
	return exitUsage
}

// newFlagSet returns a flag set that prints its help to stdout on -help and
// nothing on errors, because run prints the error itself.
func (c *cli) newFlagSet(name, synopsis string) *flag.FlagSet {
	fs := flag.NewFlagSet("fleet "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fs.SetOutput(c.stdout)
		fmt.Fprintf(c.stdout, "Usage: fleet %s\n\nFlags:\n", synopsis)
		fs.PrintDefaults()
	}
	return fs
}

// parse parses args and turns flag errors and stray arguments into usage errors.
func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usagef("%v", err)
	}
	if fs.NArg() > 0 {
		return usagef("unexpected argument %q", fs.Arg(0))
	}
	return nil
}

// required returns a usage error naming the first empty flag.
func required(flags ...[2]string) error {
	for _, f := range flags {
		if f[1] == "" {
			return usagef("missing --%s", f[0])
		}
	}
	return nil
}

// stringList is a flag that may be repeated.
type stringList []string

func (l *stringList) String() string { return strings.Join(*l, ",") }

func (l *stringList) Set(s string) error {
	*l = append(*l, s)
	return nil
}

// validityFlag is a duration flag that also accepts whole days, such as "730d".
type validityFlag time.Duration

func (v *validityFlag) String() string {
	if *v == 0 {
		return ""
	}
	return time.Duration(*v).String()
}

func (v *validityFlag) Set(s string) error {
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 1 {
			return fmt.Errorf("invalid validity %q: use a number of days such as 730d, or a duration such as 8760h", s)
		}
		*v = validityFlag(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return fmt.Errorf("invalid validity %q: use a number of days such as 730d, or a duration such as 8760h", s)
	}
	*v = validityFlag(d)
	return nil
}
