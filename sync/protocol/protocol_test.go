package protocol

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseTopic(t *testing.T) {
	tests := []struct {
		name string
		want Topic
		ok   bool
	}{
		{StatusTopic("room-1"), Topic{Kind: KindStatus, BoxID: "room-1"}, true},
		{MetaTopic("room-1", "rec-9"), Topic{Kind: KindMeta, BoxID: "room-1", RecordingID: "rec-9"}, true},
		{ChunkTopic("room-1", "rec-9", 42), Topic{Kind: KindChunk, BoxID: "room-1", RecordingID: "rec-9", Seq: 42}, true},
		{AckTopic("room-1"), Topic{Kind: KindAck, BoxID: "room-1"}, true},
		{CommandTopic("room-1"), Topic{Kind: KindCommand, BoxID: "room-1"}, true},
		{ConfigTopic("room-1"), Topic{Kind: KindConfig, BoxID: "room-1"}, true},
		{"ordagrann/v1/box/room-1/rec/rec-9/chunk/042", Topic{}, false},
		{"ordagrann/v1/box/room-1/rec/rec-9/chunk/-1", Topic{}, false},
		{"ordagrann/v1/box/room-1/rec/rec-9/chunk/18446744073709551616", Topic{}, false},
		{"ordagrann/v1/box/Room-1/status", Topic{}, false},
		{"ordagrann/v1/box/+/status", Topic{}, false},
		{"ordagrann/v2/box/room-1/status", Topic{}, false},
		{"ordagrann/v1/box/room-1/rec/../meta", Topic{}, false},
		{"ordagrann/v1/central/box/room-1/other", Topic{}, false},
		{"", Topic{}, false},
	}
	for _, tt := range tests {
		got, err := ParseTopic(tt.name)
		if (err == nil) != tt.ok {
			t.Errorf("ParseTopic(%q) error = %v, want ok=%v", tt.name, err, tt.ok)
			continue
		}
		if err != nil && !errors.Is(err, ErrInvalidTopic) {
			t.Errorf("ParseTopic(%q) error = %v, want ErrInvalidTopic", tt.name, err)
		}
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("ParseTopic(%q) (-want +got):\n%s", tt.name, diff)
		}
	}
}

func TestValidID(t *testing.T) {
	for _, id := range []string{"a", "room-12", "019a2b3c-0000-7000-8000-000000000000", string(bytes.Repeat([]byte("a"), MaxIDLength))} {
		if !ValidID(id) {
			t.Errorf("ValidID(%q) = false, want true", id)
		}
	}
	for _, id := range []string{"", "-a", "A", "a/b", "a+b", "a#", "å", "a b", string(bytes.Repeat([]byte("a"), MaxIDLength+1))} {
		if ValidID(id) {
			t.Errorf("ValidID(%q) = true, want false", id)
		}
	}
}

func TestEventRoundTrip(t *testing.T) {
	at := time.Date(2026, 12, 4, 13, 5, 0, 0, time.UTC)
	e := Event{Seq: 0, Type: EventConsent, At: at, Start: &StartInfo{
		Format:  AudioFormat{Codec: CodecFLAC, SampleRate: 16000, Channels: 2, Bits: 16},
		BadgeID: "badge-7", Board: "sim", ConsentAsk: at.Add(-5 * time.Second),
	}}
	b, err := EncodeEvent(e)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEvent(b)
	if err != nil {
		t.Fatal(err)
	}
	e.V = Version
	if diff := cmp.Diff(e, got); diff != "" {
		t.Errorf("event round trip (-want +got):\n%s", diff)
	}
}

