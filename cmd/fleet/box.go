package main

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/pki"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// defaultBoard is the board profile of a newly enrolled box.
const defaultBoard = "sim"

// badgeList is the repeatable --badge UID=ID flag.
type badgeList []boxconfig.Badge

func (l *badgeList) String() string {
	parts := make([]string, len(*l))
	for i, b := range *l {
		parts[i] = b.UID + "=" + b.ID
	}
	return strings.Join(parts, ",")
}

// Set parses UID=ID. The UID may be written in upper case and with ':'
// between bytes, as card readers often print it.
func (l *badgeList) Set(s string) error {
	uid, id, ok := strings.Cut(s, "=")
	if !ok {
		return fmt.Errorf("invalid badge %q: use CARD_UID=BADGE_ID, such as 04a1b2c3=cw-0117", s)
	}
	uid = strings.ToLower(strings.ReplaceAll(uid, ":", ""))
	if err := boxconfig.CheckBadgeUID(uid); err != nil {
		return err
	}
	if err := protocol.CheckID("badge id", id); err != nil {
		return err
	}
	*l = append(*l, boxconfig.Badge{UID: uid, ID: id})
	return nil
}

// configFlags are the configuration flags shared by enroll and config.
type configFlags struct {
	badges              badgeList
	consentTimeout      time.Duration
	board               string
	caseworkerDirection *float64 // nil: not given or "none"
}

// register adds the flags to fs. With defaults false, a flag left out keeps
// the box's current value, so the help shows no default.
func (f *configFlags) register(fs *flag.FlagSet, defaults bool) {
	timeout, board, unchanged := boxconfig.DefaultConsentTimeout, defaultBoard, ""
	if !defaults {
		timeout, board, unchanged = 0, "", " (default: unchanged)"
	}
	fs.Var(&f.badges, "badge", "staff badge as `UID=ID`: the card UID in hex and the badge id (repeatable; replaces the box's badge list)"+unchanged)
	fs.DurationVar(&f.consentTimeout, "consent-timeout", timeout, fmt.Sprintf("how long the box waits for the client's yes or no, %s to %s", boxconfig.MinConsentTimeout, boxconfig.MaxConsentTimeout)+unchanged)
	fs.StringVar(&f.board, "board", board, "board profile of the box"+unchanged)
	fs.Func("caseworker-direction", "direction of the caseworker's chair in `degrees` counter-clockwise from the board's X axis (0 to 360), or none; diarization labels that speaker Handläggare"+unchanged, func(s string) error {
		if s == "none" {
			f.caseworkerDirection = nil
			return nil
		}
		d, err := strconv.ParseFloat(s, 64)
		if err != nil || !(d >= 0 && d < 360) {
			return fmt.Errorf("invalid direction %q: use 0 to 360 degrees, or none", s)
		}
		f.caseworkerDirection = &d
		return nil
	})
}

