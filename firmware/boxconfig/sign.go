package boxconfig

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// signingContext prefixes the configuration bytes before signing, so that a
// signature over a configuration can never pass as a signature over other
// data the same key signs, such as a firmware manifest.
const signingContext = "ordagrann/v1/box-config\x00"

// Errors returned by VerifyConfig and LoadConfig, wrapped with detail.
var (
	ErrNoConfig        = errors.New("no configuration")
	ErrNoSignature     = errors.New("configuration is not signed")
	ErrUntrustedSigner = errors.New("configuration is signed by a key this box does not trust")
	ErrBadSignature    = errors.New("configuration signature does not match its content")
	ErrWrongBox        = errors.New("configuration is for another box")
)

// SignConfig validates c, encodes it as config.json (badges sorted by UID)
// and signs it with signer, which holds IT's Ed25519 keyset.
func SignConfig(signer tink.Signer, c Config) (data []byte, sig []byte, err error) {
	c.Badges = sortBadges(c.Badges)
	if err := c.Validate(); err != nil {
		return nil, nil, fmt.Errorf("signing configuration: %w", err)
	}
	data, err = json.MarshalIndent(c, "", "  ")
	if err != nil {
		return nil, nil, fmt.Errorf("signing configuration: %w", err)
	}
	data = append(data, '\n')
	if len(data) > MaxConfigSize {
		return nil, nil, fmt.Errorf("signing configuration: %d bytes exceed the limit of %d", len(data), MaxConfigSize)
	}
	sig, err = signer.Sign(signedBytes(data))
	if err != nil {
		return nil, nil, fmt.Errorf("signing configuration: %w", err)
	}
	return data, sig, nil
}

// VerifyConfig checks sig over data against the pinned configuration
// verify keyset, then parses data and checks that it is for this box. It
// checks the signature before it parses, so unauthenticated bytes never
// reach the JSON decoder.
func (e *Enrollment) VerifyConfig(data, sig []byte) (*Config, error) {
	if len(sig) == 0 {
		return nil, fmt.Errorf("%w: the signature is empty: re-run fleet config --box %s and copy config.json and config.sig to the box", ErrNoSignature, e.BoxID)
	}
	if len(data) > MaxConfigSize {
		return nil, fmt.Errorf("invalid configuration: %d bytes exceed the limit of %d: re-run fleet config --box %s", len(data), MaxConfigSize, e.BoxID)
	}

	h, err := keyset.ReadWithNoSecrets(keyset.NewJSONReader(bytes.NewReader(e.ConfigVerifyKeyset)))
	if err != nil {
		return nil, fmt.Errorf("reading the pinned configuration verify keyset: %w: re-enroll the box", err)
	}
	verifier, err := signature.NewVerifier(h)
	if err != nil {
		return nil, fmt.Errorf("reading the pinned configuration verify keyset: %w: re-enroll the box", err)
	}
	if err := verifier.Verify(sig, signedBytes(data)); err != nil {
		if !signedByPinnedKey(h, sig) {
			return nil, fmt.Errorf("%w: sign it with the fleet directory this box was enrolled from (fleet config --box %s), or re-enroll the box", ErrUntrustedSigner, e.BoxID)
		}
		return nil, fmt.Errorf("%w: config.json was changed after signing: re-run fleet config --box %s and copy both files to the box", ErrBadSignature, e.BoxID)
	}

	c, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%w: fix the fleet tool that signed it, then re-run fleet config --box %s", err, e.BoxID)
	}
	if c.BoxID != e.BoxID {
		return nil, fmt.Errorf("%w: it names box %s but this box is enrolled as %s: run fleet config --box %s", ErrWrongBox, c.BoxID, e.BoxID, e.BoxID)
	}
	return c, nil
}

func signedBytes(data []byte) []byte {
	out := make([]byte, 0, len(signingContext)+len(data))
	out = append(out, signingContext...)
	return append(out, data...)
}

// signedByPinnedKey reports whether sig names one of the keys in h. A Tink
// signature from a key with the TINK output prefix starts with byte 0x01 and
// the 4-byte big-endian key id. A raw signature names no key, so it counts
// as a pinned key's signature and a failure reads as a bad signature.
func signedByPinnedKey(h *keyset.Handle, sig []byte) bool {
	if len(sig) < 5 || sig[0] != 0x01 {
		return true
	}
	id := binary.BigEndian.Uint32(sig[1:5])
	for _, k := range h.KeysetInfo().GetKeyInfo() {
		if k.GetKeyId() == id {
			return true
		}
	}
	return false
}
