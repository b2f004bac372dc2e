package chunkcrypt_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
)

type keys struct {
	sealer *chunkcrypt.Sealer
	priv   *keyset.Handle
	verify *keyset.Handle
}

func newKeys(t *testing.T, box string) keys {
	t.Helper()
	priv, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
	if err != nil {
		t.Fatal(err)
	}
	pub, err := priv.Public()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := hybrid.NewHybridEncrypt(pub)
	if err != nil {
		t.Fatal(err)
	}
	signKeys, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewSigner(signKeys)
	if err != nil {
		t.Fatal(err)
	}
	verifyKeys, err := signKeys.Public()
	if err != nil {
		t.Fatal(err)
	}
	return keys{sealer: &chunkcrypt.Sealer{BoxID: box, Enc: enc, Signer: signer}, priv: priv, verify: verifyKeys}
}

func header() protocol.ChunkHeader {
	return protocol.ChunkHeader{
		Format:     protocol.AudioFormat{Codec: protocol.CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16},
		FirstFrame: 80000,
		Frames:     2,
		CapturedAt: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC),
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	k := newKeys(t, "room-1")
	audio := []byte{1, 2, 3, 4}
	msg, err := k.sealer.Seal("rec-1", 7, header(), audio)
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := hybrid.NewHybridDecrypt(k.priv)
	ver, _ := signature.NewVerifier(k.verify)

	got, err := chunkcrypt.Open(dec, ver, "room-1", "rec-1", 7, msg)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got.Audio, audio) {
		t.Errorf("audio = %v, want %v", got.Audio, audio)
	}
	if got.Header.FirstFrame != 80000 {
		t.Errorf("first frame = %d, want 80000", got.Header.FirstFrame)
	}
	if !got.Signed {
		t.Error("Signed = false, want true")
	}
}

func TestOpenRejects(t *testing.T) {
	k := newKeys(t, "room-1")
	other := newKeys(t, "room-1")
	msg, err := k.sealer.Seal("rec-1", 7, header(), []byte{1, 2})
	if err != nil {
		t.Fatal(err)
	}
	dec, _ := hybrid.NewHybridDecrypt(k.priv)
	wrongDec, _ := hybrid.NewHybridDecrypt(other.priv)
	ver, _ := signature.NewVerifier(k.verify)
	wrongVer, _ := signature.NewVerifier(other.verify)

	tests := []struct {
		name     string
		dec      any
		box, rec string
		seq      uint64
		verifier bool
		wrongSig bool
		want     error
	}{
		{name: "wrong_key", box: "room-1", rec: "rec-1", seq: 7, want: chunkcrypt.ErrDecrypt},
		{name: "other_recording", box: "room-1", rec: "rec-2", seq: 7, want: chunkcrypt.ErrDecrypt},
		{name: "other_seq", box: "room-1", rec: "rec-1", seq: 8, want: chunkcrypt.ErrDecrypt},
		{name: "other_box", box: "room-2", rec: "rec-1", seq: 7, want: chunkcrypt.ErrDecrypt},
		{name: "wrong_signer", box: "room-1", rec: "rec-1", seq: 7, verifier: true, wrongSig: true, want: chunkcrypt.ErrSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := dec
			if tt.name == "wrong_key" {
				d = wrongDec
			}
			v := ver
			if tt.wrongSig {
				v = wrongVer
			}
			if !tt.verifier {
				v = nil
			}
			_, err := chunkcrypt.Open(d, v, tt.box, tt.rec, tt.seq, msg)
			if !errors.Is(err, tt.want) {
				t.Errorf("Open = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestOpenMalformed(t *testing.T) {
	k := newKeys(t, "room-1")
	dec, _ := hybrid.NewHybridDecrypt(k.priv)
	for _, msg := range [][]byte{nil, []byte("OGC1"), []byte("XXXX\x00\x00\x00\x01a\x00\x00"), bytes.Repeat([]byte{0}, 64)} {
		if _, err := chunkcrypt.Open(dec, nil, "room-1", "rec-1", 0, msg); !errors.Is(err, protocol.ErrMalformed) {
			t.Errorf("Open(%q) = %v, want ErrMalformed", msg, err)
		}
	}
}
