//go:build !linux

package integration

import "syscall"

func serverProcAttr() *syscall.SysProcAttr { return nil }