func TestDecodeEventRejects(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want error
	}{
		{"not_json", `{`, ErrMalformed},
		{"no_version", `{"seq":0,"type":"pause","at":"2026-12-04T10:00:00Z"}`, ErrMalformed},
		{"future_version", `{"v":2,"seq":0,"type":"pause","at":"2026-12-04T10:00:00Z"}`, ErrUnsupportedVersion},
		{"unknown_type", `{"v":1,"seq":0,"type":"explode","at":"2026-12-04T10:00:00Z"}`, ErrMalformed},
		{"unknown_field", `{"v":1,"seq":0,"type":"pause","at":"2026-12-04T10:00:00Z","x":1}`, ErrMalformed},
		{"no_time", `{"v":1,"seq":0,"type":"pause"}`, ErrMalformed},
		{"consent_without_start", `{"v":1,"seq":0,"type":"consent","at":"2026-12-04T10:00:00Z"}`, ErrMalformed},
		{"end_without_info", `{"v":1,"seq":3,"type":"end","at":"2026-12-04T10:00:00Z"}`, ErrMalformed},
		{"bad_rate", `{"v":1,"seq":0,"type":"consent","at":"2026-12-04T10:00:00Z","start":{"format":{"codec":"flac","sample_rate":5,"channels":1,"bits":16},"badge_id":"b","board":"sim","consent_asked_at":"2026-12-04T10:00:00Z"}}`, ErrMalformed},
		{"too_large", `{"v":1,"pad":"` + string(bytes.Repeat([]byte("x"), MaxJSONMessage)) + `"}`, ErrTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := DecodeEvent([]byte(tt.in))
			if !errors.Is(err, tt.want) {
				t.Errorf("DecodeEvent = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRanges(t *testing.T) {
	got := Ranges([]uint64{5, 1, 2, 3, 9, 2, 10, 7})
	want := []Range{{1, 3}, {5, 5}, {7, 7}, {9, 10}}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Ranges (-want +got):\n%s", diff)
	}
}

func TestAckRoundTrip(t *testing.T) {
	a := Ack{RecordingID: "rec-1", Chunks: []Range{{0, 4}}, Events: []Range{{1, 1}},
		Rejected: []Rejection{{Kind: "chunk", Seq: 5, Reason: "decrypt_failed"}}}
	b, err := EncodeAck(a)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeAck(b)
	if err != nil {
		t.Fatal(err)
	}
	a.V = Version
	if diff := cmp.Diff(a, got); diff != "" {
		t.Errorf("ack round trip (-want +got):\n%s", diff)
	}
	if _, err := DecodeAck([]byte(`{"v":1,"rec":"rec-1","chunks":[[4,1]]}`)); err == nil {
		t.Error("DecodeAck accepted a range with first > last")
	}
}

func TestEnvelopeRoundTrip(t *testing.T) {
	env := Envelope{Ciphertext: []byte("ciphertext"), Signature: []byte("sig")}
	b, err := EncodeEnvelope(env)
	if err != nil {
		t.Fatal(err)
	}
	got, err := DecodeEnvelope(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(env, got); diff != "" {
		t.Errorf("envelope round trip (-want +got):\n%s", diff)
	}
	for _, cut := range []int{0, 3, 9, len(b) - 1} {
		if _, err := DecodeEnvelope(b[:cut]); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeEnvelope(truncated to %d) = %v, want ErrMalformed", cut, err)
		}
	}
	future := append([]byte("OGC2"), b[4:]...)
	if _, err := DecodeEnvelope(future); !errors.Is(err, ErrUnsupportedVersion) {
		t.Errorf("DecodeEnvelope(version 2) = %v, want ErrUnsupportedVersion", err)
	}
}

func TestPlaintextRoundTrip(t *testing.T) {
	h := ChunkHeader{Format: AudioFormat{Codec: CodecPCM, SampleRate: 16000, Channels: 1, Bits: 16}, FirstFrame: 10, Frames: 2,
		CapturedAt: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)}
	b, err := EncodePlaintext(h, []byte{1, 2, 3, 4})
	if err != nil {
		t.Fatal(err)
	}
	gotH, audio, err := DecodePlaintext(b)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(h, gotH); diff != "" {
		t.Errorf("header (-want +got):\n%s", diff)
	}
	if !bytes.Equal(audio, []byte{1, 2, 3, 4}) {
		t.Errorf("audio = %v", audio)
	}
	h.Frames = 16000*5 + 1
	if _, err := EncodePlaintext(h, []byte{1}); err == nil {
		t.Error("EncodePlaintext accepted a chunk longer than 5 s")
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"v":1,"seq":0,"type":"pause","at":"2026-12-04T10:00:00Z"}`))
	f.Add([]byte(`{"v":1,"rec":"rec-1","chunks":[[0,4]]}`))
	f.Add([]byte("OGC1\x00\x00\x00\x01a\x00\x00"))
	f.Add([]byte("OGA1\x00\x02{}"))
	f.Fuzz(func(t *testing.T, b []byte) {
		DecodeEvent(b)
		DecodeAck(b)
		DecodeStatus(b)
		DecodeCommand(b)
		if env, err := DecodeEnvelope(b); err == nil {
			if re, err := EncodeEnvelope(env); err != nil || !bytes.Equal(re, b) {
				t.Errorf("envelope re-encode mismatch: %v", err)
			}
		}
		DecodePlaintext(b)
		ParseTopic(string(b))
	})
}

func TestDecodeStatusRejects(t *testing.T) {
	long := string(bytes.Repeat([]byte("x"), MaxFaultLength+1))
	tests := []struct{ name, in string }{
		{"unknown_state", `{"v":1,"state":"exploding","at":"2026-12-04T10:00:00Z","spooled":0}`},
		{"negative_spool", `{"v":1,"state":"idle","at":"2026-12-04T10:00:00Z","spooled":-5}`},
		{"long_fault", `{"v":1,"state":"fault","at":"2026-12-04T10:00:00Z","spooled":0,"fault":"` + long + `"}`},
		{"control_char", `{"v":1,"state":"fault","at":"2026-12-04T10:00:00Z","spooled":0,"fault":"a\u001bb"}`},
		{"far_future", `{"v":1,"state":"idle","at":"9999-12-04T10:00:00Z","spooled":0}`},
	}
	for _, tt := range tests {
		if _, err := DecodeStatus([]byte(tt.in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%s: DecodeStatus = %v, want ErrMalformed", tt.name, err)
		}
	}
	if _, err := DecodeStatus([]byte(`{"v":1,"state":"fault","at":"2026-12-04T10:00:00Z","spooled":3,"fault":"no microphone"}`)); err != nil {
		t.Errorf("DecodeStatus(valid fault) = %v", err)
	}
}

func TestEventTimeRange(t *testing.T) {
	for _, at := range []string{"1970-01-01T00:00:01Z", "2262-04-12T00:00:00Z", "9999-01-01T00:00:00Z"} {
		in := `{"v":1,"seq":1,"type":"pause","at":"` + at + `"}`
		if _, err := DecodeEvent([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeEvent(at %s) = %v, want ErrMalformed", at, err)
		}
	}
}

func TestAudioFormatRates(t *testing.T) {
	for rate, ok := range map[int]bool{8000: true, 16000: true, 32000: true, 48000: true, 44100: false, 22050: false, 12000: false} {
		err := AudioFormat{Codec: CodecFLAC, SampleRate: rate, Channels: 1, Bits: 16}.Validate()
		if (err == nil) != ok {
			t.Errorf("Validate(rate %d) = %v, want ok=%v", rate, err, ok)
		}
	}
}

func TestEventCountLimits(t *testing.T) {
	for _, in := range []string{
		`{"v":1,"seq":1,"type":"pause","at":"2026-12-04T10:00:00Z","frame":18446744073709551615}`,
		`{"v":1,"seq":3,"type":"end","at":"2026-12-04T10:00:00Z","end":{"chunks":4611686018427387904,"frames":1}}`,
		`{"v":1,"seq":3,"type":"end","at":"2026-12-04T10:00:00Z","end":{"chunks":3,"frames":999999999999}}`,
	} {
		if _, err := DecodeEvent([]byte(in)); !errors.Is(err, ErrMalformed) {
			t.Errorf("DecodeEvent(%s) = %v, want ErrMalformed", in, err)
		}
	}
}
