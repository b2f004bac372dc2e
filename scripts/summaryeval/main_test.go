package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/ordagrann/ordagrann/central/summary/evalset"
)

func TestRunPrintsFigures(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, evalset.Dir(), false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"summary fact recall:", "answer accuracy, top 1:", "pseudonymization precision:", "pseudonymization recall:", "verifier detection rate:      1.000"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestRunMissingDirectory(t *testing.T) {
	var out bytes.Buffer
	if err := run(&out, t.TempDir(), false); err == nil || !strings.Contains(err.Error(), "no meetings") {
		t.Errorf("run(empty dir) error = %v, want one saying there are no meetings", err)
	}
}
