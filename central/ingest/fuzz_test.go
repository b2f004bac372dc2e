package ingest_test

import (
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/ingest"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/central/store"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// captureSubscriber hands the test the ingest handler and records what
// ingest publishes, so the fuzzer can call the handler without a network.
type captureSubscriber struct {
	handler func(topic string, payload []byte)

	mu        sync.Mutex
	published []publication
}

type publication struct {
	topic   string
	payload []byte
}

func (s *captureSubscriber) Subscribe(_ string, handler func(string, []byte)) error {
	s.handler = handler
	return nil
}

func (s *captureSubscriber) Publish(topic string, payload []byte, _ bool, _ byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.published = append(s.published, publication{topic, payload})
	return nil
}

func (s *captureSubscriber) take() []publication {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.published
	s.published = nil
	return out
}

func FuzzHandle(f *testing.F) {
	k, err := keys.Open(filepath.Join(f.TempDir(), "keys"), &keys.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	st, err := store.Open(filepath.Join(f.TempDir(), "central.db"), k, &store.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { st.Close() })
	sub := &captureSubscriber{}
	in, err := ingest.New(sub, st, &ingest.Options{Decrypter: k.HybridDecrypt(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		f.Fatal(err)
	}
	if err := in.Start(); err != nil {
		f.Fatal(err)
	}

	sealer := &chunkcrypt.Sealer{BoxID: "box-a", Enc: k.HybridEncrypt()}
	chunk := newChunk(f, 0)
	sealed, err := sealer.Seal("rec-1", 0, chunk.header, chunk.audio)
	if err != nil {
		f.Fatal(err)
	}
	event, err := protocol.EncodeEvent(consent(0))
	if err != nil {
		f.Fatal(err)
	}
	status, err := protocol.EncodeStatus(protocol.Status{State: protocol.StateIdle, At: time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(protocol.ChunkTopic("box-a", "rec-1", 0), sealed)
	f.Add(protocol.ChunkTopic("box-a", "rec-2", 0), sealed)
	f.Add(protocol.ChunkTopic("box-a", "rec-1", 0), sealed[:len(sealed)-1])
	f.Add(protocol.MetaTopic("box-a", "rec-1"), event)
	f.Add(protocol.MetaTopic("box-a", "rec-1"), []byte(`{"v":1,"seq":7,"type":"withdraw"}`))
	f.Add(protocol.MetaTopic("box-a", "rec-1"), []byte(`{"v":1,"seq":8,"type":"withdraw","at":"2026-12-04T10:00:00Z"}`))
	f.Add(protocol.StatusTopic("box-a"), status)
	f.Add(protocol.StatusTopic("box-a"), []byte{})
	f.Add(protocol.AckTopic("box-a"), []byte(`{"v":1}`))
	f.Add("ordagrann/v1/box/box-a/rec/rec-1/chunk/01", sealed)
	f.Add("other/topic", []byte("x"))
	f.Add("", []byte(nil))

	f.Fuzz(func(t *testing.T, topic string, payload []byte) {
		sub.handler(topic, payload)

		parsed, parseErr := protocol.ParseTopic(topic)
		for _, p := range sub.take() {
			if parseErr != nil {
				t.Fatalf("ingest published to %q for unparsable topic %q", p.topic, topic)
			}
			if p.topic != protocol.AckTopic(parsed.BoxID) {
				t.Fatalf("ingest published to %q, want %q", p.topic, protocol.AckTopic(parsed.BoxID))
			}
			ack, err := protocol.DecodeAck(p.payload)
			if err != nil {
				t.Fatalf("ingest published an invalid ack %q: %v", p.payload, err)
			}
			if ack.RecordingID != parsed.RecordingID {
				t.Fatalf("ack names recording %q, want %q", ack.RecordingID, parsed.RecordingID)
			}
			for _, r := range ack.Chunks {
				if parsed.Kind != protocol.KindChunk || r.First != parsed.Seq || r.Last != parsed.Seq {
					t.Fatalf("ack of chunks %+v for topic %q", ack.Chunks, topic)
				}
			}
			if len(ack.Events) > 0 && parsed.Kind != protocol.KindMeta {
				t.Fatalf("ack of events %+v for topic %q", ack.Events, topic)
			}
		}
	})
}
