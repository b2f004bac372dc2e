package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/ordagrann/ordagrann/central/auth"
	"github.com/ordagrann/ordagrann/central/keys"
	"github.com/ordagrann/ordagrann/internal/centralsvc"
	"github.com/ordagrann/ordagrann/sync/protocol"
)

const accountUsage = `usage: central account create --data DIR --user NAME --name "DISPLAY NAME" --role ROLE [--team TEAM] [--badge ID]... (--password-stdin | --generate-password)

Creates a sign-in account. Roles: caseworker, manager (needs --team), admin, auditor.
A caseworker sees the recordings started with the badge ids given by --badge,
as written in the boxes' configuration; the admin pages can change them later.
The person registers an authenticator app for the six-digit code at the first sign-in.
`

func runAccount(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] != "create" {
		fmt.Fprint(stderr, accountUsage)
		return 2
	}
	fs := flag.NewFlagSet("central account create", flag.ContinueOnError)
	fs.SetOutput(stderr)
	data := fs.String("data", "", "data directory created by central init (required)")
	var acc auth.NewAccount
	fs.StringVar(&acc.UserName, "user", "", "user name: a-z, digits, '.', '_' and '-' (required)")
	fs.StringVar(&acc.DisplayName, "name", "", "the person's name as shown in the web view (required)")
	role := fs.String("role", "", "caseworker, manager, admin or auditor (required)")
	fs.StringVar(&acc.Team, "team", "", "team id; required for managers")
	var badges []string
	fs.Func("badge", "badge id from the boxes' configuration that maps to this account; repeat for more", func(v string) error {
		badges = append(badges, v)
		return nil
	})
	fromStdin := fs.Bool("password-stdin", false, "read the password from the first line of standard input")
	generate := fs.Bool("generate-password", false, "generate a password and print it once")
	if err := fs.Parse(args[1:]); err != nil {
		return 2
	}
	acc.Role = auth.Role(*role)
	if *data == "" || acc.UserName == "" || acc.DisplayName == "" || !acc.Role.Valid() || *fromStdin == *generate {
		fmt.Fprint(stderr, accountUsage)
		return 2
	}
	// Badge ids are checked before the account is created, so a typo
	// leaves no account behind.
	for _, b := range badges {
		if err := protocol.CheckID("badge id", b); err != nil {
			fmt.Fprintf(stderr, "central account create: %v\n", err)
			return 2
		}
	}
	if _, err := os.Stat(filepath.Join(*data, keys.MasterKeyFile)); err != nil {
		fmt.Fprintf(stderr, "central account create: %s has no master key: run central init --data %s first\n", *data, *data)
		return 1
	}

	if *generate {
		acc.Password = generatePassword()
	} else {
		line, err := bufio.NewReader(stdin).ReadString('\n')
		if err != nil && err != io.EOF {
			fmt.Fprintf(stderr, "central account create: reading the password: %v\n", err)
			return 1
		}
		acc.Password = strings.TrimRight(line, "\r\n")
	}

	k, err := keys.Open(*data, nil)
	if err != nil {
		fmt.Fprintf(stderr, "central account create: %v\n", err)
		return 1
	}
	store, err := centralsvc.OpenAccounts(*data, k, nil)
	if err != nil {
		fmt.Fprintf(stderr, "central account create: %v\n", err)
		return 1
	}
	defer store.Close()
	created, err := store.CreateAccount(context.Background(), acc)
	if err != nil {
		fmt.Fprintf(stderr, "central account create: %v\n", err)
		return 1
	}
	fmt.Fprintf(stdout, "created account %s (%s, %s)\n", created.UserName, created.ID, created.Role)
	if *generate {
		fmt.Fprintf(stdout, "password: %s\n", acc.Password)
	}
	if len(badges) > 0 {
		if err := store.SetBadges(context.Background(), created.ID, badges); err != nil {
			fmt.Fprintf(stderr, "central account create: the account exists, but its badges were not set: %v: set them on the admin pages\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "badges: %s\n", strings.Join(badges, ", "))
	}
	return 0
}

// generatePassword returns 26 base32 characters: 130 random bits.
func generatePassword() string { return rand.Text() }
