//go:build !linux

package redistest

import "os/exec"

// setProcAttr does nothing off Linux: the server is stopped at t.Cleanup.
func setProcAttr(*exec.Cmd) {}
