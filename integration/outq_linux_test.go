package integration

import (
	"syscall"
	"unsafe"
)

// outq is the number of bytes of socket fd not yet acknowledged by the
// peer (the SIOCOUTQ ioctl), -1 when it cannot be read.
func outq(fd uintptr) int {
	var n int32
	const siocoutq = 0x5411 // TIOCOUTQ
	if _, _, errno := syscall.Syscall(syscall.SYS_IOCTL, fd, siocoutq, uintptr(unsafe.Pointer(&n))); errno != 0 {
		return -1
	}
	return int(n)
}
