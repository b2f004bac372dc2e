package pki

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/ordagrann/ordagrann/internal/durable"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Names of enrolled boxes' files in a fleet directory.
const (
	BoxesDir        = "boxes"
	BoxCertFile     = "cert.pem"
	ChunkVerifyFile = "chunk-verify.json"
)

// ErrBoxExists is returned by RegisterBox when the box is already enrolled.
var ErrBoxExists = errors.New("box already enrolled")

// Box is the public record of an enrolled box in the fleet directory.
type Box struct {
	ID                string
	CertPEM           []byte // the box's client certificate
	ChunkVerifyKeyset []byte // Tink Ed25519 public keyset JSON that verifies the box's chunk signatures
}

// BoxDir returns the directory of an enrolled box inside a fleet directory.
func BoxDir(fleetDir, boxID string) string {
	return filepath.Join(fleetDir, BoxesDir, boxID)
}

// ChunkVerifier returns the verifier for the box's chunk signatures.
func (b Box) ChunkVerifier() (tink.Verifier, error) {
	v, err := NewVerifier(b.ChunkVerifyKeyset)
	if err != nil {
		return nil, fmt.Errorf("box %s chunk verify keyset: %w", b.ID, err)
	}
	return v, nil
}

// RegisterBox writes the box's certificate and chunk verify keyset into the
// fleet directory. Unless overwrite is set, it returns an error wrapping
// ErrBoxExists when the box's directory exists.
func RegisterBox(fleetDir string, b Box, overwrite bool) error {
	if err := protocol.CheckID("box id", b.ID); err != nil {
		return fmt.Errorf("registering box: %w", err)
	}
	if _, err := NewVerifier(b.ChunkVerifyKeyset); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}
	if _, err := ParseCertPEM(b.CertPEM); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}

	dir := BoxDir(fleetDir, b.ID)
	if _, err := os.Lstat(dir); err == nil && !overwrite {
		return fmt.Errorf("registering box %s: %w: %s exists", b.ID, ErrBoxExists, dir)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}
	if err := durable.SyncDir(filepath.Dir(dir)); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}
	if err := writeFile(filepath.Join(dir, BoxCertFile), b.CertPEM, 0o644, true); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}
	if err := writeFile(filepath.Join(dir, ChunkVerifyFile), b.ChunkVerifyKeyset, 0o644, true); err != nil {
		return fmt.Errorf("registering box %s: %w", b.ID, err)
	}
	return nil
}

// ReadBox reads one enrolled box from the fleet directory.
func ReadBox(fleetDir, boxID string) (Box, error) {
	if err := protocol.CheckID("box id", boxID); err != nil {
		return Box{}, fmt.Errorf("reading box: %w", err)
	}
	dir := BoxDir(fleetDir, boxID)
	cert, err := os.ReadFile(filepath.Join(dir, BoxCertFile))
	if errors.Is(err, os.ErrNotExist) {
		return Box{}, fmt.Errorf("reading box %s: not enrolled (%s has no %s): enroll it with fleet enroll --box %s", boxID, dir, BoxCertFile, boxID)
	}
	if err != nil {
		return Box{}, fmt.Errorf("reading box %s: %w", boxID, err)
	}
	parsed, err := ParseCertPEM(cert)
	if err != nil {
		return Box{}, fmt.Errorf("reading box %s certificate: %w", boxID, err)
	}
	if parsed.Subject.CommonName != boxID {
		return Box{}, fmt.Errorf("reading box %s: its certificate names box %q: re-enroll the box with fleet enroll --box %s --force", boxID, parsed.Subject.CommonName, boxID)
	}

	verify, err := os.ReadFile(filepath.Join(dir, ChunkVerifyFile))
	if err != nil {
		return Box{}, fmt.Errorf("reading box %s: %w", boxID, err)
	}
	b := Box{ID: boxID, CertPEM: cert, ChunkVerifyKeyset: verify}
	if _, err := b.ChunkVerifier(); err != nil {
		return Box{}, err
	}
	return b, nil
}

// ReadBoxes reads every enrolled box from the fleet directory, sorted by id.
// A fleet directory without a boxes directory has no boxes. Entries whose
// names are not valid box ids (such as editor backups) are skipped; a box
// directory with missing or invalid files is an error.
func ReadBoxes(fleetDir string) ([]Box, error) {
	entries, err := os.ReadDir(filepath.Join(fleetDir, BoxesDir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading enrolled boxes: %w", err)
	}

	// os.ReadDir sorts entries by file name, so boxes come out sorted by id.
	var boxes []Box
	for _, e := range entries {
		if !e.IsDir() || !protocol.ValidID(e.Name()) {
			continue
		}
		b, err := ReadBox(fleetDir, e.Name())
		if err != nil {
			return nil, err
		}
		boxes = append(boxes, b)
	}
	return boxes, nil
}
