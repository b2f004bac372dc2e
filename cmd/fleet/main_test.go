package main

import (
	"bytes"
	"crypto/tls"
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/central/pki"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/insecurecleartextkeyset"
	"github.com/tink-crypto/tink-go/v2/keyset"
)

func runCLI(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	code = run(args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// mustRun runs a command that must succeed.
func mustRun(t *testing.T, args ...string) string {
	t.Helper()
	code, stdout, stderr := runCLI(t, args...)
	if code != exitOK {
		t.Fatalf("fleet %s = exit %d, want 0\nstderr: %s", strings.Join(args, " "), code, stderr)
	}
	return stdout
}

// recordingKeyFiles writes the central service's HPKE keyset as
// recording-public.json and, for negative tests, its private half.
func recordingKeyFiles(t *testing.T, dir string) (public, private string) {
	t.Helper()
	h, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := h.Public()
	if err != nil {
		t.Fatal(err)
	}
	var pubJSON, privJSON bytes.Buffer
	if err := pub.WriteWithNoSecrets(keyset.NewJSONWriter(&pubJSON)); err != nil {
		t.Fatal(err)
	}
	if err := insecurecleartextkeyset.Write(h, keyset.NewJSONWriter(&privJSON)); err != nil {
		t.Fatal(err)
	}
	public = filepath.Join(dir, "recording-public.json")
	private = filepath.Join(dir, "recording-private.json")
	if err := os.WriteFile(public, pubJSON.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(private, privJSON.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return public, private
}

type env struct {
	fleet, central, box, recordingKey, recordingPrivate string
}

// newEnv creates a fleet directory and a server certificate for 127.0.0.1.
func newEnv(t *testing.T) env {
	t.Helper()
	root := t.TempDir()
	e := env{fleet: filepath.Join(root, "fleet"), central: filepath.Join(root, "central"), box: filepath.Join(root, "box")}
	e.recordingKey, e.recordingPrivate = recordingKeyFiles(t, root)
	mustRun(t, "init", "--dir", e.fleet)
	mustRun(t, "server-cert", "--dir", e.fleet, "--host", "127.0.0.1", "--host", "central.example", "--out", e.central)
	return e
}

func (e env) enroll(t *testing.T, extra ...string) string {
	t.Helper()
	args := []string{"enroll", "--dir", e.fleet, "--box", "room-12", "--broker", "ssl://127.0.0.1:8883",
		"--recording-key", e.recordingKey, "--out", e.box}
	return mustRun(t, append(args, extra...)...)
}

func TestEnrollThenBoxConnects(t *testing.T) {
	e := newEnv(t)
	e.enroll(t, "--badge", "04:A1:B2:C3=cw-0001", "--badge", "04a1b2c3d4e5f6=cw-0002", "--consent-timeout", "45s")

	enrollment, err := boxconfig.LoadEnrollment(e.box)
	if err != nil {
		t.Fatalf("LoadEnrollment: %v", err)
	}
	cfg, err := enrollment.LoadConfig(e.box)
	if err != nil {
		t.Fatalf("LoadConfig: %v", err)
	}
	wantBadges := map[string]string{"04a1b2c3": "cw-0001", "04a1b2c3d4e5f6": "cw-0002"}
	if diff := cmp.Diff(wantBadges, cfg.BadgeMap()); diff != "" {
		t.Errorf("badges mismatch (-want +got):\n%s", diff)
	}
	if cfg.Version != 1 || cfg.Board != "sim" || time.Duration(cfg.ConsentTimeout) != 45*time.Second {
		t.Errorf("config = version %d, board %q, consent timeout %s; want 1, sim, 45s", cfg.Version, cfg.Board, time.Duration(cfg.ConsentTimeout))
	}

	// The fleet directory registers the box's chunk verify keyset, and it
	// verifies what the box's chunk signer signs.
	boxes, err := pki.ReadBoxes(e.fleet)
	if err != nil {
		t.Fatalf("ReadBoxes: %v", err)
	}
	if len(boxes) != 1 || boxes[0].ID != "room-12" {
		t.Fatalf("ReadBoxes() = %+v, want room-12 only", boxes)
	}
	verifier, err := boxes[0].ChunkVerifier()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := enrollment.ChunkSigner()
	if err != nil {
		t.Fatal(err)
	}
	sig, err := signer.Sign([]byte("chunk"))
	if err != nil {
		t.Fatal(err)
	}
	if err := verifier.Verify(sig, []byte("chunk")); err != nil {
		t.Errorf("registered verify keyset rejects the box's chunk signature: %v", err)
	}

	// The box's TLS configuration completes a handshake with the central
	// service's, and the server reads the box id from the certificate.
	serverCfg := serverTLS(t, e.central)
	boxCfg, err := enrollment.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if got := handshakeBoxID(t, serverCfg, boxCfg); got != "room-12" {
		t.Errorf("server saw box id %q, want room-12", got)
	}
	clientCfg, err := pki.ClientTLSConfig(enrollment.CAPEM, enrollment.CertPEM, enrollment.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	clientCfg.ServerName = "central.example"
	if got := handshakeBoxID(t, serverCfg, clientCfg); got != "room-12" {
		t.Errorf("server saw box id %q through pki.ClientTLSConfig, want room-12", got)
	}
}

func serverTLS(t *testing.T, dir string) *tls.Config {
	t.Helper()
	read := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	cfg, err := pki.ServerTLSConfig(read(serverCertFile), read(serverKeyFile), read(pki.CACertFile))
	if err != nil {
		t.Fatalf("ServerTLSConfig: %v", err)
	}
	return cfg
}

// handshakeBoxID runs a TLS handshake over loopback TCP and returns the box
// id the server read from the client certificate. Both ends have deadlines.
func handshakeBoxID(t *testing.T, server, client *tls.Config) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()

	type result struct {
		boxID string
		err   error
	}
	done := make(chan result, 1)
	go func() {
		conn, err := ln.Accept()
		if err != nil {
			done <- result{err: err}
			return
		}
		defer conn.Close()
		conn.SetDeadline(time.Now().Add(10 * time.Second))
		tc := tls.Server(conn, server)
		if err := tc.Handshake(); err != nil {
			done <- result{err: err}
			return
		}
		id, err := pki.BoxID(tc.ConnectionState().VerifiedChains)
		done <- result{boxID: id, err: err}
	}()

	conn, err := net.DialTimeout("tcp", ln.Addr().String(), 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if err := tls.Client(conn, client).Handshake(); err != nil {
		t.Fatalf("client handshake: %v", err)
	}
	r := <-done
	if r.err != nil {
		t.Fatalf("server handshake: %v", r.err)
	}
	return r.boxID
}

func TestConfigResign(t *testing.T) {
	e := newEnv(t)
	e.enroll(t, "--badge", "04a1b2c3=cw-0001")

	steps := []struct {
		name        string
		args        []string
		wantVersion int
		wantBadges  map[string]string
		wantTimeout time.Duration
	}{
		{"replace_badges", []string{"--badge", "0a0b0c0d=cw-0003", "--badge", "0a0b0c0e=cw-0004"}, 2,
			map[string]string{"0a0b0c0d": "cw-0003", "0a0b0c0e": "cw-0004"}, time.Minute},
		{"keep_badges_change_timeout", []string{"--consent-timeout", "30s"}, 3,
			map[string]string{"0a0b0c0d": "cw-0003", "0a0b0c0e": "cw-0004"}, 30 * time.Second},
		{"clear_badges", []string{"--clear-badges"}, 4, map[string]string{}, 30 * time.Second},
		{"change_board", []string{"--board", "respeaker-2mic"}, 5, map[string]string{}, 30 * time.Second},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			mustRun(t, append([]string{"config", "--dir", e.fleet, "--box", "room-12", "--out", e.box}, st.args...)...)

			enrollment, err := boxconfig.LoadEnrollment(e.box)
			if err != nil {
				t.Fatal(err)
			}
			cfg, err := enrollment.LoadConfig(e.box)
			if err != nil {
				t.Fatalf("LoadConfig: %v", err)
			}
			if cfg.Version != st.wantVersion {
				t.Errorf("version = %d, want %d", cfg.Version, st.wantVersion)
			}
			if diff := cmp.Diff(st.wantBadges, cfg.BadgeMap()); diff != "" {
				t.Errorf("badges mismatch (-want +got):\n%s", diff)
			}
			if got := time.Duration(cfg.ConsentTimeout); got != st.wantTimeout {
				t.Errorf("consent timeout = %s, want %s", got, st.wantTimeout)
			}
			wantBoard := "sim"
			if st.name == "change_board" {
				wantBoard = "respeaker-2mic"
			}
			if cfg.Board != wantBoard {
				t.Errorf("board = %q, want %q", cfg.Board, wantBoard)
			}

			// The fleet directory keeps the same signed bytes as the box.
			for _, name := range []string{boxconfig.ConfigFile, boxconfig.SignatureFile} {
				fleetCopy, err := os.ReadFile(filepath.Join(pki.BoxDir(e.fleet, "room-12"), name))
				if err != nil {
					t.Fatal(err)
				}
				boxCopy, err := os.ReadFile(filepath.Join(e.box, name))
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(fleetCopy, boxCopy) {
					t.Errorf("%s differs between the fleet directory and the box", name)
				}
			}
		})
	}
}

func TestReenroll(t *testing.T) {
	e := newEnv(t)
	e.enroll(t)
	mustRun(t, "config", "--dir", e.fleet, "--box", "room-12", "--out", e.box)
	before, err := boxconfig.LoadEnrollment(e.box)
	if err != nil {
		t.Fatal(err)
	}

	code, _, stderr := runCLI(t, "enroll", "--dir", e.fleet, "--box", "room-12", "--broker", "ssl://127.0.0.1:8883",
		"--recording-key", e.recordingKey, "--out", filepath.Join(t.TempDir(), "box2"))
	if code != exitFailure || !strings.Contains(stderr, "already enrolled") || !strings.Contains(stderr, "--force") {
		t.Fatalf("second enroll = exit %d, stderr %q; want exit 1 saying already enrolled and --force", code, stderr)
	}

	e.enroll(t, "--force")
	after, err := boxconfig.LoadEnrollment(e.box)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(before.CertPEM, after.CertPEM) || bytes.Equal(before.ChunkSigningKeyset, after.ChunkSigningKeyset) {
		t.Error("enroll --force kept the old certificate or chunk signing keyset, want new ones")
	}
	cfg, err := after.LoadConfig(e.box)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Version != 3 {
		t.Errorf("config version after re-enrollment = %d, want 3 (versions keep counting)", cfg.Version)
	}
	box, err := pki.ReadBox(e.fleet, "room-12")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(box.CertPEM, after.CertPEM) {
		t.Error("fleet directory holds the old certificate after enroll --force")
	}
}

func TestEnrollRejectsPrivateRecordingKey(t *testing.T) {
	e := newEnv(t)

	code, _, stderr := runCLI(t, "enroll", "--dir", e.fleet, "--box", "room-12", "--broker", "ssl://127.0.0.1:8883",
		"--recording-key", e.recordingPrivate, "--out", e.box)
	if code != exitFailure || !strings.Contains(stderr, "invalid recording public keyset") {
		t.Fatalf("enroll with a private recording keyset = exit %d, stderr %q; want exit 1 naming the keyset", code, stderr)
	}
	for _, path := range []string{pki.BoxDir(e.fleet, "room-12"), e.box} {
		if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("failed enroll left %s behind (Lstat error %v)", path, err)
		}
	}
}

func TestConfigFromOtherFleetRejected(t *testing.T) {
	a := newEnv(t)
	a.enroll(t)
	b := newEnv(t)
	b.enroll(t)

	// Fleet b signs for its own room-12 but writes into fleet a's box.
	code, _, stderr := runCLI(t, "config", "--dir", b.fleet, "--box", "room-12", "--out", a.box)
	if code != exitFailure || !strings.Contains(stderr, "does not trust") {
		t.Fatalf("config from another fleet = exit %d, stderr %q; want exit 1 saying the box does not trust the key", code, stderr)
	}
}

func TestUsageAndFailures(t *testing.T) {
	e := newEnv(t)
	enroll := []string{"enroll", "--dir", e.fleet, "--box", "room-12", "--broker", "ssl://127.0.0.1:8883", "--recording-key", e.recordingKey, "--out", e.box}
	with := func(args []string, extra ...string) []string { return append(append([]string(nil), args...), extra...) }

	tests := []struct {
		name       string
		args       []string
		wantCode   int
		wantStderr string
	}{
		{"no_args", nil, exitUsage, "Usage: fleet COMMAND"},
		{"unknown_command", []string{"wipe"}, exitUsage, `unknown command "wipe"`},
		{"help", []string{"help"}, exitOK, ""},
		{"command_help", []string{"help", "enroll"}, exitOK, ""},
		{"flag_help", []string{"config", "-h"}, exitOK, ""},
		{"unknown_flag", []string{"init", "--dri", "x"}, exitUsage, "flag provided but not defined: -dri"},
		{"stray_argument", []string{"init", "--dir", "x", "extra"}, exitUsage, `unexpected argument "extra"`},
		{"init_missing_dir", []string{"init"}, exitUsage, "missing --dir"},
		{"init_existing", []string{"init", "--dir", e.fleet}, exitFailure, "already exists"},
		{"server_cert_missing_host", []string{"server-cert", "--dir", e.fleet, "--out", e.central}, exitUsage, "missing --host"},
		{"server_cert_bad_validity", []string{"server-cert", "--dir", e.fleet, "--host", "x", "--out", e.central, "--validity", "2y"}, exitUsage, "invalid validity"},
		{"server_cert_no_fleet", []string{"server-cert", "--dir", filepath.Join(e.fleet, "nope"), "--host", "x", "--out", e.central}, exitFailure, "fleet init"},
		{"enroll_bad_box_id", with(enroll[:4], "Room_12", "--broker", "ssl://127.0.0.1:8883", "--recording-key", e.recordingKey, "--out", e.box), exitUsage, "invalid box id"},
		{"enroll_plain_tcp_remote", with(enroll, "--broker", "tcp://10.0.0.5:1883"), exitUsage, "only on a loopback"},
		{"enroll_bad_badge", with(enroll, "--badge", "04a1b2c3"), exitUsage, "CARD_UID=BADGE_ID"},
		{"enroll_bad_badge_uid", with(enroll, "--badge", "xyz=cw-1"), exitUsage, "invalid card UID"},
		{"enroll_name_as_badge_id", with(enroll, "--badge", "04a1b2c3=Anna Andersson"), exitUsage, "invalid badge id"},
		{"enroll_duplicate_badge", with(enroll, "--badge", "04a1b2c3=cw-1", "--badge", "04A1B2C3=cw-2"), exitUsage, "listed twice"},
		{"enroll_short_timeout", with(enroll, "--consent-timeout", "1s"), exitUsage, "invalid consent timeout"},
		{"enroll_missing_recording_key", with(enroll, "--recording-key", filepath.Join(e.fleet, "nope.json")), exitFailure, "reading the recording public keyset"},
		{"config_not_enrolled", []string{"config", "--dir", e.fleet, "--box", "room-99"}, exitFailure, "not enrolled"},
		{"config_badge_and_clear", []string{"config", "--dir", e.fleet, "--box", "room-12", "--clear-badges", "--badge", "04a1b2c3=cw-1"}, exitUsage, "exclude each other"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.args...)
			if code != tt.wantCode {
				t.Errorf("fleet %q = exit %d, want %d\nstderr: %s", tt.args, code, tt.wantCode, stderr)
			}
			if !strings.Contains(stderr, tt.wantStderr) {
				t.Errorf("fleet %q stderr = %q, want it to contain %q", tt.args, stderr, tt.wantStderr)
			}
		})
	}
}

