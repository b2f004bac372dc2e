package capture_test

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/ordagrann/ordagrann/firmware/capture"
	"github.com/ordagrann/ordagrann/firmware/spool"
	"github.com/ordagrann/ordagrann/hal"
	"github.com/ordagrann/ordagrann/internal/audio"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

const benchWAV = "/work/shared/audio/common_voice_sv-SE_18717015.wav"

// swedishSpeech returns the Swedish test sentence at 16 kHz, mono, or as
// two channels where the second is the first delayed by 3 samples and 2 dB
// quieter, like a second microphone of an array.
func swedishSpeech(b *testing.B, channels int) []int16 {
	b.Helper()
	f, err := os.Open(benchWAV)
	if err != nil {
		b.Skipf("Swedish test recording not available: %v", err)
	}
	defer f.Close()
	samples, rate, ch, err := audio.ReadWAV(f)
	if err != nil {
		b.Fatal(err)
	}
	mono, err := audio.MixDown(samples, ch)
	if err != nil {
		b.Fatal(err)
	}
	mono = audio.Resample(mono, 1, rate, 16000)
	if channels == 1 {
		return mono
	}

	out := make([]int16, 2*len(mono))
	for i, s := range mono {
		out[2*i] = s
		if i >= 3 {
			out[2*i+1] = int16(float64(mono[i-3]) * 0.79)
		}
	}
	return out
}

// BenchmarkBoxPipeline measures the box's path from microphone samples to
// the spool: FLAC encoding, Tink HPKE sealing with an Ed25519 signature, and
// a synchronous=FULL commit into a SQLite spool in a temporary directory,
// for the Swedish test sentence fed in 100 ms reads. x_realtime is audio
// seconds processed per wall-clock second.
func BenchmarkBoxPipeline(b *testing.B) {
	for _, tc := range []struct {
		channels int
		codec    protocol.Codec
	}{{1, protocol.CodecFLAC}, {2, protocol.CodecFLAC}, {1, protocol.CodecPCM}} {
		b.Run(fmt.Sprintf("%s_%dch", tc.codec, tc.channels), func(b *testing.B) {
			benchPipeline(b, tc.channels, tc.codec)
		})
	}
}

func benchPipeline(b *testing.B, channels int, codec protocol.Codec) {
	speech := swedishSpeech(b, channels)
	seconds := float64(len(speech)/channels) / 16000
	k := newKeys(b)
	path := filepath.Join(b.TempDir(), "spool.db")
	sp, err := spool.Open(path, &spool.Options{Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	defer sp.Close()

	read := 1600 * channels // 100 ms
	var peakHeap uint64
	var ms runtime.MemStats
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		r, err := capture.NewRecorder(k.sealer, sp, fmt.Sprintf("rec-%d", i), hal.AudioFormat{SampleRate: 16000, Channels: channels},
			&capture.Options{Codec: codec, Logger: quietLogger()})
		if err != nil {
			b.Fatal(err)
		}
		for at := 0; at < len(speech); at += read {
			if err := r.Write(speech[at:min(at+read, len(speech))]); err != nil {
				b.Fatal(err)
			}
		}
		if err := r.Flush(); err != nil {
			b.Fatal(err)
		}

		b.StopTimer()
		runtime.ReadMemStats(&ms)
		peakHeap = max(peakHeap, ms.HeapInuse)
		b.StartTimer()
	}
	b.StopTimer()

	st, err := sp.Stats()
	if err != nil {
		b.Fatal(err)
	}
	audioSeconds := seconds * float64(b.N)
	b.ReportMetric(audioSeconds/b.Elapsed().Seconds(), "x_realtime")
	b.ReportMetric(float64(st.PendingBytes)/audioSeconds, "payload_B/audio_s")
	b.ReportMetric(float64(fileSize(b, path)+fileSize(b, path+"-wal"))/audioSeconds, "disk_B/audio_s")
	b.ReportMetric(float64(peakHeap), "peak_heap_B")
	b.ReportMetric(float64(2*channels*16000), "pcm_B/audio_s")
}

func fileSize(b *testing.B, path string) int64 {
	info, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return info.Size()
}
