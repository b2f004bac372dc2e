// Package diarize finds who spoke when in a meeting recording and splits
// transcript rows at speaker changes.
//
// With two or more microphone channels and known microphone positions it
// diarizes by direction. For every voiced 16 ms hop it computes a
// steered-response power map with phase-transform weighting (SRP-PHAT):
// the sum of GCC-PHAT over microphone pairs, evaluated at each direction's
// time differences. It smooths the maps over time, takes the peaks of the
// histogram of directions as the speakers, and assigns hops to them with a
// Viterbi pass that charges for every speaker change. On arrays that are
// not linear, a direction that dominates the pauses is taken for a noise
// source, not a speaker. With one
// channel, or when the directions are too diffuse, it diarizes by voice:
// MFCC frames, agglomerative clustering of short pieces with
// full-covariance Gaussians and the Bayesian information criterion (BIC)
// as the stopping rule, and Viterbi resegmentation with one Gaussian per
// speaker. On spatial results the voice method runs as a second opinion,
// and Result.Agreement reports how far the two agree.
//
// Voice activity comes from central/vad, so only what its detector takes
// for speech gets a speaker. A Session takes audio as it arrives and returns
// provisional speakers at any time. A provisional pass assigns the new
// speech to the speakers found before and clusters all speech again only
// when enough new speech has come. The final pass after the recording ends
// clusters all speech and may relabel, and Changes lists what moved. Assign splits engine segments
// at speaker changes using their word timestamps. The package is meant for
// the central pipeline.
package diarize
