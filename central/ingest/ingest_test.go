package ingest_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/tink-crypto/tink-go/v2/hybrid"
	"github.com/tink-crypto/tink-go/v2/keyset"
	"github.com/tink-crypto/tink-go/v2/signature"
	"github.com/tink-crypto/tink-go/v2/tink"

	"github.com/ordagrann/ordagrann/central/broker/brokertest"
	"github.com/ordagrann/ordagrann/central/ingest"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

func TestNewRequiresDecrypter(t *testing.T) {
	if _, err := ingest.New(nopSubscriber{}, nopStore{}, nil); err == nil || !strings.Contains(err.Error(), "Decrypter is required") {
		t.Errorf("New(nil options) = %v, want an error naming Decrypter", err)
	}
	if _, err := ingest.New(nil, nopStore{}, &ingest.Options{}); err == nil {
		t.Errorf("New(nil subscriber) = nil, want an error")
	}
}

func TestChunksStoredAndAcked(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	h.sendEvent(t, "rec-1", consent(0))
	if diff := cmp.Diff(eventAck("rec-1", 0), h.nextAck(t)); diff != "" {
		t.Errorf("consent ack mismatch (-want +got):\n%s", diff)
	}

	// A resent event, whose ack the box missed, is acknowledged again.
	h.sendEvent(t, "rec-1", consent(0))
	if diff := cmp.Diff(eventAck("rec-1", 0), h.nextAck(t)); diff != "" {
		t.Errorf("ack of the resent consent mismatch (-want +got):\n%s", diff)
	}

	var sent []testChunk
	for seq := range uint64(3) {
		sent = append(sent, h.sendChunk(t, "rec-1", seq))
		if diff := cmp.Diff(chunkAck("rec-1", seq), h.nextAck(t)); diff != "" {
			t.Errorf("ack of chunk %d mismatch (-want +got):\n%s", seq, diff)
		}
	}

	for seq, c := range sent {
		got, err := h.readChunk(t, "rec-1", uint64(seq))
		if err != nil {
			t.Fatalf("ReadAudio(chunk %d): %v", seq, err)
		}
		if diff := cmp.Diff(c.samples, got); diff != "" {
			t.Errorf("stored samples of chunk %d differ (-want +got):\n%s", seq, diff)
		}
	}
	// Ingest notifies before it acks, so every notification is queued by now.
	if got := len(h.notified); got != 4 {
		t.Errorf("notifications = %d, want 4 (one event, three chunks)", got)
	}
	for range len(h.notified) {
		if rec := <-h.notified; rec != "rec-1" {
			t.Errorf("notification = %q, want rec-1", rec)
		}
	}
	for _, c := range sent {
		checkNoPayloadInLog(t, h.logs.String(), c.audio)
	}
}

// badChunk builds a payload that ingest must reject for chunk seq of rec.
type badChunk struct {
	name    string
	reason  string // the logged reason
	payload func(t *testing.T, h *harness, rec string, seq uint64) []byte
}

var badChunks = []badChunk{
	{"random-bytes", "malformed", func(t *testing.T, _ *harness, _ string, _ uint64) []byte {
		b := make([]byte, 512)
		rand.Read(b)
		return b
	}},
	{"truncated", "malformed", func(t *testing.T, h *harness, rec string, seq uint64) []byte {
		msg := h.seal(t, rec, seq, newChunk(t, seq))
		return msg[:len(msg)/2]
	}},
	{"wrong-key", "decrypt", func(t *testing.T, _ *harness, rec string, seq uint64) []byte {
		other, err := keyset.NewHandle(hybrid.DHKEM_X25519_HKDF_SHA256_HKDF_SHA256_AES_256_GCM_Key_Template())
		if err != nil {
			t.Fatal(err)
		}
		pub, err := other.Public()
		if err != nil {
			t.Fatal(err)
		}
		enc, err := hybrid.NewHybridEncrypt(pub)
		if err != nil {
			t.Fatal(err)
		}
		sealer := &chunkcrypt.Sealer{BoxID: "box-a", Enc: enc}
		msg, err := sealer.Seal(rec, seq, newChunk(t, seq).header, newChunk(t, seq).audio)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}},
	{"replayed-from-other-recording", "decrypt", func(t *testing.T, h *harness, _ string, seq uint64) []byte {
		// The same bytes were sealed, and accepted, for another recording.
		msg := h.seal(t, "rec-source", seq, newChunk(t, seq))
		h.publish(t, protocol.ChunkTopic("box-a", "rec-source", seq), msg)
		if diff := cmp.Diff(chunkAck("rec-source", seq), h.nextAck(t)); diff != "" {
			t.Fatalf("ack of the original chunk mismatch (-want +got):\n%s", diff)
		}
		return msg
	}},
	{"audio-shorter-than-header", "invalid", func(t *testing.T, h *harness, rec string, seq uint64) []byte {
		// Sealed with the right key for the right topic, but the audio
		// holds half the frames its header declares.
		c := newChunk(t, seq)
		c.audio = c.audio[:len(c.audio)/2]
		return h.seal(t, rec, seq, c)
	}},
	{"replayed-from-other-seq", "decrypt", func(t *testing.T, h *harness, rec string, seq uint64) []byte {
		return h.seal(t, rec, seq+10, newChunk(t, seq))
	}},
	{"sealed-for-other-box", "decrypt", func(t *testing.T, h *harness, rec string, seq uint64) []byte {
		sealer := &chunkcrypt.Sealer{BoxID: "box-b", Enc: h.keys.HybridEncrypt()}
		msg, err := sealer.Seal(rec, seq, newChunk(t, seq).header, newChunk(t, seq).audio)
		if err != nil {
			t.Fatal(err)
		}
		return msg
	}},
}

