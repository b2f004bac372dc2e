package ingest_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ordagrann/ordagrann/central/ingest"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/sync/chunkcrypt"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// lockedStore fails every write as a database locked by another process would.
type lockedStore struct{}

func (lockedStore) PutChunk(context.Context, string, string, uint64, protocol.ChunkHeader, []byte) (bool, error) {
	return false, errors.New("database is locked")
}

func (lockedStore) PutEvent(context.Context, string, string, protocol.Event) (bool, error) {
	return false, errors.New("database is locked")
}

func TestRepeatedStoreErrorsRateLimited(t *testing.T) {
	k, err := keys.Open(filepath.Join(t.TempDir(), "keys"), &keys.Options{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	now := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	sub := &captureSubscriber{}
	in, err := ingest.New(sub, lockedStore{}, &ingest.Options{
		Decrypter: k.HybridDecrypt(),
		Now:       func() time.Time { return now },
		Logger:    slog.New(slog.NewJSONHandler(&logs, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := in.Start(); err != nil {
		t.Fatal(err)
	}

	sealer := &chunkcrypt.Sealer{BoxID: "box-a", Enc: k.HybridEncrypt()}
	send := func(seq uint64) {
		c := newChunk(t, seq)
		msg, err := sealer.Seal("rec-1", seq, c.header, c.audio)
		if err != nil {
			t.Fatal(err)
		}
		sub.handler(protocol.ChunkTopic("box-a", "rec-1", seq), msg)
	}
	countLines := func() int { return strings.Count(logs.String(), `"msg":"chunk not stored, box will resend"`) }

	for seq := range uint64(3) {
		send(seq)
	}
	if got := countLines(); got != 1 {
		t.Errorf("log lines after 3 failures within a second = %d, want 1", got)
	}

	now = now.Add(time.Second)
	send(3)
	if got := countLines(); got != 2 {
		t.Errorf("log lines after a second more = %d, want 2", got)
	}
	if !strings.Contains(logs.String(), `"seq":3,"error":"database is locked","suppressed":2`) {
		t.Errorf("second log line does not count the 2 suppressed failures:\n%s", logs.String())
	}
	if got := sub.take(); len(got) != 0 {
		t.Errorf("ingest published %d acks for chunks it did not store, want none", len(got))
	}
}
