// Package evalset loads the Swedish evaluation set in testdata/summary:
// fictional meeting transcripts with the facts a journal note must contain
// and questions with the segments that answer them, and a labelled set of
// texts for pseudonymization. Tests of the summary, answer, pseudo and chat
// packages and the summaryeval script import it.
package evalset

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/ordagrann/ordagrann/central/summary/svtext"
)

// Meeting is one transcript of the evaluation set.
type Meeting struct {
	ID        string
	Type      string // utredning, uppföljning, tolk or barnsamtal
	Segments  []svtext.Segment
	Facts     []Fact
	Questions []Question
}

// Fact is a fact that a good journal note of the meeting contains.
type Fact struct {
	Section  string  // participants, purpose, client_account, agreements or next_steps
	Segments []int64 // the segments that state the fact
	Text     string  // the fact in a caseworker's words
}

// Question is a question about the meeting with the segments that answer
// it. Segments is empty when nothing in the meeting answers the question.
type Question struct {
	Question string
	Segments []int64
}

// Dir returns the directory of the evaluation set, testdata/summary at the
// root of the module, found from this source file's location.
func Dir() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return filepath.Join("testdata", "summary")
	}
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "testdata", "summary")
}

type meetingFile struct {
	ID       string `json:"id"`
	Type     string `json:"type"`
	Segments []struct {
		ID      int64  `json:"id"`
		StartMS int64  `json:"start_ms"`
		EndMS   int64  `json:"end_ms"`
		Speaker string `json:"speaker"`
		Text    string `json:"text"`
	} `json:"segments"`
	Facts []struct {
		Section  string  `json:"section"`
		Segments []int64 `json:"segments"`
		Fact     string  `json:"fact"`
	} `json:"facts"`
	Questions []struct {
		Question string  `json:"question"`
		Segments []int64 `json:"segments"`
	} `json:"questions"`
}

var sections = []string{"participants", "purpose", "client_account", "agreements", "next_steps"}

// LoadMeetings reads every meetings/*.json file under dir, in file name
// order, and checks that facts and questions cite segments that exist.
func LoadMeetings(dir string) ([]Meeting, error) {
	paths, err := filepath.Glob(filepath.Join(dir, "meetings", "*.json"))
	if err != nil {
		return nil, fmt.Errorf("listing meetings in %s: %w", dir, err)
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no meetings/*.json files in %s", dir)
	}

	var out []Meeting
	for _, p := range paths {
		m, err := loadMeeting(p)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, nil
}

func loadMeeting(path string) (Meeting, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Meeting{}, fmt.Errorf("reading meeting: %w", err)
	}
	var f meetingFile
	if err := json.Unmarshal(data, &f); err != nil {
		return Meeting{}, fmt.Errorf("parsing meeting %s: %w", path, err)
	}

	m := Meeting{ID: f.ID, Type: f.Type}
	ids := map[int64]bool{}
	for _, s := range f.Segments {
		m.Segments = append(m.Segments, svtext.Segment{
			ID:      s.ID,
			Start:   time.Duration(s.StartMS) * time.Millisecond,
			End:     time.Duration(s.EndMS) * time.Millisecond,
			Speaker: s.Speaker,
			Text:    s.Text,
		})
		ids[s.ID] = true
	}

	cited := func(segs []int64, what string) error {
		for _, id := range segs {
			if !ids[id] {
				return fmt.Errorf("meeting %s: %s cites segment %d, which does not exist", path, what, id)
			}
		}
		return nil
	}
	for _, fact := range f.Facts {
		if !slices.Contains(sections, fact.Section) {
			return Meeting{}, fmt.Errorf("meeting %s: fact %q has unknown section %q", path, fact.Fact, fact.Section)
		}
		if len(fact.Segments) == 0 {
			return Meeting{}, errors.New("meeting " + path + ": fact " + fact.Fact + " cites no segment")
		}
		if err := cited(fact.Segments, "fact "+fact.Fact); err != nil {
			return Meeting{}, err
		}
		m.Facts = append(m.Facts, Fact{Section: fact.Section, Segments: fact.Segments, Text: fact.Fact})
	}
	for _, q := range f.Questions {
		if err := cited(q.Segments, "question "+q.Question); err != nil {
			return Meeting{}, err
		}
		m.Questions = append(m.Questions, Question{Question: q.Question, Segments: q.Segments})
	}
	return m, nil
}

// Recalled reports whether a summary that cites the given segments contains
// fact f: it cites at least one of the segments that state the fact.
func Recalled(f Fact, cited []int64) bool {
	for _, id := range f.Segments {
		if slices.Contains(cited, id) {
			return true
		}
	}
	return false
}

// Labelled is a text with every identifying detail in it labelled.
type Labelled struct {
	Text     string
	Entities []LabelledEntity
}

// LabelledEntity is one identifying detail: its kind as the pseudo
// package names kinds ("person", "personnummer", …) and its exact text.
type LabelledEntity struct {
	Kind string `json:"kind"`
	Text string `json:"text"`
}

// LoadPseudo reads the labelled pseudonymization set, pseudo.json under
// dir.
func LoadPseudo(dir string) ([]Labelled, error) {
	path := filepath.Join(dir, "pseudo.json")
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading labelled set: %w", err)
	}
	var f struct {
		Samples []struct {
			Text     string           `json:"text"`
			Entities []LabelledEntity `json:"entities"`
		} `json:"samples"`
	}
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("parsing labelled set %s: %w", path, err)
	}

	var out []Labelled
	for i, s := range f.Samples {
		for _, e := range s.Entities {
			if !strings.Contains(s.Text, e.Text) {
				return nil, fmt.Errorf("labelled set %s: sample %d labels %q, which is not in its text", path, i, e.Text)
			}
		}
		out = append(out, Labelled{Text: s.Text, Entities: s.Entities})
	}
	return out, nil
}

// LongTranscript strings the meetings' segments together, again and again,
// until they last at least d, as one long meeting for benchmarks. Segment
// ids are renumbered from 1 and times shifted so they keep increasing.
func LongTranscript(meetings []Meeting, d time.Duration) []svtext.Segment {
	var out []svtext.Segment
	var offset time.Duration
	for len(meetings) > 0 {
		for _, m := range meetings {
			for _, s := range m.Segments {
				s.ID = int64(len(out) + 1)
				s.Start += offset
				s.End += offset
				out = append(out, s)
			}
			offset = out[len(out)-1].End + time.Second
			if offset >= d {
				return out
			}
		}
	}
	return out
}
