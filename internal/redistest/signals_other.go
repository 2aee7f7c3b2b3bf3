//go:build !unix

package redistest

import "os"

// No SIGSTOP here: Pause and Resume skip the test.
var sigStop, sigCont os.Signal
