// Package broker runs the central service's embedded MQTT broker
// (mochi-mqtt) with the identity and access rules of the Ordagrann protocol.
//
// A box authenticates with its client certificate: the certificate's Common
// Name is the box id, and the MQTT client id and username must both equal it.
// A box may publish only under its own uplink tree (ordagrann/v1/box/{box}/)
// and subscribe only under its own downlink tree
// (ordagrann/v1/central/box/{box}/); shared subscriptions are denied to
// boxes. The central service itself talks to the broker in-process through
// Subscribe and Publish, which bypass those rules.
//
// Only cmd/central and tests import this package.
package broker