func TestCaseworkerDirection(t *testing.T) {
	e := newEnv(t)
	e.enroll(t, "--badge", "04a1b2c3=cw-0001", "--caseworker-direction", "90")
	direction := func() *float64 {
		t.Helper()
		enrollment, err := boxconfig.LoadEnrollment(e.box)
		if err != nil {
			t.Fatal(err)
		}
		cfg, err := enrollment.LoadConfig(e.box)
		if err != nil {
			t.Fatal(err)
		}
		return cfg.CaseworkerDirection
	}
	if d := direction(); d == nil || *d != 90 {
		t.Errorf("direction after enroll = %v, want 90", d)
	}
	mustRun(t, "config", "--dir", e.fleet, "--box", "room-12", "--out", e.box, "--consent-timeout", "30s")
	if d := direction(); d == nil || *d != 90 {
		t.Errorf("direction after an unrelated change = %v, want 90 kept", d)
	}
	mustRun(t, "config", "--dir", e.fleet, "--box", "room-12", "--out", e.box, "--caseworker-direction", "none")
	if d := direction(); d != nil {
		t.Errorf("direction after none = %v, want nil", *d)
	}
	for _, bad := range []string{"360", "-1", "north"} {
		if code, _, _ := runCLI(t, "config", "--dir", e.fleet, "--box", "room-12", "--out", e.box, "--caseworker-direction", bad); code == 0 {
			t.Errorf("--caseworker-direction %s accepted", bad)
		}
	}
}