func TestBadChunkRejected(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	for _, bc := range badChunks {
		t.Run(bc.name, func(t *testing.T) {
			rec := "rec-" + bc.name
			first := h.sendChunk(t, rec, 0)
			if diff := cmp.Diff(chunkAck(rec, 0), h.nextAck(t)); diff != "" {
				t.Fatalf("ack of chunk 0 mismatch (-want +got):\n%s", diff)
			}

			bad := bc.payload(t, h, rec, 1)
			h.publish(t, protocol.ChunkTopic("box-a", rec, 1), bad)
			ack := h.nextAck(t)
			if len(ack.Rejected) != 1 || ack.Rejected[0].Kind != "chunk" || ack.Rejected[0].Seq != 1 || ack.Rejected[0].Reason == "" {
				t.Fatalf("ack of the bad chunk = %+v, want one chunk rejection of seq 1 with a reason", ack)
			}
			if ack.RecordingID != rec || len(ack.Chunks) != 0 || ack.Deleted {
				t.Errorf("ack of the bad chunk = %+v, want only the rejection for %s", ack, rec)
			}
			wantLog := fmt.Sprintf(`"msg":"chunk rejected","box_id":"box-a","recording_id":%q,"seq":1,"reason":%q`, rec, bc.reason)
			if !strings.Contains(h.logs.String(), wantLog) {
				t.Errorf("log does not contain %s", wantLog)
			}
			checkNoPayloadInLog(t, h.logs.String(), bad)

			// The rejection is kept with the recording, so the web view can show it.
			rejections, err := h.store.Rejections(context.Background(), rec)
			if err != nil {
				t.Fatal(err)
			}
			if len(rejections) != 1 || rejections[0].Seq != 1 || rejections[0].Reason != bc.reason {
				t.Errorf("stored rejections = %+v, want chunk 1 with reason %q", rejections, bc.reason)
			}

			// The rest of the recording goes on.
			third := h.sendChunk(t, rec, 2)
			if diff := cmp.Diff(chunkAck(rec, 2), h.nextAck(t)); diff != "" {
				t.Fatalf("ack of chunk 2 mismatch (-want +got):\n%s", diff)
			}
			for seq, want := range map[uint64]testChunk{0: first, 2: third} {
				got, err := h.readChunk(t, rec, seq)
				if err != nil {
					t.Fatalf("ReadAudio(chunk %d): %v", seq, err)
				}
				if diff := cmp.Diff(want.samples, got); diff != "" {
					t.Errorf("stored samples of chunk %d differ (-want +got):\n%s", seq, diff)
				}
			}
			if _, err := h.readChunk(t, rec, 1); !errors.Is(err, store.ErrNotFound) {
				t.Errorf("ReadAudio(rejected chunk) = %v, want ErrNotFound", err)
			}

			// The genuine chunk 1 is still accepted.
			h.sendChunk(t, rec, 1)
			if diff := cmp.Diff(chunkAck(rec, 1), h.nextAck(t)); diff != "" {
				t.Errorf("ack of the genuine chunk 1 mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDuplicateChunkAckedAgain(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	c := newChunk(t, 0)
	msg := h.seal(t, "rec-1", 0, c)

	for i := range 2 {
		h.publish(t, protocol.ChunkTopic("box-a", "rec-1", 0), msg)
		if diff := cmp.Diff(chunkAck("rec-1", 0), h.nextAck(t)); diff != "" {
			t.Fatalf("ack %d mismatch (-want +got):\n%s", i, diff)
		}
	}

	if !strings.Contains(h.logs.String(), `"msg":"duplicate chunk acknowledged again","box_id":"box-a","recording_id":"rec-1","seq":0`) {
		t.Errorf("log does not record the duplicate")
	}
	rec, err := h.store.Recording(context.Background(), "rec-1")
	if err != nil {
		t.Fatalf("Recording: %v", err)
	}
	if rec.ChunksReceived != 1 {
		t.Errorf("ChunksReceived = %d, want 1", rec.ChunksReceived)
	}
	if len(h.notified) != 1 {
		t.Errorf("notifications = %d, want 1 (none for the duplicate)", len(h.notified))
	}
}

// failingStore fails chosen chunk seqs as a full disk would, and passes the
// rest to the real store.
type failingStore struct {
	ingest.Store

	mu   sync.Mutex
	fail map[uint64]bool
}

func (s *failingStore) PutChunk(ctx context.Context, box, rec string, seq uint64, h protocol.ChunkHeader, audio []byte) (bool, error) {
	s.mu.Lock()
	fail := s.fail[seq]
	s.mu.Unlock()
	if fail {
		return false, fmt.Errorf("storing chunk %d of recording %s: %w", seq, rec, syscall.ENOSPC)
	}
	return s.Store.PutChunk(ctx, box, rec, seq, h, audio)
}

func (s *failingStore) heal() {
	s.mu.Lock()
	defer s.mu.Unlock()
	clear(s.fail)
}

func TestStoreFailureSendsNoAck(t *testing.T) {
	failing := &failingStore{fail: map[uint64]bool{1: true}}
	h := newHarness(t, harnessOptions{wrapStore: func(s ingest.Store) ingest.Store {
		failing.Store = s
		return failing
	}})

	h.sendChunk(t, "rec-1", 0)
	h.sendChunk(t, "rec-1", 1)
	h.sendChunk(t, "rec-1", 2)

	// One box's messages are handled in order, so an ack for chunk 1 would
	// arrive between those of chunks 0 and 2.
	for _, seq := range []uint64{0, 2} {
		if diff := cmp.Diff(chunkAck("rec-1", seq), h.nextAck(t)); diff != "" {
			t.Fatalf("ack mismatch (-want +got):\n%s", diff)
		}
	}
	if !strings.Contains(h.logs.String(), `"msg":"chunk not stored, box will resend","box_id":"box-a","recording_id":"rec-1","seq":1`) {
		t.Errorf("log does not record the store failure")
	}
	if !strings.Contains(h.logs.String(), "no space left on device") {
		t.Errorf("log does not contain the store's error")
	}

	// Once the disk has room again, the box's resend is stored and acked.
	failing.heal()
	c := h.sendChunk(t, "rec-1", 1)
	if diff := cmp.Diff(chunkAck("rec-1", 1), h.nextAck(t)); diff != "" {
		t.Fatalf("ack of the resent chunk mismatch (-want +got):\n%s", diff)
	}
	got, err := h.readChunk(t, "rec-1", 1)
	if err != nil {
		t.Fatalf("ReadAudio(chunk 1): %v", err)
	}
	if diff := cmp.Diff(c.samples, got); diff != "" {
		t.Errorf("stored samples of chunk 1 differ (-want +got):\n%s", diff)
	}
}

func TestWithdrawnRecordingAcksDeleted(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	h.sendEvent(t, "rec-1", consent(0))
	h.nextAck(t)
	h.sendChunk(t, "rec-1", 0)
	h.nextAck(t)

	h.sendEvent(t, "rec-1", protocol.Event{Seq: 1, Type: protocol.EventWithdraw, At: time.Date(2026, 12, 4, 10, 1, 0, 0, time.UTC), Frame: framesPerChunk})
	want := eventAck("rec-1", 1)
	want.Deleted = true
	if diff := cmp.Diff(want, h.nextAck(t)); diff != "" {
		t.Errorf("ack of the withdrawal mismatch (-want +got):\n%s", diff)
	}
	if _, err := h.store.Recording(context.Background(), "rec-1"); !errors.Is(err, store.ErrDeleted) {
		t.Errorf("Recording after withdrawal = %v, want ErrDeleted", err)
	}

	// A chunk the box still had in flight is dropped, and its ack sets Deleted.
	h.sendChunk(t, "rec-1", 1)
	if diff := cmp.Diff(protocol.Ack{RecordingID: "rec-1", Deleted: true}, h.nextAck(t)); diff != "" {
		t.Errorf("ack of a chunk after withdrawal mismatch (-want +got):\n%s", diff)
	}
}

func TestChunkOfOtherBoxRecordingRejected(t *testing.T) {
	h := newHarness(t, harnessOptions{})
	boxB := h.connectBox(t, "box-b", nil)

	// rec-1 belongs to box-a once box-a's first chunk is stored.
	h.sendChunk(t, "rec-1", 0)
	h.nextAck(t)

	sealer := &chunkcrypt.Sealer{BoxID: "box-b", Enc: h.keys.HybridEncrypt()}
	c := newChunk(t, 1)
	msg, err := sealer.Seal("rec-1", 1, c.header, c.audio)
	if err != nil {
		t.Fatal(err)
	}
	waitToken(t, boxB.Publish(protocol.ChunkTopic("box-b", "rec-1", 1), 1, false, msg), "publish from box-b")

	ack := h.nextAck(t) // both boxes feed h.acks; only box-b's ack is pending
	if len(ack.Rejected) != 1 || ack.Rejected[0].Seq != 1 || !strings.Contains(ack.Rejected[0].Reason, "another box") {
		t.Errorf("ack to box-b = %+v, want a rejection of chunk 1 naming another box", ack)
	}
	if !strings.Contains(h.logs.String(), `"reason":"wrong_box"`) {
		t.Errorf("log does not record the wrong box")
	}
}

func TestSignedChunks(t *testing.T) {
	boxKeys, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	signer, err := signature.NewSigner(boxKeys)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := boxKeys.Public()
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := signature.NewVerifier(pub)
	if err != nil {
		t.Fatal(err)
	}
	otherKeys, err := keyset.NewHandle(signature.ED25519KeyTemplate())
	if err != nil {
		t.Fatal(err)
	}
	otherSigner, err := signature.NewSigner(otherKeys)
	if err != nil {
		t.Fatal(err)
	}

	// failLookups makes that many key lookups fail. The broker acknowledges
	// a publish before ingest handles it, so the flag is counted down by the
	// lookup itself rather than reset by the test.
	var failLookups atomic.Int32
	h := newHarness(t, harnessOptions{verifier: func(box string) (tink.Verifier, error) {
		if failLookups.Add(-1) >= 0 {
			return nil, errors.New("box key database unavailable")
		}
		if box == "box-a" {
			return verifier, nil
		}
		return nil, nil
	}})

	tests := []struct {
		name       string
		signer     tink.Signer
		wantReason string // empty when the chunk must be stored
	}{
		{"signed", signer, ""},
		{"unsigned", nil, "signature"},
		{"signed-by-other-key", otherSigner, "signature"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := fmt.Sprintf("rec-%d", i)
			h.sealer.Signer = tt.signer
			h.sendChunk(t, rec, 0)
			ack := h.nextAck(t)

			if tt.wantReason == "" {
				if diff := cmp.Diff(chunkAck(rec, 0), ack); diff != "" {
					t.Errorf("ack mismatch (-want +got):\n%s", diff)
				}
				return
			}
			if len(ack.Rejected) != 1 || len(ack.Chunks) != 0 {
				t.Fatalf("ack = %+v, want one rejection", ack)
			}
			want := fmt.Sprintf(`"recording_id":%q,"seq":0,"reason":%q`, rec, tt.wantReason)
			if !strings.Contains(h.logs.String(), want) {
				t.Errorf("log does not contain %s", want)
			}
		})
	}

	t.Run("key-lookup-fails", func(t *testing.T) {
		failLookups.Store(1)
		h.sealer.Signer = signer
		h.sendChunk(t, "rec-lookup", 0)
		h.sendChunk(t, "rec-lookup", 1)
		// No ack, and no rejection, for chunk 0: the next ack is chunk 1's.
		if diff := cmp.Diff(chunkAck("rec-lookup", 1), h.nextAck(t)); diff != "" {
			t.Errorf("ack mismatch (-want +got):\n%s", diff)
		}
		if !strings.Contains(h.logs.String(), `"reason":"verifier_unavailable"`) {
			t.Errorf("log does not record the failed key lookup")
		}
	})
}

func TestBadEventRejected(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	h.sendEvent(t, "rec-1", consent(0))
	h.nextAck(t)

	// An event with a sequence number but an unknown type is rejected by seq.
	h.publish(t, protocol.MetaTopic("box-a", "rec-1"), []byte(`{"v":1,"seq":1,"type":"dance","at":"2026-12-04T10:00:00Z"}`))
	ack := h.nextAck(t)
	if len(ack.Rejected) != 1 || ack.Rejected[0].Kind != "event" || ack.Rejected[0].Seq != 1 {
		t.Errorf("ack = %+v, want an event rejection of seq 1", ack)
	}

	// A second consent contradicts what is stored.
	h.sendEvent(t, "rec-1", consent(2))
	ack = h.nextAck(t)
	if len(ack.Rejected) != 1 || ack.Rejected[0].Kind != "event" || ack.Rejected[0].Seq != 2 {
		t.Errorf("ack = %+v, want an event rejection of seq 2", ack)
	}

	// Garbage names no event, so nothing is sent back; the next ack belongs
	// to the next valid event.
	garbage := make([]byte, 64)
	rand.Read(garbage)
	h.publish(t, protocol.MetaTopic("box-a", "rec-1"), garbage)
	h.sendEvent(t, "rec-1", protocol.Event{Seq: 3, Type: protocol.EventPause, At: time.Date(2026, 12, 4, 10, 0, 5, 0, time.UTC)})
	if diff := cmp.Diff(eventAck("rec-1", 3), h.nextAck(t)); diff != "" {
		t.Errorf("ack after garbage mismatch (-want +got):\n%s", diff)
	}

	logs := h.logs.String()
	for _, want := range []string{
		`"msg":"event rejected","box_id":"box-a","recording_id":"rec-1","seq":1,"reason":"malformed"`,
		`"msg":"event rejected","box_id":"box-a","recording_id":"rec-1","seq":2,"reason":"conflict"`,
		`"msg":"event rejected","box_id":"box-a","recording_id":"rec-1","reason":"malformed","bytes":64`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log does not contain %s", want)
		}
	}
	checkNoPayloadInLog(t, logs, garbage)
}

func TestStatusTracked(t *testing.T) {
	h := newHarness(t, harnessOptions{})

	at := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	for _, st := range []protocol.Status{
		{State: protocol.StateIdle, At: at},
		{State: protocol.StateRecording, At: at.Add(time.Minute), Spooled: 3},
	} {
		payload, err := protocol.EncodeStatus(st)
		if err != nil {
			t.Fatal(err)
		}
		waitToken(t, h.box.Publish(protocol.StatusTopic("box-a"), 1, true, payload), "publish status")
	}
	h.publish(t, protocol.StatusTopic("box-a"), []byte("not json"))

	// Messages of one box are handled in order: once this event is acked,
	// the statuses before it are handled.
	h.sendEvent(t, "rec-1", consent(0))
	h.nextAck(t)

	want := map[string]protocol.Status{"box-a": {V: 1, State: protocol.StateRecording, At: at.Add(time.Minute), Spooled: 3}}
	if diff := cmp.Diff(want, h.ingester.Statuses()); diff != "" {
		t.Errorf("Statuses() mismatch (-want +got):\n%s", diff)
	}
	logs := h.logs.String()
	for _, want := range []string{
		`"msg":"box state changed","box_id":"box-a","state":"recording","previous_state":"idle"`,
		`"msg":"box status ignored","box_id":"box-a"`,
	} {
		if !strings.Contains(logs, want) {
			t.Errorf("log does not contain %s", want)
		}
	}
}

func TestIngestOverTLS(t *testing.T) {
	ca := brokertest.NewCA(t, "ordagrann test CA")
	h := newHarness(t, harnessOptions{
		serverTLS: ca.ServerTLS(t),
		boxTLS:    brokertest.ClientTLS(ca, ca.ClientCert(t, "box-a")),
	})

	c := h.sendChunk(t, "rec-1", 0)
	if diff := cmp.Diff(chunkAck("rec-1", 0), h.nextAck(t)); diff != "" {
		t.Fatalf("ack mismatch (-want +got):\n%s", diff)
	}
	got, err := h.readChunk(t, "rec-1", 0)
	if err != nil {
		t.Fatalf("ReadAudio: %v", err)
	}
	if diff := cmp.Diff(c.samples, got); diff != "" {
		t.Errorf("stored samples differ (-want +got):\n%s", diff)
	}
}

type nopSubscriber struct{}

func (nopSubscriber) Subscribe(string, func(string, []byte)) error { return nil }
func (nopSubscriber) Publish(string, []byte, bool, byte) error     { return nil }

type nopStore struct{}

func (nopStore) PutChunk(context.Context, string, string, uint64, protocol.ChunkHeader, []byte) (bool, error) {
	return false, nil
}
func (nopStore) PutEvent(context.Context, string, string, protocol.Event) (bool, error) {
	return false, nil
}
