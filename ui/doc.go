// Package ui serves the central service's Swedish web view: the list of
// recordings with their state, one recording with its audio player and
// transcript, and each box's last reported state. Pages are rendered on the
// server from embedded templates. The only script is a small static file
// that seeks the player.
//
// The view has no sign-in yet, so it serves only requests that come from
// and are addressed to a loopback address. Only cmd/central imports it.
package ui
