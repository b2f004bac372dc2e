package keys

import (
	"bytes"
	"fmt"
	"time"

	"github.com/tink-crypto/tink-go/v2/aead"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/retention/schedule"
)

// PeriodOf returns the wipe period of a recording created at t under the
// default wipe rule (every Friday at 18:00 Europe/Stockholm, recordings 48
// hours old or older): the instant of the wipe that deletes it, such as
// "2026-12-11T17:00:00Z". A store configured with another rule passes that
// rule's schedule.Schedule.PeriodOf to store.Options.PeriodOf instead. Ids
// of the ISO-week form ("2026-W49") written by earlier versions stay valid
// period ids, because a period id is only associated data for its key.
func PeriodOf(t time.Time) string {
	return schedule.Default().PeriodOf(t)
}

// PeriodKey is an unwrapped period key. It wraps the keys of the recordings
// of its period and is safe for concurrent use.
type PeriodKey struct {
	period string
	aead   tink.AEAD
}

// NewPeriodKey generates a key for period and returns it with its form
// wrapped under the master key, which the caller stores.
func (k *Keys) NewPeriodKey(period string) (*PeriodKey, []byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, nil, fmt.Errorf("generating key for period %s: %w", period, err)
	}
	wrapped, err := wrap(h, k.master, periodKeyAD+period)
	if err != nil {
		return nil, nil, fmt.Errorf("wrapping key for period %s: %w", period, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, nil, fmt.Errorf("creating AEAD for period %s: %w", period, err)
	}
	return &PeriodKey{period: period, aead: a}, wrapped, nil
}

// OpenPeriodKey unwraps a period key that NewPeriodKey returned for the same period.
func (k *Keys) OpenPeriodKey(period string, wrapped []byte) (*PeriodKey, error) {
	a, err := unwrap(wrapped, k.master, periodKeyAD+period)
	if err != nil {
		return nil, fmt.Errorf("unwrapping key for period %s: %w", period, err)
	}
	return &PeriodKey{period: period, aead: a}, nil
}

// Period returns the id of the key's period.
func (p *PeriodKey) Period() string { return p.period }

// NewRecordingKey generates the AEAD key of recording rec and returns it with
// its form wrapped under the period key, which the caller stores.
func (p *PeriodKey) NewRecordingKey(rec string) (tink.AEAD, []byte, error) {
	h, err := keyset.NewHandle(aead.AES256GCMKeyTemplate())
	if err != nil {
		return nil, nil, fmt.Errorf("generating key for recording %s: %w", rec, err)
	}
	wrapped, err := wrap(h, p.aead, p.recordingAD(rec))
	if err != nil {
		return nil, nil, fmt.Errorf("wrapping key for recording %s: %w", rec, err)
	}
	a, err := aead.New(h)
	if err != nil {
		return nil, nil, fmt.Errorf("creating AEAD for recording %s: %w", rec, err)
	}
	return a, wrapped, nil
}

// OpenRecordingKey unwraps the key of recording rec.
func (p *PeriodKey) OpenRecordingKey(rec string, wrapped []byte) (tink.AEAD, error) {
	a, err := unwrap(wrapped, p.aead, p.recordingAD(rec))
	if err != nil {
		return nil, fmt.Errorf("unwrapping key for recording %s in period %s: %w", rec, p.period, err)
	}
	return a, nil
}

func (p *PeriodKey) recordingAD(rec string) string {
	return recordingKeyAD + p.period + "\x00" + rec
}

// wrap encrypts a keyset under kek in Tink's binary encrypted-keyset format.
func wrap(h *keyset.Handle, kek tink.AEAD, ad string) ([]byte, error) {
	var buf bytes.Buffer
	if err := h.WriteWithAssociatedData(keyset.NewBinaryWriter(&buf), kek, []byte(ad)); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// unwrap decrypts a keyset that wrap produced and returns its AEAD primitive.
func unwrap(wrapped []byte, kek tink.AEAD, ad string) (tink.AEAD, error) {
	h, err := keyset.ReadWithAssociatedData(keyset.NewBinaryReader(bytes.NewReader(wrapped)), kek, []byte(ad))
	if err != nil {
		return nil, err
	}
	return aead.New(h)
}
