package boxconfig_test

import (
	"bytes"
	"crypto/x509"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/ordagrann/ordagrann/firmware/boxconfig"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
)

func TestEnrollmentWriteLoad(t *testing.T) {
	fx := newFixture(t, "room-12")
	dir := filepath.Join(t.TempDir(), "box")

	if err := fx.enrollment.Write(dir); err != nil {
		t.Fatalf("Write: %v", err)
	}
	got, err := boxconfig.LoadEnrollment(dir)
	if err != nil {
		t.Fatalf("LoadEnrollment: %v", err)
	}
	if diff := cmp.Diff(fx.enrollment, got); diff != "" {
		t.Errorf("LoadEnrollment() mismatch (-want +got):\n%s", diff)
	}

	for name, want := range map[string]os.FileMode{boxconfig.KeyFile: 0o600, boxconfig.ChunkSigningKeysetFile: 0o600, boxconfig.CertFile: 0o644} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if got := info.Mode().Perm(); got != want {
			t.Errorf("mode of %s = %04o, want %04o", name, got, want)
		}
	}
}

func TestEnrollmentKeysWork(t *testing.T) {
	fx := newFixture(t, "room-12")
	e := fx.enrollment

	enc, err := e.HybridEncrypt()
	if err != nil {
		t.Fatal(err)
	}
	signer, err := e.ChunkSigner()
	if err != nil {
		t.Fatal(err)
	}
	verifyJSON, err := e.ChunkVerifyKeyset()
	if err != nil {
		t.Fatal(err)
	}
	verifyHandle, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(verifyJSON)))
	if err != nil {
		t.Fatalf("ChunkVerifyKeyset is not a public keyset: %v", err)
	}
	verifier, err := signature.NewVerifier(verifyHandle)
	if err != nil {
		t.Fatal(err)
	}
	dec, err := hybrid.NewHybridDecrypt(fx.recording)
	if err != nil {
		t.Fatal(err)
	}

	// A chunk sealed with the enrollment's keys opens on the central
	// service with its recording key and the exported verify keyset.
	sealer := &chunkcrypt.Sealer{BoxID: e.BoxID, Enc: enc, Signer: signer}
	h := protocol.ChunkHeader{
		Format: protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16},
		Frames: 2, CapturedAt: time.Now(),
	}
	msg, err := sealer.Seal("rec-1", 0, h, []byte{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	opened, err := chunkcrypt.Open(dec, verifier, e.BoxID, "rec-1", 0, msg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !opened.Signed || !bytes.Equal(opened.Audio, []byte{1, 2, 3, 4}) {
		t.Errorf("Open() = signed %v, audio %v, want signed [1 2 3 4]", opened.Signed, opened.Audio)
	}
}

func TestEnrollmentValidateRejects(t *testing.T) {
	otherCA := newTestCA(t)
	_, _, recordingPriv := recordingKeys(t)

	tests := []struct {
		name   string
		modify func(t *testing.T, fx *fixture)
		want   string
	}{
		{"bad_box_id", func(t *testing.T, fx *fixture) { fx.enrollment.BoxID = "Room 12" }, "invalid box id"},
		{"plain_tcp_remote", func(t *testing.T, fx *fixture) { fx.enrollment.Broker = "tcp://10.0.0.5:1883" }, "only on a loopback"},
		{"cert_of_other_box", func(t *testing.T, fx *fixture) {
			fx.enrollment.CertPEM, fx.enrollment.KeyPEM = fx.ca.issue(t, "room-13", x509.ExtKeyUsageClientAuth, time.Now().Add(time.Hour))
		}, `certificate is for box "room-13"`},
		{"cert_from_other_ca", func(t *testing.T, fx *fixture) {
			fx.enrollment.CertPEM, fx.enrollment.KeyPEM = otherCA.issue(t, "room-12", x509.ExtKeyUsageClientAuth, time.Now().Add(time.Hour))
		}, "does not chain to the CA"},
		{"server_cert", func(t *testing.T, fx *fixture) {
			fx.enrollment.CertPEM, fx.enrollment.KeyPEM = fx.ca.issue(t, "room-12", x509.ExtKeyUsageServerAuth, time.Now().Add(time.Hour))
		}, "does not chain to the CA"},
		{"key_of_other_cert", func(t *testing.T, fx *fixture) {
			_, fx.enrollment.KeyPEM = fx.ca.issue(t, "room-12", x509.ExtKeyUsageClientAuth, time.Now().Add(time.Hour))
		}, "invalid certificate or key"},
		{"private_recording_keyset", func(t *testing.T, fx *fixture) { fx.enrollment.RecordingPublicKeyset = recordingPriv }, "invalid recording public keyset"},
		{"signing_keyset_as_recording_keyset", func(t *testing.T, fx *fixture) { fx.enrollment.RecordingPublicKeyset = fx.it.publicJSON }, "invalid recording public keyset"},
		{"private_config_verify_keyset", func(t *testing.T, fx *fixture) { fx.enrollment.ConfigVerifyKeyset = fx.it.privateJSON }, "invalid configuration verify keyset"},
		{"missing_chunk_signing_keyset", func(t *testing.T, fx *fixture) { fx.enrollment.ChunkSigningKeyset = nil }, "invalid chunk signing keyset"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "room-12")
			tt.modify(t, fx)

			err := fx.enrollment.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() error = %v, want one containing %q", err, tt.want)
			}
			if err := fx.enrollment.Write(t.TempDir()); err == nil {
				t.Error("Write() of an invalid enrollment succeeded, want an error")
			}
		})
	}
}

