//go:build !unix

package test

// processCPU is unknown here: benchCPU reports nothing.
func processCPU() int64 { return 0 }
