package broker

import (
	"bytes"
	"log/slog"
	"strings"
	"testing"

	"github.com/mochi-mqtt/server/v2/packets"
)

func TestRedactHandlerHidesPackets(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(redactHandler{next: slog.NewTextHandler(&buf, nil)})
	pk := packets.Packet{TopicName: "t", Payload: []byte("SECRET-PAYLOAD")}

	log.Warn("error processing packet", "client", "box-a", "pk", pk)
	log.With("packet", pk).Info("failed publishing packet")
	log.Error("parse will error", "will", pk)

	out := buf.String()
	if strings.Contains(out, "SECRET") {
		t.Errorf("log contains the payload:\n%s", out)
	}
	for _, want := range []string{"pk=[redacted]", "packet=[redacted]", "will=[redacted]", "client=box-a"} {
		if !strings.Contains(out, want) {
			t.Errorf("log does not contain %q:\n%s", want, out)
		}
	}
}

func TestTopicRules(t *testing.T) {
	tests := []struct {
		box, topic         string
		publish, subscribe bool
	}{
		{"box-a", "ordagrann/v1/box/box-a/status", true, false},
		{"box-a", "ordagrann/v1/box/box-a/rec/r1/chunk/3", true, false},
		{"box-a", "ordagrann/v1/box/box-ab/status", false, false},
		{"box-a", "ordagrann/v1/box/box-a/+", false, false},
		{"box-a", "ordagrann/v1/box/box-a/#", false, false},
		{"box-a", "ordagrann/v1/box/box-a", false, false},
		{"box-a", "ordagrann/v1/central/box/box-a/ack", false, true},
		{"box-a", "ordagrann/v1/central/box/box-a/#", false, true},
		{"box-a", "ordagrann/v1/central/box/box-a/cmd", false, true},
		{"box-a", "ordagrann/v1/central/box/box-a/ack/x1", false, false}, // each extra filter costs broker memory
		{"box-a", "ordagrann/v1/central/box/box-a/+", false, false},
		{"box-a", "ordagrann/v1/central/box/box-ab/ack", false, false},
		{"box-a", "ordagrann/v1/central/box/+/ack", false, false},
		{"box-a", "$share/g/ordagrann/v1/central/box/box-a/#", false, false},
		{"box-a", "#", false, false},
		{"", "ordagrann/v1/box//status", false, false},
		{"+", "ordagrann/v1/box/+/status", false, false},
		{"#", "ordagrann/v1/central/box/#/ack", false, false},
	}
	for _, tt := range tests {
		if got := mayPublish(tt.box, tt.topic); got != tt.publish {
			t.Errorf("mayPublish(%q, %q) = %v, want %v", tt.box, tt.topic, got, tt.publish)
		}
		if got := maySubscribe(tt.box, tt.topic); got != tt.subscribe {
			t.Errorf("maySubscribe(%q, %q) = %v, want %v", tt.box, tt.topic, got, tt.subscribe)
		}
	}
}
