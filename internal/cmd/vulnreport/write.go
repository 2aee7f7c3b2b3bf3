package main

import (
	"fmt"
	"io"
	"path"
	"regexp"
	"strings"
)

// write prints the report, one finding per line with its level first so
// that CI logs can be grepped, and says whether the check fails: always on a
// reachable vulnerability in a module we require, and on one in the standard
// library only if stdlibFails.
func (r *report) write(w io.Writer, stdlibFails bool) (failed bool) {
	c := r.config
	fmt.Fprintf(w, "govulncheck %s, %s mode, %s, database %s\n", c.ScannerVersion, c.ScanMode, c.GoVersion, c.DB)

	fmt.Fprintf(w, "modules: %d reachable %s\n", len(r.modules), plural(len(r.modules)))
	for _, group := range byModule(r.modules) {
		first := group[0]
		fmt.Fprintf(w, "ERROR: %s@%s: %d reachable %s; %s\n",
			first.Module, first.Version, len(group), plural(len(group)), upgradeAdvice(group, first.Module))
		for _, v := range group {
			fmt.Fprintf(w, "ERROR:   %s, fixed in %s: %s\n", v.ID, orNone(v.Fixed), v.Summary)
			fmt.Fprintf(w, "ERROR:     e.g. %s\n", pathString(v.Example))
		}
	}

	level := "WARNING"
	if stdlibFails {
		level = "ERROR"
	}
	fmt.Fprintf(w, "standard library (%s): %d reachable %s\n", c.GoVersion, len(r.stdlib), plural(len(r.stdlib)))
	if len(r.stdlib) > 0 {
		fmt.Fprintf(w, "%s: standard library %s: %d reachable %s; %s. "+
			"They depend on the Go that builds the program, not on this module.\n",
			level, c.GoVersion, len(r.stdlib), plural(len(r.stdlib)), goAdvice(r.stdlib))
		for _, v := range r.stdlib {
			fmt.Fprintf(w, "%s:   %s in %s, fixed in %s: %s\n", level, v.ID, v.Package, orNone(goRelease(v.Fixed)), v.Summary)
			fmt.Fprintf(w, "%s:     e.g. %s\n", level, pathString(v.Example))
		}
	}

	if r.unreachedModules+r.unreachedStdlib > 0 {
		fmt.Fprintf(w, "found but never called (not counted): %d in modules, %d in the standard library\n",
			r.unreachedModules, r.unreachedStdlib)
	}

	failed = len(r.modules) > 0 || (stdlibFails && len(r.stdlib) > 0)
	switch {
	case failed:
		fmt.Fprintf(w, "vulncheck: FAIL: %d reachable in modules, %d in the standard library (%s)\n",
			len(r.modules), len(r.stdlib), strings.ToLower(level))
	default:
		fmt.Fprintf(w, "vulncheck: ok: 0 reachable in modules, %d in the standard library (%s)\n",
			len(r.stdlib), strings.ToLower(level))
	}
	return failed
}

// byModule splits vulns, sorted by module, into one group per module.
func byModule(vulns []*vuln) [][]*vuln {
	var groups [][]*vuln
	for i, v := range vulns {
		if i == 0 || v.Module != vulns[i-1].Module {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], v)
	}
	return groups
}

// upgradeAdvice names the lowest version of module that fixes every
// vulnerability in group, which is the highest of their fixed versions.
func upgradeAdvice(group []*vuln, module string) string {
	if fixed, ok := highestFixed(group); ok {
		return "upgrade " + module + " to " + fixed + " or later"
	}
	return "some have no fixed version: drop or replace " + module
}

// goAdvice names the Go release that fixes every standard-library finding.
func goAdvice(group []*vuln) string {
	if fixed, ok := highestFixed(group); ok {
		return "build with " + goRelease(fixed) + " or later"
	}
	return "some have no fixed Go release yet"
}

func highestFixed(group []*vuln) (string, bool) {
	highest := ""
	for _, v := range group {
		if v.Fixed == "" {
			return "", false
		}
		if highest == "" || semverLess(highest, v.Fixed) {
			highest = v.Fixed
		}
	}
	return highest, true
}

// pathString prints a call path entry first, as "file:line: ours ->
// ... -> vulnerable": the trace runs from the vulnerable symbol (first) to
// our code (last).
func pathString(trace []frame) string {
	if len(trace) == 0 {
		return "(no call path)"
	}
	entry, symbol := trace[len(trace)-1], trace[0]
	var b strings.Builder
	if entry.Position != nil && entry.Position.Filename != "" {
		fmt.Fprintf(&b, "%s:%d: ", entry.Position.Filename, entry.Position.Line)
	}
	b.WriteString(funcName(entry))
	if len(trace) > 2 {
		b.WriteString(" -> ...")
	}
	if len(trace) > 1 {
		b.WriteString(" -> " + funcName(symbol))
	}
	return b.String()
}

// majorSuffix matches the /vN element that ends a major-version import path.
var majorSuffix = regexp.MustCompile(`^v[0-9]+$`)

// funcName is pkg.Recv.Func as in Go source, pkg being the package's name
// as usually imported (the last path element that is not /vN).
func funcName(f frame) string {
	pkg := path.Base(f.Package)
	if majorSuffix.MatchString(pkg) {
		pkg = path.Base(path.Dir(f.Package))
	}
	name := f.Function
	if f.Receiver != "" {
		name = strings.TrimPrefix(f.Receiver, "*") + "." + name
	}
	return pkg + "." + name
}

func plural(n int) string {
	if n == 1 {
		return "vulnerability"
	}
	return "vulnerabilities"
}

func orNone(version string) string {
	if version == "" {
		return "no release"
	}
	return version
}
