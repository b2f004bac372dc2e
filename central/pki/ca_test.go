package pki_test

import (
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/pki"
)

func newCA(t *testing.T) (*pki.CA, string) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "fleet")
	ca, err := pki.InitCA(dir)
	if err != nil {
		t.Fatalf("InitCA: %v", err)
	}
	return ca, dir
}

func verify(t *testing.T, ca *pki.CA, certPEM []byte, usage x509.ExtKeyUsage, at time.Time) error {
	t.Helper()
	cert, err := pki.ParseCertPEM(certPEM)
	if err != nil {
		t.Fatalf("ParseCertPEM: %v", err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca.Cert)
	_, err = cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}, CurrentTime: at})
	return err
}

func TestInitCAWritesFilesAndLoads(t *testing.T) {
	ca, dir := newCA(t)

	info, err := os.Stat(filepath.Join(dir, pki.CAKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != 0o600 {
		t.Errorf("mode of %s = %04o, want 0600", pki.CAKeyFile, got)
	}
	if !ca.Cert.IsCA || ca.Cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		t.Errorf("CA certificate: IsCA = %v, KeyUsage = %v, want a CA that signs certificates", ca.Cert.IsCA, ca.Cert.KeyUsage)
	}
	if !ca.Cert.MaxPathLenZero {
		t.Error("CA certificate allows intermediate CAs, want path length 0")
	}

	loaded, err := pki.LoadCA(dir)
	if err != nil {
		t.Fatalf("LoadCA: %v", err)
	}
	if !loaded.Cert.Equal(ca.Cert) {
		t.Error("LoadCA returned another certificate than InitCA wrote")
	}
	if !loaded.Key.Equal(ca.Key) {
		t.Error("LoadCA returned another key than InitCA wrote")
	}
}

func TestInitCARefusesOverwrite(t *testing.T) {
	ca, dir := newCA(t)

	_, err := pki.InitCA(dir)
	if !errors.Is(err, pki.ErrCAExists) {
		t.Fatalf("second InitCA error = %v, want ErrCAExists", err)
	}
	loaded, err := pki.LoadCA(dir)
	if err != nil {
		t.Fatalf("LoadCA after refused InitCA: %v", err)
	}
	if !loaded.Cert.Equal(ca.Cert) {
		t.Error("refused InitCA changed the CA certificate")
	}
}

func TestLoadCAErrors(t *testing.T) {
	tests := []struct {
		name    string
		breakIt func(t *testing.T, dir string)
		want    string
	}{
		{"missing", func(t *testing.T, dir string) { os.RemoveAll(dir) }, "fleet init"},
		{"readable_key", func(t *testing.T, dir string) {
			if err := os.Chmod(filepath.Join(dir, pki.CAKeyFile), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "chmod 600"},
		{"foreign_key", func(t *testing.T, dir string) {
			otherDir := filepath.Join(t.TempDir(), "other")
			if _, err := pki.InitCA(otherDir); err != nil {
				t.Fatal(err)
			}
			b, err := os.ReadFile(filepath.Join(otherDir, pki.CAKeyFile))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, pki.CAKeyFile), b, 0o600); err != nil {
				t.Fatal(err)
			}
		}, "does not belong to the certificate"},
		{"garbage_cert", func(t *testing.T, dir string) {
			if err := os.WriteFile(filepath.Join(dir, pki.CACertFile), []byte("not pem"), 0o644); err != nil {
				t.Fatal(err)
			}
		}, "no PEM CERTIFICATE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, dir := newCA(t)
			tt.breakIt(t, dir)

			_, err := pki.LoadCA(dir)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("LoadCA() error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

func TestIssueClientCert(t *testing.T) {
	ca, _ := newCA(t)

	kp, err := pki.IssueClientCert(ca, "room-12", 0)
	if err != nil {
		t.Fatalf("IssueClientCert: %v", err)
	}
	cert, err := pki.ParseCertPEM(kp.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != "room-12" {
		t.Errorf("common name = %q, want room-12", cert.Subject.CommonName)
	}
	if !slices.Equal(cert.ExtKeyUsage, []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}) {
		t.Errorf("ExtKeyUsage = %v, want client authentication only", cert.ExtKeyUsage)
	}
	if err := verify(t, ca, kp.CertPEM, x509.ExtKeyUsageClientAuth, time.Now()); err != nil {
		t.Errorf("client certificate does not verify against the CA: %v", err)
	}
	if err := verify(t, ca, kp.CertPEM, x509.ExtKeyUsageServerAuth, time.Now()); err == nil {
		t.Error("client certificate verifies for server authentication, want it rejected")
	}
	key, err := pki.ParseKeyPEM(kp.KeyPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		t.Error("issued key does not match the certificate")
	}
}

func TestIssueClientCertRejectsInvalidBoxID(t *testing.T) {
	ca, _ := newCA(t)
	for _, id := range []string{"", "Room-12", "room/12", "-room", strings.Repeat("a", 65)} {
		if _, err := pki.IssueClientCert(ca, id, 0); err == nil {
			t.Errorf("IssueClientCert(%q) succeeded, want an invalid box id error", id)
		}
	}
}

func TestIssueServerCertSANs(t *testing.T) {
	ca, _ := newCA(t)

	kp, err := pki.IssueServerCert(ca, []string{"central.example", "127.0.0.1", "::1"}, 0)
	if err != nil {
		t.Fatalf("IssueServerCert: %v", err)
	}
	cert, err := pki.ParseCertPEM(kp.CertPEM)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(cert.DNSNames, []string{"central.example"}) {
		t.Errorf("DNSNames = %v, want [central.example]", cert.DNSNames)
	}
	wantIPs := []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1")}
	if !slices.EqualFunc(cert.IPAddresses, wantIPs, func(a, b net.IP) bool { return a.Equal(b) }) {
		t.Errorf("IPAddresses = %v, want %v", cert.IPAddresses, wantIPs)
	}
	for _, host := range []string{"central.example", "127.0.0.1", "::1"} {
		if err := cert.VerifyHostname(host); err != nil {
			t.Errorf("VerifyHostname(%q) = %v, want nil", host, err)
		}
	}
	if err := verify(t, ca, kp.CertPEM, x509.ExtKeyUsageServerAuth, time.Now()); err != nil {
		t.Errorf("server certificate does not verify against the CA: %v", err)
	}
}

func TestIssueServerCertErrors(t *testing.T) {
	ca, _ := newCA(t)
	tests := []struct {
		name     string
		hosts    []string
		validity time.Duration
		want     string
	}{
		{"no_hosts", nil, 0, "no host"},
		{"bad_host", []string{"central example"}, 0, "invalid host"},
		{"url_not_host", []string{"https://central.example"}, 0, "invalid host"},
		{"negative_validity", []string{"central.example"}, -time.Hour, "invalid validity"},
		{"beyond_ca", []string{"central.example"}, 20 * 365 * 24 * time.Hour, "CA certificate expires"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := pki.IssueServerCert(ca, tt.hosts, tt.validity)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("IssueServerCert(%q, %s) error = %v, want one containing %q", tt.hosts, tt.validity, err, tt.want)
			}
		})
	}
}

func TestIssuedCertValidityUsesClock(t *testing.T) {
	ca, _ := newCA(t)
	issued := time.Now().Add(24 * time.Hour)
	ca.Now = func() time.Time { return issued }

	kp, err := pki.IssueClientCert(ca, "room-1", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name  string
		at    time.Time
		valid bool
	}{
		{"before_backdate", issued.Add(-10 * time.Minute), false},
		{"clock_skew", issued.Add(-time.Minute), true},
		{"within", issued.Add(30 * time.Minute), true},
		{"expired", issued.Add(2 * time.Hour), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := verify(t, ca, kp.CertPEM, x509.ExtKeyUsageClientAuth, tt.at)
			if (err == nil) != tt.valid {
				t.Errorf("verify at %s = %v, want valid %v", tt.at, err, tt.valid)
			}
		})
	}
}