func TestEnrollmentAcceptsExpiredCertificate(t *testing.T) {
	fx := newFixture(t, "room-12")
	fx.enrollment.CertPEM, fx.enrollment.KeyPEM = fx.ca.issue(t, "room-12", x509.ExtKeyUsageClientAuth, time.Now().Add(-time.Hour))

	if err := fx.enrollment.Validate(); err != nil {
		t.Fatalf("Validate(expired certificate) = %v, want nil so the box keeps recording", err)
	}
	expiry, err := fx.enrollment.CertificateExpiry()
	if err != nil {
		t.Fatal(err)
	}
	if !expiry.Before(time.Now()) {
		t.Errorf("CertificateExpiry() = %s, want a time in the past", expiry)
	}
}

func TestLoadEnrollmentErrors(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, dir string)
		want    string
	}{
		{"missing_dir", func(t *testing.T, dir string) { os.RemoveAll(dir) }, "fleet enroll"},
		{"readable_key", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, boxconfig.KeyFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "chmod 600"},
		{"readable_chunk_key", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, boxconfig.ChunkSigningKeysetFile), 0o604); err != nil {
				t.Fatal(err)
			}
		}, "chmod 600"},
		{"missing_ca", func(t *testing.T, dir string) { os.Remove(filepath.Join(dir, boxconfig.CAFile)) }, "re-enroll the box"},
		{"unknown_field", func(t *testing.T, dir string) {
			b := `{"v": 1, "box_id": "room-12", "broker": "ssl://central.example:8883", "insecure": true}`
			if err := os.WriteFile(filepath.Join(dir, boxconfig.EnrollmentFile), []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "unknown field"},
		{"future_version", func(t *testing.T, dir string) {
			b := `{"v": 2, "box_id": "room-12", "broker": "ssl://central.example:8883"}`
			if err := os.WriteFile(filepath.Join(dir, boxconfig.EnrollmentFile), []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "unsupported version 2"},
		{"box_id_changed", func(t *testing.T, dir string) {
			b := `{"v": 1, "box_id": "room-99", "broker": "ssl://central.example:8883"}`
			if err := os.WriteFile(filepath.Join(dir, boxconfig.EnrollmentFile), []byte(b), 0o644); err != nil {
				t.Fatal(err)
			}
		}, `certificate is for box "room-12"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fx := newFixture(t, "room-12")
			dir := t.TempDir()
			if err := fx.enrollment.Write(dir); err != nil {
				t.Fatal(err)
			}
			tt.breakIt(t, dir)

			_, err := boxconfig.LoadEnrollment(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadEnrollment() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestLoadEnrollmentMissingIsNotExist(t *testing.T) {
	_, err := boxconfig.LoadEnrollment(t.TempDir())
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("LoadEnrollment(empty dir) error = %v, want one wrapping os.ErrNotExist", err)
	}
}

func TestCheckBrokerURL(t *testing.T) {
	tests := []struct {
		url   string
		valid bool
	}{
		{"ssl://central.example:8883", true},
		{"tls://10.0.0.5:8883", true},
		{"mqtts://[2001:db8::1]:8883", true},
		{"tcp://127.0.0.1:1883", true},
		{"tcp://[::1]:1883", true},
		{"mqtt://localhost:1883", true},
		{"tcp://10.0.0.5:1883", false},
		{"tcp://central.example:1883", false},
		{"tcp://0.0.0.0:1883", false},
		{"ssl://central.example", false},
		{"ssl://:8883", false},
		{"https://central.example:8883", false},
		{"ssl://user:pw@central.example:8883", false},
		{"ssl://central.example:8883/path", false},
		{"central.example:8883", false},
		{"", false},
	}
	for _, tt := range tests {
		err := boxconfig.CheckBrokerURL(tt.url)
		if (err == nil) != tt.valid {
			t.Errorf("CheckBrokerURL(%q) = %v, want valid %v", tt.url, err, tt.valid)
		}
	}
}

func TestTLSConfigServerName(t *testing.T) {
	fx := newFixture(t, "room-12")
	fx.enrollment.Broker = "ssl://central.example:8883"

	cfg, err := fx.enrollment.TLSConfig()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ServerName != "central.example" || len(cfg.Certificates) != 1 || cfg.RootCAs == nil {
		t.Errorf("TLSConfig() = ServerName %q, %d certificates, RootCAs %v; want central.example, 1, the fleet CA", cfg.ServerName, len(cfg.Certificates), cfg.RootCAs)
	}
	if fx.enrollment.Insecure() {
		t.Error("Insecure() = true for an ssl:// broker, want false")
	}
}

func TestLogValueHidesSecrets(t *testing.T) {
	fx := newFixture(t, "room-12")
	cfg := testConfig("room-12")
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, nil))

	logger.Info("enrolled", "enrollment", fx.enrollment, "config", &cfg)

	out := buf.String()
	for _, secret := range []string{"PRIVATE KEY", string(fx.enrollment.KeyPEM), "04a1b2c3", "cw-0001"} {
		if strings.Contains(out, secret) {
			t.Errorf("log output contains %q:\n%s", secret, out)
		}
	}
	for _, want := range []string{`"box_id":"room-12"`, `"badges":2`} {
		if !strings.Contains(out, want) {
			t.Errorf("log output lacks %s:\n%s", want, out)
		}
	}
}
