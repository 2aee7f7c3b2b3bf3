package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// The subset of govulncheck's JSON protocol (v1, `-format json`) that the
// report needs. The stream is a sequence of objects, each with one key:
// config, progress, SBOM, osv or finding; unknown keys are ignored so that a
// newer govulncheck adding messages does not break the check.
type message struct {
	Config  *config  `json:"config"`
	OSV     *entry   `json:"osv"`
	Finding *finding `json:"finding"`
}

type config struct {
	ScannerVersion string `json:"scanner_version"`
	DB             string `json:"db"`
	GoVersion      string `json:"go_version"`
	ScanLevel      string `json:"scan_level"`
	ScanMode       string `json:"scan_mode"`
}

// entry is an OSV entry; only its id and one-line summary are printed.
type entry struct {
	ID      string `json:"id"`
	Summary string `json:"summary"`
}

// finding says that vulnerability OSV was found. Trace[0] is the vulnerable
// module, package or symbol; when it names a function, the rest of Trace is a
// call path from our code to it, i.e. the vulnerability is reachable.
type finding struct {
	OSV          string  `json:"osv"`
	FixedVersion string  `json:"fixed_version"`
	Trace        []frame `json:"trace"`
}

type frame struct {
	Module   string    `json:"module"`
	Version  string    `json:"version"`
	Package  string    `json:"package"`
	Function string    `json:"function"`
	Receiver string    `json:"receiver"`
	Position *position `json:"position"`
}

type position struct {
	Filename string `json:"filename"`
	Line     int    `json:"line"`
}

// stream is everything read from one govulncheck run.
type stream struct {
	config   config
	entries  map[string]entry
	findings []finding
}

// readStream decodes a govulncheck JSON stream. It refuses a stream without
// a config message (govulncheck failed before scanning, or this is not its
// output) and one scanned below symbol level, where nothing can be told
// reachable: passing either would report "0 reachable" for a check that
// never looked.
func readStream(r io.Reader) (*stream, error) {
	s := &stream{entries: map[string]entry{}}
	sawConfig := false
	dec := json.NewDecoder(r)
	for {
		var m message
		err := dec.Decode(&m)
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("reading govulncheck JSON: %w", err)
		}
		switch {
		case m.Config != nil:
			s.config, sawConfig = *m.Config, true
		case m.OSV != nil:
			s.entries[m.OSV.ID] = *m.OSV
		case m.Finding != nil:
			if len(m.Finding.Trace) == 0 {
				return nil, fmt.Errorf("finding %s has no trace", m.Finding.OSV)
			}
			s.findings = append(s.findings, *m.Finding)
		}
	}
	if !sawConfig {
		return nil, errors.New("no config message: not govulncheck -format json output, or govulncheck failed")
	}
	if s.config.ScanLevel != "symbol" {
		return nil, fmt.Errorf("scan level %q: reachability needs scan level \"symbol\"", s.config.ScanLevel)
	}
	return s, nil
}
