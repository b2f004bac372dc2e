package store

import (
	"testing"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// FuzzDecodeAudio feeds chunk audio, which arrives from boxes, to the
// decoder: it must return samples or an error, never panic or exceed the
// longest chunk the protocol allows.
func FuzzDecodeAudio(f *testing.F) {
	_, pcm := chunk(f, pcmMono, 0, 400)
	_, flacAudio := chunk(f, flac2ch, 0, 400)
	f.Add(false, pcm)
	f.Add(true, flacAudio)
	f.Add(true, flacAudio[:len(flacAudio)/2])
	f.Add(true, []byte("fLaC"))

	f.Fuzz(func(t *testing.T, isFLAC bool, audio []byte) {
		format := pcmMono
		if isFLAC {
			format = flac2ch
		}
		samples, err := decodeAudio(format, audio)
		if err != nil {
			return
		}
		max := int(protocol.MaxChunkDuration.Seconds()) * format.SampleRate * format.Channels
		if isFLAC && len(samples) > max {
			t.Errorf("decodeAudio returned %d samples, more than the maximum %d", len(samples), max)
		}
	})
}
