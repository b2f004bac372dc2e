package main

import (
	"crypto/x509"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/pki"
)

// File names that server-cert writes.
const (
	serverCertFile = "server.pem"
	serverKeyFile  = "server-key.pem"
)

func (c *cli) initFleet(args []string) error {
	fs := c.newFlagSet("init", "init --dir DIR")
	dir := fs.String("dir", "", "fleet directory to create (mode 0700); it must not hold a CA yet")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required([2]string{"dir", *dir}); err != nil {
		return err
	}

	// Checking every file first means a fleet directory is created whole or
	// not at all, unless the process dies midway.
	for _, name := range []string{pki.CACertFile, pki.CAKeyFile, pki.ConfigSigningFile, pki.ConfigVerifyFile} {
		if _, err := os.Lstat(filepath.Join(*dir, name)); err == nil {
			return fmt.Errorf("%s already exists: the fleet directory is initialized, so keep using it or choose another --dir", filepath.Join(*dir, name))
		}
	}

	ca, err := pki.InitCA(*dir)
	if err != nil {
		return err
	}
	if err := pki.InitConfigSigningKey(*dir); err != nil {
		return err
	}

	fmt.Fprintf(c.stdout, "created fleet directory %s\n", *dir)
	fmt.Fprintf(c.stdout, "  CA %q, valid until %s: %s, key %s (keep it secret)\n",
		ca.Cert.Subject.CommonName, ca.Cert.NotAfter.UTC().Format(time.DateOnly), pki.CACertFile, pki.CAKeyFile)
	fmt.Fprintf(c.stdout, "  configuration signing key %s (keep it secret), public keyset %s\n", pki.ConfigSigningFile, pki.ConfigVerifyFile)
	fmt.Fprintf(c.stdout, "next: fleet server-cert --dir %s --host HOST --out DIR\n", *dir)
	return nil
}

func (c *cli) serverCert(args []string) error {
	fs := c.newFlagSet("server-cert", "server-cert --dir DIR --host HOST [--host HOST]... --out OUTDIR [--validity 730d]")
	dir := fs.String("dir", "", "fleet directory")
	var hosts stringList
	fs.Var(&hosts, "host", "DNS `name` or IP address that boxes and browsers use to reach the central service (repeatable)")
	out := fs.String("out", "", "directory for server.pem, server-key.pem (mode 0600) and ca.pem")
	var validity validityFlag
	fs.Var(&validity, "validity", "how long the certificate is valid, as `days` such as 730d or a duration such as 17520h (default 730d)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if err := required([2]string{"dir", *dir}, [2]string{"host", hosts.String()}, [2]string{"out", *out}); err != nil {
		return err
	}

	ca, err := pki.LoadCA(*dir)
	if err != nil {
		return err
	}
	kp, err := pki.IssueServerCert(ca, hosts, time.Duration(validity))
	if err != nil {
		return err
	}
	if err := os.MkdirAll(*out, 0o700); err != nil {
		return err
	}
	if err := pki.WriteKeyPair(kp, filepath.Join(*out, serverCertFile), filepath.Join(*out, serverKeyFile)); err != nil {
		return err
	}
	if err := copyCA(ca, *out); err != nil {
		return err
	}

	cert, err := pki.ParseCertPEM(kp.CertPEM)
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "issued server certificate for %s, valid until %s\n", strings.Join(hosts, ", "), cert.NotAfter.UTC().Format(time.DateOnly))
	fmt.Fprintf(c.stdout, "  wrote %s, %s (keep it secret) and %s in %s\n", serverCertFile, serverKeyFile, pki.CACertFile, *out)
	return nil
}

// copyCA writes the CA certificate into dir, which the central service uses
// to verify box certificates.
func copyCA(ca *pki.CA, dir string) error {
	path := filepath.Join(dir, pki.CACertFile)
	existing, err := os.ReadFile(path)
	if err == nil {
		if string(existing) == string(ca.CertPEM) {
			return nil
		}
		return fmt.Errorf("%s contains another CA certificate: choose another --out directory, or remove it if it is stale", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return pki.WriteFile(path, ca.CertPEM, 0o644)
}

// describeCert returns a certificate's subject and expiry for messages.
func describeCert(cert *x509.Certificate) string {
	return fmt.Sprintf("%q, valid until %s", cert.Subject.CommonName, cert.NotAfter.UTC().Format(time.DateOnly))
}
