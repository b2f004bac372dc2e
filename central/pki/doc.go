// Package pki manages the fleet's public key infrastructure and the fleet
// directory that IT keeps. The directory contains an ECDSA P-256
// certificate authority, which issues the central service's server
// certificate and one client certificate per box. It also contains the
// Ed25519 keyset (Tink) that signs box configuration, and the public keys of
// every enrolled box.
//
// The central service and the fleet CLI import it. Box firmware does not:
// the box reads its enrollment through firmware/boxconfig.
//
// A fleet directory contains:
//
//	ca.pem                         CA certificate
//	ca-key.pem                     CA private key (PKCS #8 PEM, mode 0600)
//	config-signing.json            IT's Ed25519 private keyset (Tink JSON, cleartext, mode 0600)
//	config-verify.json             its public keyset, pinned by every box at enrollment
//	boxes/<box-id>/cert.pem        the box's client certificate
//	boxes/<box-id>/chunk-verify.json  the box's Ed25519 public keyset for chunk signatures
//	boxes/<box-id>/config.json     the last configuration signed for the box
//	boxes/<box-id>/config.sig      its signature
//
// The central service reads enrolled boxes with ReadBoxes.
package pki
