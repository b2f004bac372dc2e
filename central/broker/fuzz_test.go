package broker

import (
	"testing"

	"github.com/ordagrann/ordagrann/sync/protocol"
)

// FuzzTopicRules checks that no topic or filter falls into two boxes' trees
// and that a box never gets the other direction of its own tree.
func FuzzTopicRules(f *testing.F) {
	f.Add("box-a", "box-b", protocol.StatusTopic("box-a"))
	f.Add("box-a", "box-ab", protocol.BoxDownlinkFilter("box-a"))
	f.Add("a", "a-", "ordagrann/v1/central/box/a/#")
	f.Add("box-a", "box-b", "$share/g/"+protocol.BoxDownlinkFilter("box-a"))
	f.Add("+", "box-b", "ordagrann/v1/box/+/status")

	f.Fuzz(func(t *testing.T, boxA, boxB, topic string) {
		if mayPublish(boxA, topic) {
			if maySubscribe(boxA, topic) {
				t.Fatalf("box %q may both publish and subscribe to %q", boxA, topic)
			}
			if boxA != boxB && mayPublish(boxB, topic) {
				t.Fatalf("boxes %q and %q may both publish to %q", boxA, boxB, topic)
			}
			// A parsable uplink topic names the publishing box.
			if parsed, err := protocol.ParseTopic(topic); err == nil && parsed.BoxID != boxA {
				t.Fatalf("box %q may publish to %q, which names box %q", boxA, topic, parsed.BoxID)
			}
		}
		if boxA != boxB && maySubscribe(boxA, topic) && maySubscribe(boxB, topic) {
			t.Fatalf("boxes %q and %q may both subscribe to %q", boxA, boxB, topic)
		}
	})
}
