// Package layering holds a test that keeps the module's dependencies
// pointing inward: cmd wires things together, the box side imports nothing
// of the central service, and hal stays free of concrete drivers.
package layering

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

const module = "github.com/ordagrann/ordagrann/"

type pkg struct {
	ImportPath string
	Imports    []string
}

// rule forbids packages under from (a path prefix inside the module) to
// import packages under any of the listed prefixes.
type rule struct {
	from   string
	forbid []string
	why    string
}

var rules = []rule{
	{"firmware", []string{"central", "ui", "cmd"}, "box code must not contain central-service code"},
	{"hal", []string{"central", "ui", "firmware", "sync", "cmd"}, "hardware drivers know nothing of the application"},
	{"sync", []string{"central", "ui", "firmware", "cmd"}, "the protocol is shared and depends on neither side"},
	{"board", []string{"central", "ui", "firmware", "cmd"}, "board profiles only choose hardware"},
	{"central", []string{"firmware", "ui", "cmd"}, "the central service does not import box or web code"},
	{"ui", []string{"firmware", "cmd"}, "the web UI uses central services only"},
	{"internal", []string{"cmd"}, "nothing imports cmd"},
}

// hal itself (not its driver sub-packages) must not import a driver.
var halDrivers = []string{"hal/sim", "hal/malgomic", "periph.io/", "github.com/gen2brain/malgo"}

func TestLayering(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	out, err := exec.Command("go", "list", "-e", "-json", "../../...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var checked int
	for {
		var p pkg
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatalf("decoding go list output: %v", err)
		}
		rel, ok := strings.CutPrefix(p.ImportPath, module)
		if !ok {
			continue
		}
		checked++
		for _, imp := range p.Imports {
			checkImport(t, rel, imp)
		}
	}
	if checked < 5 {
		t.Fatalf("checked only %d packages; go list output looks wrong", checked)
	}
}

func checkImport(t *testing.T, rel, imp string) {
	t.Helper()
	impRel, inModule := strings.CutPrefix(imp, module)
	for _, r := range rules {
		if !under(rel, r.from) || !inModule {
			continue
		}
		for _, f := range r.forbid {
			if under(impRel, f) {
				t.Errorf("%s imports %s: %s", rel, impRel, r.why)
			}
		}
	}
	if rel == "hal" {
		for _, d := range halDrivers {
			if strings.HasPrefix(impRel, d) || strings.HasPrefix(imp, d) {
				t.Errorf("hal imports driver %s: drivers live in sub-packages", imp)
			}
		}
	}
}

func under(path, prefix string) bool {
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}
