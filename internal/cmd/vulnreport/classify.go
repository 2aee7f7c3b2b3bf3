package main

import (
	"cmp"
	"slices"
	"strings"
)

// vuln is one vulnerability in one module, as the report prints it.
type vuln struct {
	ID      string
	Summary string
	Module  string // "stdlib" for the standard library
	Version string // the version in the build
	Package string // the vulnerable package, when known
	Fixed   string // "" when no release fixes it
	// Example is the shortest call path govulncheck found from our code to
	// the vulnerable symbol: Example[0] is the symbol, the last frame is ours.
	Example []frame
}

// report is a govulncheck run sorted into what fails the check and what
// does not.
type report struct {
	config config
	// Reachable vulnerabilities: in modules we require, and in the Go
	// distribution (standard library, toolchain). Sorted by module, then id.
	modules, stdlib []*vuln
	// Found in the build but never called: counted, not listed.
	unreachedModules, unreachedStdlib int
}

// isGo reports whether module ships with Go itself, so that its version is
// chosen by whoever builds the program, not by our go.mod.
func isGo(module string) bool { return module == "stdlib" || module == "toolchain" }

// classify groups the findings by module and vulnerability. govulncheck
// reports one vulnerability at several levels (module required, package
// imported, symbol called); it is reachable only if some finding names a
// function.
func classify(s *stream) *report {
	type key struct{ module, id string }
	found := map[key]*vuln{}
	reached := map[key]bool{}
	for _, f := range s.findings {
		top := f.Trace[0]
		k := key{top.Module, f.OSV}
		v := found[k]
		if v == nil {
			v = &vuln{ID: f.OSV, Summary: s.entries[f.OSV].Summary, Module: top.Module, Version: top.Version, Fixed: f.FixedVersion}
			found[k] = v
		}
		if top.Package != "" && v.Package == "" {
			v.Package = top.Package
		}
		if top.Function == "" {
			continue
		}
		reached[k] = true
		if v.Example == nil || shorter(f.Trace, v.Example) {
			v.Example = f.Trace
			v.Package = top.Package
		}
	}
	r := &report{config: s.config}
	for k, v := range found {
		switch {
		case reached[k] && isGo(k.module):
			r.stdlib = append(r.stdlib, v)
		case reached[k]:
			r.modules = append(r.modules, v)
		case isGo(k.module):
			r.unreachedStdlib++
		default:
			r.unreachedModules++
		}
	}
	byModuleThenID := func(a, b *vuln) int {
		return cmp.Or(strings.Compare(a.Module, b.Module), strings.Compare(a.ID, b.ID))
	}
	slices.SortFunc(r.modules, byModuleThenID)
	slices.SortFunc(r.stdlib, byModuleThenID)
	return r
}

// shorter prefers the shorter call path, then the one that reads first, so
// that the example printed does not depend on govulncheck's output order.
func shorter(a, b []frame) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return pathString(a) < pathString(b)
}
