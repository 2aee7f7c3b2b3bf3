// Package testproc starts a test binary again as a worker process, for the
// multi-process tests (test/fleet, test/untrusted), and holds every worker
// at a barrier until all of them are ready.
package testproc

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
)

// Env is os.Environ plus extra, with the race detector's exit pause
// turned off: a binary built with -race sleeps atexit_sleep_ms (1 s by
// default) before it exits, which made 60 worker processes one after
// another take 68 s instead of 5 (issue 15). Options already in GORACE
// are kept.
func Env(extra ...string) []string {
	env := make([]string, 0, len(os.Environ())+len(extra)+1)
	gorace := "atexit_sleep_ms=0"
	for _, kv := range os.Environ() {
		if v, ok := strings.CutPrefix(kv, "GORACE="); ok {
			if !strings.Contains(v, "atexit_sleep_ms") {
				gorace = strings.TrimSpace(v + " " + gorace)
			} else {
				gorace = v
			}
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "GORACE="+gorace), extra...)
}

// Ready is the line a worker writes on stdout when it is ready to start.
const Ready = "ready"

// AwaitStart is the worker's half of the barrier: it writes Ready on
// stdout and returns when its stdin closes, which Run does once every
// worker is ready.
func AwaitStart() {
	fmt.Fprintln(os.Stdout, Ready)
	_, _ = io.Copy(io.Discard, os.Stdin)
}

// Output is what one worker left: its stdout after the Ready line, its
// stderr, and how it ended.
type Output struct {
	Stdout, Stderr []byte
	Err            error
}

// Run starts one worker per environment (os.Args[0] with -test.run=^$),
// waits until each has written Ready (or ended), lets them all start at
// once by closing their stdin, calls started (if not nil) while they work,
// and returns what each left. No worker waits for a fixed time: under any
// load they start together.
func Run(envs [][]string, started func()) ([]Output, error) {
	outs := make([]Output, len(envs))
	stdins := make([]io.Closer, 0, len(envs))
	var ready, done sync.WaitGroup
	var startErr error
	for i, env := range envs {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		stdin, err := cmd.StdinPipe()
		if err != nil {
			startErr = err
			break
		}
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			startErr = err
			break
		}
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			startErr = fmt.Errorf("starting worker %d: %w", i, err)
			break
		}
		stdins = append(stdins, stdin)
		ready.Add(1)
		done.Go(func() {
			r := bufio.NewReader(stdout)
			line, _ := r.ReadString('\n')
			ready.Done()
			rest, _ := io.ReadAll(r)
			err := cmd.Wait()
			if err == nil && strings.TrimSpace(line) != Ready {
				err = fmt.Errorf("worker %d wrote %q before it was ready", i, line)
			}
			outs[i] = Output{Stdout: rest, Stderr: stderr.Bytes(), Err: err}
		})
	}
	ready.Wait()
	for _, c := range stdins {
		c.Close()
	}
	if started != nil {
		started()
	}
	done.Wait()
	return outs, startErr
}
