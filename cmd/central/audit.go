package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"path/filepath"

	"github.com/ordagrann/ordagrann/central/audit"
)

const auditUsage = `usage: central audit verify --data DIR [--json]

Checks the access log DIR/audit.db against its hash chain and the heads
signed with the key in DIR/audit-verify-key.json, and prints where the chain
breaks. Exit status: 0 intact, 1 broken, 2 usage error or unreadable log.
`

func runAudit(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "verify" {
		fmt.Fprint(stderr, auditUsage)
		return 2
	}
	fs := flag.NewFlagSet("central audit verify", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory with audit.db and audit-verify-key.json (required)")
	asJSON := fs.Bool("json", false, "print the result as JSON")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	if *data == "" {
		fmt.Fprintln(stderr, "central audit verify: missing --data DIR")
		return 2
	}

	v, err := audit.ReadVerifier(*data)
	if err != nil {
		fmt.Fprintf(stderr, "central audit verify: %v\n", err)
		return 2
	}
	res, err := audit.VerifyFile(context.Background(), filepath.Join(*data, AuditDBFile), v)
	if err != nil {
		fmt.Fprintf(stderr, "central audit verify: %v\n", err)
		return 2
	}

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(res); err != nil {
			fmt.Fprintf(stderr, "central audit verify: %v\n", err)
			return 2
		}
	} else {
		fmt.Fprint(stdout, res.String())
	}
	if !res.OK() {
		return 1
	}
	return 0
}

// AuditDBFile is the access log's file name in the data directory.
const AuditDBFile = "audit.db"
