package protocol

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Prefix is the root of every topic of protocol version 1.
const Prefix = "ordagrann/v1/"

// TopicKind names what a topic carries.
type TopicKind int

// Topic kinds. The zero value is invalid.
const (
	KindInvalid TopicKind = iota
	KindStatus
	KindMeta
	KindChunk
	KindAck
	KindConfig
	KindOTA
	KindCommand
)

func (k TopicKind) String() string {
	switch k {
	case KindStatus:
		return "status"
	case KindMeta:
		return "meta"
	case KindChunk:
		return "chunk"
	case KindAck:
		return "ack"
	case KindConfig:
		return "config"
	case KindOTA:
		return "ota"
	case KindCommand:
		return "cmd"
	}
	return "invalid"
}

// Topic is a parsed topic name.
type Topic struct {
	Kind        TopicKind
	BoxID       string
	RecordingID string // set for KindMeta and KindChunk
	Seq         uint64 // set for KindChunk
}

// ErrInvalidTopic is returned by ParseTopic for a name outside this protocol.
var ErrInvalidTopic = errors.New("invalid topic")

// MaxIDLength is the maximum length of a box id or recording id in bytes.
const MaxIDLength = 64

// ValidID reports whether s can be a box id or recording id: 1 to MaxIDLength
// characters from a-z, 0-9 and '-', not starting with '-'. The rule keeps ids
// safe in topic names, file names and SQL without quoting.
func ValidID(s string) bool {
	if len(s) == 0 || len(s) > MaxIDLength || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// CheckID returns an error that names the field when s is not a valid id.
func CheckID(field, s string) error {
	if !ValidID(s) {
		return fmt.Errorf("invalid %s %q: use 1 to %d characters from a-z, 0-9 and '-'", field, s, MaxIDLength)
	}
	return nil
}

// StatusTopic returns the retained status topic of a box.
func StatusTopic(box string) string { return Prefix + "box/" + box + "/status" }

// MetaTopic returns the topic of a recording's metadata events.
func MetaTopic(box, rec string) string { return Prefix + "box/" + box + "/rec/" + rec + "/meta" }

// ChunkTopic returns the topic of one encrypted audio chunk.
func ChunkTopic(box, rec string, seq uint64) string {
	return Prefix + "box/" + box + "/rec/" + rec + "/chunk/" + strconv.FormatUint(seq, 10)
}

// AckTopic returns the topic on which the central service acknowledges what it committed.
func AckTopic(box string) string { return Prefix + "central/box/" + box + "/ack" }

// ConfigTopic returns the retained topic of a box's signed configuration.
func ConfigTopic(box string) string { return Prefix + "central/box/" + box + "/config" }

// OTATopic returns the topic of signed firmware manifests for a box.
func OTATopic(box string) string { return Prefix + "central/box/" + box + "/ota" }

// CommandTopic returns the topic of commands to a box.
func CommandTopic(box string) string { return Prefix + "central/box/" + box + "/cmd" }

// BoxUplinkFilter returns the filter matching everything a box publishes.
func BoxUplinkFilter(box string) string { return Prefix + "box/" + box + "/#" }

// BoxDownlinkFilter returns the filter matching everything sent to a box.
func BoxDownlinkFilter(box string) string { return Prefix + "central/box/" + box + "/#" }

// AllUplinkFilter matches what every box publishes; the central service subscribes to it.
const AllUplinkFilter = Prefix + "box/+/#"

// ParseTopic parses a topic name of this protocol.
func ParseTopic(name string) (Topic, error) {
	rest, ok := strings.CutPrefix(name, Prefix)
	if !ok {
		return Topic{}, fmt.Errorf("%w %q: missing prefix %q", ErrInvalidTopic, name, Prefix)
	}
	parts := strings.Split(rest, "/")
	bad := func(why string) (Topic, error) {
		return Topic{}, fmt.Errorf("%w %q: %s", ErrInvalidTopic, name, why)
	}

	switch {
	case len(parts) == 3 && parts[0] == "box" && parts[2] == "status":
		if !ValidID(parts[1]) {
			return bad("invalid box id")
		}
		return Topic{Kind: KindStatus, BoxID: parts[1]}, nil

	case len(parts) == 5 && parts[0] == "box" && parts[2] == "rec" && parts[4] == "meta":
		if !ValidID(parts[1]) || !ValidID(parts[3]) {
			return bad("invalid box or recording id")
		}
		return Topic{Kind: KindMeta, BoxID: parts[1], RecordingID: parts[3]}, nil

	case len(parts) == 6 && parts[0] == "box" && parts[2] == "rec" && parts[4] == "chunk":
		if !ValidID(parts[1]) || !ValidID(parts[3]) {
			return bad("invalid box or recording id")
		}
		seq, err := strconv.ParseUint(parts[5], 10, 64)
		if err != nil || strconv.FormatUint(seq, 10) != parts[5] {
			return bad("chunk sequence number is not a canonical decimal integer")
		}
		return Topic{Kind: KindChunk, BoxID: parts[1], RecordingID: parts[3], Seq: seq}, nil

	case len(parts) == 4 && parts[0] == "central" && parts[1] == "box":
		if !ValidID(parts[2]) {
			return bad("invalid box id")
		}
		kinds := map[string]TopicKind{"ack": KindAck, "config": KindConfig, "ota": KindOTA, "cmd": KindCommand}
		kind, ok := kinds[parts[3]]
		if !ok {
			return bad("unknown central topic")
		}
		return Topic{Kind: kind, BoxID: parts[2]}, nil
	}
	return bad("unknown topic layout")
}
