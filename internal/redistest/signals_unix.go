//go:build unix

package redistest

import "syscall"

// The signals that Pause and Resume send.
var sigStop, sigCont = syscall.SIGSTOP, syscall.SIGCONT
