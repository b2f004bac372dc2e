// Package boxconfig loads a room box's enrollment and its signed
// configuration. The enrollment contains the box id, the broker URL, the
// box's certificate and key, the central service's recording public key,
// IT's pinned configuration verify key and the box's own chunk signing key.
// The configuration contains the board, the consent timeout and the known
// badges. IT signs it with Ed25519, and the box verifies it against the
// pinned key before it uses any of it.
//
// The box firmware and the fleet CLI import it. It depends only on
// sync/protocol and Tink.
package boxconfig
