// Package ingest receives what boxes publish over MQTT and commits it: it
// opens encrypted audio chunks, stores chunks and recording events, and
// acknowledges each one to its box only after the store committed it. It
// also keeps the latest status of every box in memory.
//
// Every message is handled on its own: a malformed, undecryptable or
// replayed message is rejected back to its box with a reason and a logged
// cause, and the rest of the recording is unaffected. A store failure that
// may pass (a full disk, a locked database) is logged and not acknowledged,
// so the box sends the message again.
//
// Only cmd/central and tests import this package.
package ingest
