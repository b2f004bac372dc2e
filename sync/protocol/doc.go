// Package protocol defines the MQTT protocol between a room box and the
// central service: topic names, identifier rules, and the versioned messages
// that travel on those topics, with their size limits.
//
// Both the box (firmware, sync/uplink) and the central service import it. It
// depends on nothing else in this module.
//
// Topics live under "ordagrann/v1/":
//
//	box/{box}/status                 box → central, retained, with a last will (JSON Status)
//	box/{box}/rec/{rec}/meta         box → central, QoS 1 (JSON Event)
//	box/{box}/rec/{rec}/chunk/{seq}  box → central, QoS 1 (binary chunk envelope)
//	central/box/{box}/ack            central → box, QoS 1 (JSON Ack)
//	central/box/{box}/config         central → box, retained (signed configuration)
//	central/box/{box}/ota            central → box (signed firmware manifest)
//	central/box/{box}/cmd            central → box (JSON Command)
package protocol
