// Package chat writes abstractive summaries and answers with an optional
// OpenAI-compatible chat completions engine (vLLM, llama.cpp's server,
// Ollama or a hosted service) and verifies every sentence of the reply
// before anyone sees it.
//
// The transcript is pseudonymized before it is sent, so identity numbers,
// names, phone numbers and addresses never reach the engine, and the reply
// is mapped back locally. The Swedish prompt numbers every segment and
// demands a citation of segment ids after every sentence. The verifier then
// checks each sentence: it has citations, every cited segment exists, and
// every number, date, name and negation in it is found in its cited
// segments, whose words it must also largely share. A sentence that fails is
// returned marked unsupported with the reasons, never dropped. The central
// service imports this package; chattest has a fake engine for tests.
package chat
