//go:build linux

package integration

import "syscall"

// serverProcAttr makes the kernel kill a server if the test binary dies
// first (a timeout panic), so no amphora process outlives the tests.
func serverProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
