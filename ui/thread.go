package ui

import (
	"net/http"

	"github.com/ordagrann/ordagrann/central/store"
)

// recordingThread returns the data of the recording page's thread part
// (templates/recording-thread.html): the summary and the questions and
// answers, or nil when it shows nothing.
func (h *handler) recordingThread(r *http.Request, rec store.Recording) any {
	return nil
}
