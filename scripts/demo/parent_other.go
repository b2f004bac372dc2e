//go:build !linux

package main

import "os/exec"

// stopWithParent does nothing outside Linux, which has no parent-death signal.
func stopWithParent() {}

// stopWithDemo does nothing outside Linux, which has no parent-death signal.
func stopWithDemo(*exec.Cmd) {}
