// Package summary writes an extractive summary of a Swedish meeting
// transcript, shaped as a social-services journal note: who took part
// (deltagare), the purpose of the meeting (syfte), what the client described
// (vad klienten berättade), what was agreed (överenskommelser) and the next
// steps with their dates (nästa steg och datum).
//
// Every line of a summary is a sentence quoted verbatim from the transcript
// together with the ids of the segments it comes from, so a caseworker can
// check each line against the recording. No model is needed: sentences are
// ranked by TF-IDF over Swedish Snowball stems, by cue phrases for each
// section, and chosen with maximal marginal relevance so that one section
// does not repeat itself. The central service imports this package.
package summary
