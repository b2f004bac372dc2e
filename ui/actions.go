package ui

import (
	"net/http"

	"github.com/ordagrann/ordagrann/central/store"
)

// recordingActions returns the data of the recording page's actions part
// (templates/recording-actions.html) for rec, or nil when it shows nothing.
func (h *handler) recordingActions(r *http.Request, rec store.Recording) any {
	return nil
}