func (c *cli) enroll(args []string) error {
	fs := c.newFlagSet("enroll", "enroll --dir DIR --box BOX_ID --broker URL --recording-key FILE --out BOXDIR [--badge UID=ID]... [flags]")
	dir := fs.String("dir", "", "fleet directory")
	box := fs.String("box", "", "box id: 1 to 64 characters from a-z, 0-9 and '-', such as room-12")
	broker := fs.String("broker", "", "broker URL the box connects to, such as ssl://central.example:8883 (tcp:// only on loopback)")
	recordingKey := fs.String("recording-key", "", "`path` of the central service's recording-public.json, its public HPKE keyset")
	out := fs.String("out", "", "box enrollment directory to write (copy it to the box)")
	var validity validityFlag
	fs.Var(&validity, "validity", "how long the box certificate is valid, as `days` such as 1825d or a duration such as 43800h (default 1825d)")
	force := fs.Bool("force", false, "re-enroll a box that is already enrolled: new keys and certificate, the old ones stop working")
	var cf configFlags
	cf.register(fs, true)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required([2]string{"dir", *dir}, [2]string{"box", *box}, [2]string{"broker", *broker}, [2]string{"recording-key", *recordingKey}, [2]string{"out", *out}); err != nil {
		return err
	}
	if err := protocol.CheckID("box id", *box); err != nil {
		return usagef("%v", err)
	}
	if err := boxconfig.CheckBrokerURL(*broker); err != nil {
		return usagef("%v", err)
	}

	cfg := boxconfig.Config{
		Version:        1,
		BoxID:          *box,
		IssuedAt:       c.now().UTC(),
		Board:          cf.board,
		ConsentTimeout: boxconfig.Duration(cf.consentTimeout),
		Badges:         cf.badges,

		CaseworkerDirection: cf.caseworkerDirection,
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}

	if !*force {
		if _, err := os.Lstat(pki.BoxDir(*dir, *box)); err == nil {
			return fmt.Errorf("box %s is already enrolled in %s: use fleet config to change its configuration, or --force to re-enroll it with new keys", *box, *dir)
		}
		if _, err := os.Lstat(filepath.Join(*out, boxconfig.EnrollmentFile)); err == nil {
			return fmt.Errorf("%s already contains an enrollment: choose another --out directory, or --force to replace it", *out)
		}
	}

	ca, err := pki.LoadCA(*dir)
	if err != nil {
		return err
	}
	signer, err := pki.LoadConfigSigner(*dir)
	if err != nil {
		return err
	}
	verifyKeyset, err := pki.ReadConfigVerifyKeyset(*dir)
	if err != nil {
		return err
	}
	recordingKeyset, err := os.ReadFile(*recordingKey)
	if err != nil {
		return fmt.Errorf("reading the recording public keyset: %w", err)
	}

	// A re-enrolled box continues its configuration versions.
	if prev, err := readFleetConfig(*dir, *box); err == nil {
		cfg.Version = prev.Version + 1
	}

	kp, err := pki.IssueClientCert(ca, *box, time.Duration(validity))
	if err != nil {
		return err
	}
	chunkSigning, chunkVerify, err := pki.NewSigningKeyset()
	if err != nil {
		return err
	}
	e := &boxconfig.Enrollment{
		BoxID:                 *box,
		Broker:                *broker,
		CAPEM:                 ca.CertPEM,
		CertPEM:               kp.CertPEM,
		KeyPEM:                kp.KeyPEM,
		RecordingPublicKeyset: recordingKeyset,
		ConfigVerifyKeyset:    verifyKeyset,
		ChunkSigningKeyset:    chunkSigning,
	}
	if err := e.Validate(); err != nil {
		return fmt.Errorf("enrolling box %s: %w", *box, err)
	}
	if err := e.Write(*out); err != nil {
		return err
	}
	if err := pki.RegisterBox(*dir, pki.Box{ID: *box, CertPEM: kp.CertPEM, ChunkVerifyKeyset: chunkVerify}, *force); err != nil {
		return err
	}

	if err := c.signAndWrite(signer, cfg, *dir, *out); err != nil {
		return err
	}

	cert, err := pki.ParseCertPEM(kp.CertPEM)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "enrolled box %s with broker %s\n", *box, *broker)
	fmt.Fprintf(c.stdout, "  certificate %s\n", describeCert(cert))
	fmt.Fprintf(c.stdout, "  wrote the enrollment to %s: copy it to the box, it holds private keys\n", *out)
	fmt.Fprintf(c.stdout, "  registered the box in %s\n", pki.BoxDir(*dir, *box))
	if e.Insecure() {
		fmt.Fprintf(c.stdout, "  WARNING: the broker URL is plain TCP, for development on this machine only\n")
	}
	return nil
}

