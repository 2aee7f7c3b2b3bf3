//go:build unix

package test

import "syscall"

// processCPU is the CPU time this process has used, in ns (0 if unknown).
func processCPU() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}
