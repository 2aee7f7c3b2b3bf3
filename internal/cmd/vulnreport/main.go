// Command vulnreport turns the JSON stream of `govulncheck -format json`
// into the verdict of `make vulncheck`.
//
// govulncheck alone cannot tell the two kinds of finding apart: a reachable
// vulnerability in a module we require is ours to fix (upgrade it), while one
// in the standard library depends on the Go release that builds the user's
// program, which this module does not choose. So vulnerabilities in modules
// fail the check, and standard-library ones are warnings unless -stdlib=error
// (CI's run under a fixed Go release uses that, and must be clean).
//
// Usage:
//
//	vulnreport [-stdlib=warn|error] [file]   # file, or standard input
//
// Exit status: 0 when the check passes, 1 when it fails, 2 when the input is
// not a complete symbol-level govulncheck stream (the check did not run).
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
)

func main() {
	stdlib := flag.String("stdlib", "warn", "reachable standard-library vulnerabilities: warn, or error to fail")
	flag.Parse()
	if (*stdlib != "warn" && *stdlib != "error") || flag.NArg() > 1 {
		fmt.Fprintln(os.Stderr, "usage: vulnreport [-stdlib=warn|error] [govulncheck.json]")
		os.Exit(2)
	}
	in := os.Stdin
	if flag.NArg() == 1 {
		f, err := os.Open(flag.Arg(0))
		if err != nil {
			fmt.Fprintln(os.Stderr, "vulnreport:", err)
			os.Exit(2)
		}
		in = f // closed by the exit
	}
	os.Exit(run(in, os.Stdout, os.Stderr, *stdlib == "error"))
}

// run reads one govulncheck stream and writes the report; it returns the
// exit status.
func run(in io.Reader, out, errOut io.Writer, stdlibFails bool) int {
	s, err := readStream(in)
	if err != nil {
		fmt.Fprintln(errOut, "vulnreport:", err)
		return 2
	}
	if classify(s).write(out, stdlibFails) {
		return 1
	}
	return 0
}