func (c *cli) config(args []string) error {
	fs := c.newFlagSet("config", "config --dir DIR --box BOX_ID [--badge UID=ID]... [--clear-badges] [--consent-timeout 60s] [--board NAME] [--out BOXDIR]")
	dir := fs.String("dir", "", "fleet directory")
	box := fs.String("box", "", "id of an enrolled box")
	out := fs.String("out", "", "also write config.json and config.sig here, such as the box's enrollment directory")
	clearBadges := fs.Bool("clear-badges", false, "remove every badge, so that no badge starts a recording")
	var cf configFlags
	cf.register(fs, false)
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required([2]string{"dir", *dir}, [2]string{"box", *box}); err != nil {
		return err
	}
	if err := protocol.CheckID("box id", *box); err != nil {
		return usagef("%v", err)
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *clearBadges && set["badge"] {
		return usagef("--clear-badges and --badge exclude each other")
	}

	signer, err := pki.LoadConfigSigner(*dir)
	if err != nil {
		return err
	}
	prev, err := readFleetConfig(*dir, *box)
	if err != nil {
		return err
	}

	// Flags that were given replace the previous values; the rest stay.
	cfg := *prev
	cfg.Version++
	cfg.IssuedAt = c.now().UTC()
	if set["badge"] {
		cfg.Badges = cf.badges
	}
	if *clearBadges {
		cfg.Badges = nil
	}
	if set["consent-timeout"] {
		cfg.ConsentTimeout = boxconfig.Duration(cf.consentTimeout)
	}
	if set["board"] {
		cfg.Board = cf.board
	}
	if set["caseworker-direction"] {
		cfg.CaseworkerDirection = cf.caseworkerDirection
	}
	if err := cfg.Validate(); err != nil {
		return usagef("%v", err)
	}

	if err := c.signAndWrite(signer, cfg, *dir, *out); err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "signed configuration version %d for box %s: board %s, consent timeout %s, %d badges\n",
		cfg.Version, cfg.BoxID, cfg.Board, time.Duration(cfg.ConsentTimeout), len(cfg.Badges))
	if *out == "" {
		fmt.Fprintf(c.stdout, "  copy %s and %s from %s to the box's enrollment directory\n", boxconfig.ConfigFile, boxconfig.SignatureFile, pki.BoxDir(*dir, *box))
	}
	return nil
}

// signAndWrite signs cfg and writes it into the box's fleet directory and,
// when out is set, into out. When out holds the box's enrollment, it loads
// the configuration back with it, so a configuration the box would reject
// is reported here.
func (c *cli) signAndWrite(signer tink.Signer, cfg boxconfig.Config, fleetDir, out string) error {
	data, sig, err := boxconfig.SignConfig(signer, cfg)
	if err != nil {
		return err
	}
	if err := boxconfig.WriteConfig(pki.BoxDir(fleetDir, cfg.BoxID), data, sig); err != nil {
		return err
	}
	if out == "" {
		return nil
	}

	if err := os.MkdirAll(out, 0o700); err != nil {
		return err
	}
	if err := boxconfig.WriteConfig(out, data, sig); err != nil {
		return err
	}
	if _, err := os.Lstat(filepath.Join(out, boxconfig.EnrollmentFile)); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	e, err := boxconfig.LoadEnrollment(out)
	if err != nil {
		return fmt.Errorf("checking the configuration against the enrollment in %s: %w", out, err)
	}
	if _, err := e.LoadConfig(out); err != nil {
		return fmt.Errorf("the box would reject this configuration: %w", err)
	}
	return nil
}

// readFleetConfig reads the last configuration signed for a box from the
// fleet directory.
func readFleetConfig(fleetDir, box string) (*boxconfig.Config, error) {
	path := filepath.Join(pki.BoxDir(fleetDir, box), boxconfig.ConfigFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("box %s is not enrolled in %s (no %s): enroll it with fleet enroll --box %s", box, fleetDir, path, box)
	}
	if err != nil {
		return nil, err
	}
	cfg, err := boxconfig.ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return cfg, nil
}
