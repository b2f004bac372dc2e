package broker

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	mqtt "github.com/mochi-mqtt/server/v2"
	"github.com/mochi-mqtt/server/v2/packets"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// authHook authenticates boxes at connect and enforces the topic rules.
//
// After OnConnectAuthenticate accepted a client, its client id equals its
// authenticated box id, so the later checks read the box id from cl.ID.
type authHook struct {
	mqtt.HookBase

	insecure bool
	allowed  func(boxID string) bool
	log      *slog.Logger
}

func (h *authHook) ID() string { return "ordagrann-auth" }

func (h *authHook) Provides(b byte) bool {
	switch b {
	case mqtt.OnConnectAuthenticate, mqtt.OnACLCheck, mqtt.OnPublish, mqtt.OnDisconnect:
		return true
	}
	return false
}

// OnConnectAuthenticate accepts a connection only when the client proves a
// box id and uses it as both client id and username.
func (h *authHook) OnConnectAuthenticate(cl *mqtt.Client, pk packets.Packet) bool {
	box, err := h.authenticate(cl, pk)
	if err != nil {
		h.log.Warn("mqtt connection rejected",
			"client_id", clip(pk.Connect.ClientIdentifier),
			"remote", cl.Net.Remote,
			"reason", err.Error())
		return false
	}

	h.log.Info("box connected", "box_id", box, "remote", cl.Net.Remote, "protocol_version", pk.ProtocolVersion)
	return true
}

func (h *authHook) authenticate(cl *mqtt.Client, pk packets.Packet) (string, error) {
	box, err := h.identity(cl)
	if err != nil {
		return "", err
	}

	if err := protocol.CheckID("box id", box); err != nil {
		return "", err
	}
	// mochi-mqtt keeps its in-process client under this id, and a network
	// client with the same id would take over its session.
	if box == mqtt.InlineClientId {
		return "", fmt.Errorf("box id %q is reserved for the central service", box)
	}
	if pk.Connect.ClientIdentifier != box {
		return "", fmt.Errorf("client id %q does not match box id %q: connect with the box id as client id", clip(pk.Connect.ClientIdentifier), box)
	}
	if string(pk.Connect.Username) != box {
		return "", fmt.Errorf("username %q does not match box id %q: connect with the box id as username", clip(string(pk.Connect.Username)), box)
	}

	if h.allowed != nil && !h.allowed(box) {
		return "", fmt.Errorf("box %q is not enrolled", box)
	}

	// The broker publishes a last will without an access check or the
	// retain rule of OnPublish, and keeps a retained will for ever. So the
	// only will allowed is the box's status, and only as large as a status.
	if pk.Connect.WillFlag {
		if pk.Connect.WillTopic != protocol.StatusTopic(box) {
			return "", fmt.Errorf("last will topic %q is not the box's status topic %q", clip(pk.Connect.WillTopic), protocol.StatusTopic(box))
		}
		if len(pk.Connect.WillPayload) > protocol.MaxJSONMessage {
			return "", fmt.Errorf("last will of %d bytes exceeds the %d-byte status limit", len(pk.Connect.WillPayload), protocol.MaxJSONMessage)
		}
	}
	return box, nil
}

// identity returns the box id the connection proves: the Common Name of the
// verified client certificate, or the MQTT username in insecure mode.
func (h *authHook) identity(cl *mqtt.Client) (string, error) {
	if h.insecure {
		return string(cl.Properties.Username), nil
	}

	conn, ok := cl.Net.Conn.(*tls.Conn)
	if !ok {
		return "", errors.New("connection is not TLS")
	}
	state := conn.ConnectionState()
	if !state.HandshakeComplete || len(state.VerifiedChains) == 0 || len(state.PeerCertificates) == 0 {
		return "", errors.New("no verified client certificate")
	}
	return state.PeerCertificates[0].Subject.CommonName, nil
}

// OnACLCheck allows a box to publish under its uplink tree and to subscribe
// (and receive) under its downlink tree. The in-process client may do all.
//
// For subscriptions the broker passes the raw filter, so a shared
// subscription arrives as "$share/group/filter" and fails the prefix check.
//
// NOTE: A denied QoS 1 publish from an MQTT 3.1.1 client makes the broker
// disconnect the client, and paho then resends it after every reconnect. The
// box publishes only under its own tree, so this does not happen with the
// Ordagrann box; the denial is a guard against other clients.
func (h *authHook) OnACLCheck(cl *mqtt.Client, topic string, write bool) bool {
	if cl.Net.Inline {
		return true
	}

	if write {
		if mayPublish(cl.ID, topic) {
			return true
		}
		h.log.Warn("mqtt publish denied", "box_id", cl.ID, "topic", clip(topic))
		return false
	}

	if maySubscribe(cl.ID, topic) {
		return true
	}
	h.log.Warn("mqtt subscribe denied", "box_id", cl.ID, "filter", clip(topic))
	return false
}

// OnPublish clears the retain flag on everything a box publishes except its
// status, so a box cannot make the broker keep chunks or events in memory.
func (h *authHook) OnPublish(cl *mqtt.Client, pk packets.Packet) (packets.Packet, error) {
	if cl.Net.Inline || !pk.FixedHeader.Retain {
		return pk, nil
	}

	if pk.TopicName != protocol.StatusTopic(cl.ID) {
		h.log.Debug("retain flag cleared", "box_id", cl.ID, "topic", clip(pk.TopicName))
		pk.FixedHeader.Retain = false
	}
	return pk, nil
}

func (h *authHook) OnDisconnect(cl *mqtt.Client, err error, expire bool) {
	h.log.Info("box disconnected", "box_id", cl.ID, "remote", cl.Net.Remote, "error", err)
}

// mayPublish reports whether box may publish to the topic name.
func mayPublish(box, topic string) bool {
	if !protocol.ValidID(box) {
		return false
	}
	return strings.HasPrefix(topic, uplinkPrefix(box)) && !strings.ContainsAny(topic, "+#")
}

// maySubscribe reports whether box may subscribe to the filter, or receive
// a message on the topic name.
// maySubscribe allows a box only the few exact filters it needs, so one
// client cannot pile up thousands of subscriptions in broker memory.
func maySubscribe(box, filter string) bool {
	if !protocol.ValidID(box) {
		return false
	}
	switch filter {
	case protocol.AckTopic(box), protocol.CommandTopic(box), protocol.ConfigTopic(box), protocol.OTATopic(box), protocol.BoxDownlinkFilter(box):
		return true
	}
	return false
}

func uplinkPrefix(box string) string {
	return strings.TrimSuffix(protocol.BoxUplinkFilter(box), "#")
}

func downlinkPrefix(box string) string {
	return strings.TrimSuffix(protocol.BoxDownlinkFilter(box), "#")
}

// clip shortens a client-supplied string for the log.
func clip(s string) string {
	const maxLen = 128
	if len(s) <= maxLen {
		return s
	}
	return strings.ToValidUTF8(s[:maxLen], "") + "…"
}
