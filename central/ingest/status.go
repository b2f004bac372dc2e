package ingest

import (
	"github.com/ordagrann/ordagrann/sync/protocol"
)

// handleStatus keeps the latest status of a box. An empty payload clears a
// retained status.
func (in *Ingester) handleStatus(t protocol.Topic, payload []byte) {
	if len(payload) == 0 {
		in.mu.Lock()
		delete(in.statuses, t.BoxID)
		in.mu.Unlock()
		in.log.Info("box status cleared", "box_id", t.BoxID)
		return
	}

	st, err := protocol.DecodeStatus(payload)
	if err != nil {
		in.log.Warn("box status ignored", "box_id", t.BoxID, "bytes", len(payload), "error", err)
		return
	}

	in.mu.Lock()
	prev, known := in.statuses[t.BoxID]
	in.statuses[t.BoxID] = st
	in.mu.Unlock()

	if !known || prev.State != st.State || prev.Fault != st.Fault {
		in.log.Info("box state changed", "box_id", t.BoxID, "state", string(st.State), "previous_state", string(prev.State),
			"spooled", st.Spooled, "fault", st.Fault, "firmware", st.Firmware)
	}
}
