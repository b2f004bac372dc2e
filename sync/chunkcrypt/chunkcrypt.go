// Package chunkcrypt seals audio chunks on the box and opens them on the
// central service. A chunk is hybrid-encrypted (Tink HPKE: DHKEM X25519,
// HKDF-SHA256, AES-256-GCM) to the central service's public key with a context
// that binds box id, recording id and sequence number, and optionally signed
// with the box's own Ed25519 key. The box can seal but never open.
package chunkcrypt

import (
	"errors"
	"fmt"

	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/tink"
)

// Errors returned by Open, wrapped with detail.
var (
	ErrDecrypt   = errors.New("chunk does not decrypt: wrong key, or sealed for another box, recording or sequence number")
	ErrSignature = errors.New("chunk signature invalid")
)

// Sealer seals chunks for one box.
type Sealer struct {
	BoxID  string
	Enc    tink.HybridEncrypt
	Signer tink.Signer // optional: nil sends unsigned chunks
}

// Seal encrypts one chunk and returns the MQTT message for it.
func (s *Sealer) Seal(rec string, seq uint64, h protocol.ChunkHeader, audio []byte) ([]byte, error) {
	plain, err := protocol.EncodePlaintext(h, audio)
	if err != nil {
		return nil, err
	}
	ct, err := s.Enc.Encrypt(plain, protocol.ChunkContext(s.BoxID, rec, seq))
	if err != nil {
		return nil, fmt.Errorf("encrypting chunk %d of recording %s: %w", seq, rec, err)
	}
	var sig []byte
	if s.Signer != nil {
		sig, err = s.Signer.Sign(protocol.SigningData(s.BoxID, rec, seq, ct))
		if err != nil {
			return nil, fmt.Errorf("signing chunk %d of recording %s: %w", seq, rec, err)
		}
	}
	return protocol.EncodeEnvelope(protocol.Envelope{Ciphertext: ct, Signature: sig})
}

// Opened is a decrypted chunk.
type Opened struct {
	Header protocol.ChunkHeader
	Audio  []byte
	Signed bool // true when a signature was present and verified
}

// Open parses, verifies and decrypts a chunk message received on the topic
// of (box, rec, seq). verifier may be nil when the box has no enrolled
// signing key; a signature is then ignored. When verifier is set, an
// unsigned or badly signed chunk is rejected.
func Open(dec tink.HybridDecrypt, verifier tink.Verifier, box, rec string, seq uint64, msg []byte) (Opened, error) {
	env, err := protocol.DecodeEnvelope(msg)
	if err != nil {
		return Opened{}, err
	}
	signed := false
	if verifier != nil {
		if len(env.Signature) == 0 {
			return Opened{}, fmt.Errorf("%w: chunk is unsigned but box %s has an enrolled signing key", ErrSignature, box)
		}
		if err := verifier.Verify(env.Signature, protocol.SigningData(box, rec, seq, env.Ciphertext)); err != nil {
			return Opened{}, fmt.Errorf("%w: %w", ErrSignature, err)
		}
		signed = true
	}
	plain, err := dec.Decrypt(env.Ciphertext, protocol.ChunkContext(box, rec, seq))
	if err != nil {
		return Opened{}, fmt.Errorf("%w: %w", ErrDecrypt, err)
	}
	h, audio, err := protocol.DecodePlaintext(plain)
	if err != nil {
		return Opened{}, err
	}
	return Opened{Header: h, Audio: audio, Signed: signed}, nil
}
