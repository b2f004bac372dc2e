package main

import (
	"os/exec"
	"syscall"
)

// stopWithParent makes Linux send SIGTERM to this process when its parent
// (make, or the shell that runs it) exits, so stopping make stops the demo.
func stopWithParent() {
	syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_PDEATHSIG, uintptr(syscall.SIGTERM), 0)
}

// stopWithDemo makes Linux send SIGTERM to cmd's process when the demo
// exits, even when the demo is killed before it can stop its children.
func stopWithDemo(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
