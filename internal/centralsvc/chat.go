package centralsvc

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/ordagrann/ordagrann/central/chat"
	"github.com/ordagrann/ordagrann/ui"
)

// chatAssistant returns the assistant of the configured chat engine, or
// nil when none is configured.
func (s *Service) chatAssistant() (ui.Assistant, error) {
	if s.cfg.ChatURL == "" {
		if s.cfg.ChatModel != "" || s.cfg.ChatAPIKeyFile != "" {
			return nil, errors.New("--chat-model or --chat-key-file without --chat-url: set the chat engine's URL, or remove the other chat flags")
		}
		s.log.Info("no chat engine configured: the embedded summarizer and answer index write summaries and answers")
		return nil, nil
	}
	if strings.TrimSpace(s.cfg.ChatModel) == "" {
		return nil, errors.New("missing --chat-model: set the model name the chat engine serves, for example Qwen/Qwen2.5-7B-Instruct")
	}
	key, err := readAPIKey(s.cfg.ChatAPIKeyFile)
	if err != nil {
		return nil, err
	}
	if info, err := os.Stat(s.cfg.ChatAPIKeyFile); err == nil && key != "" && info.Mode().Perm()&0o077 != 0 {
		s.log.Warn("chat engine api key file is readable by other users; make it mode 0600", "path", s.cfg.ChatAPIKeyFile)
	}

	// The chat package allows plain http only to a loopback address, as
	// the transcription engines do without --asr-allow-plain-http.
	engine, err := chat.New(s.cfg.ChatURL, &chat.Options{Model: s.cfg.ChatModel, APIKey: key, Logger: s.log})
	if err != nil {
		return nil, err
	}
	a, err := chat.NewAssistant(engine, &chat.AssistantOptions{Logger: s.log})
	if err != nil {
		return nil, err
	}
	s.log.Info("chat engine configured", "engine", engine.Name(), "api_key", key != "")
	return a, nil
}

// maxAPIKeyBytes bounds an API key file, so a wrong path to a large file
// fails clearly.
const maxAPIKeyBytes = 4096

// readAPIKey reads a bearer token from path, without surrounding space.
// An empty path returns "".
func readAPIKey(path string) (string, error) {
	if path == "" {
		return "", nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return "", fmt.Errorf("reading chat engine API key: %w", err)
	}
	if !info.Mode().IsRegular() || info.Size() > maxAPIKeyBytes {
		return "", fmt.Errorf("reading chat engine API key: %s is not a regular file of at most %d bytes: use a file that contains only the key", path, maxAPIKeyBytes)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("reading chat engine API key: %w", err)
	}
	key := strings.TrimSpace(string(data))
	if key == "" || strings.ContainsAny(key, " \t\r\n") {
		return "", fmt.Errorf("reading chat engine API key: %s must hold the key alone on one line", path)
	}
	return key, nil
}
