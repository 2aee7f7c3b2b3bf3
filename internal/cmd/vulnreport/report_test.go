package main

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
)

// The samples in testdata were recorded with `govulncheck -format json ./...`
// (v1.9.0, the database make vulncheck builds from x/vulndb
// v0.0.0-20261105234957-e22db6528018) on this module, then trimmed: OSV
// entries keep only their id, dates, aliases and summary, and each
// vulnerability keeps at most two symbol-level findings.
const (
	// Go 1.26.8 and kin-openapi v0.142.0: 2 reachable vulnerabilities in
	// kin-openapi, 10 in the standard library, 12 found but never called.
	affectedSample = "testdata/go1.26.8-kin-openapi-v0.142.0.json"
	// Go 1.27.3 and kin-openapi v0.153.0: nothing reachable; x/text v0.40.0
	// is required but its vulnerable code is never called.
	cleanSample = "testdata/go1.27.3-kin-openapi-v0.153.0.json"
)

var (
	wantModuleIDs = []string{"GO-2026-6789", "GO-2026-6795"}
	wantStdlibIDs = []string{
		"GO-2026-6603", "GO-2026-6605", "GO-2026-6607", "GO-2026-6608", "GO-2026-6610",
		"GO-2026-6611", "GO-2026-6612", "GO-2026-6613", "GO-2026-6617", "GO-2026-6809",
	}
)

func readSample(t *testing.T, name string) *stream {
	t.Helper()
	f, err := os.Open(name)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	s, err := readStream(f)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func ids(vulns []*vuln) []string {
	var out []string
	for _, v := range vulns {
		out = append(out, v.ID)
	}
	return out
}

func TestClassifyAffectedSample(t *testing.T) {
	r := classify(readSample(t, affectedSample))
	if got := ids(r.modules); !slices.Equal(got, wantModuleIDs) {
		t.Errorf("reachable in modules = %v, want %v", got, wantModuleIDs)
	}
	for _, v := range r.modules {
		if v.Module != "github.com/getkin/kin-openapi" || v.Version != "v0.142.0" {
			t.Errorf("%s found in %s@%s, want github.com/getkin/kin-openapi@v0.142.0", v.ID, v.Module, v.Version)
		}
		if len(v.Example) < 2 || v.Example[len(v.Example)-1].Module != "github.com/spapi-go/spapi" {
			t.Errorf("%s: example %v does not start in our module", v.ID, v.Example)
		}
	}
	if got := ids(r.stdlib); !slices.Equal(got, wantStdlibIDs) {
		t.Errorf("reachable in stdlib = %v, want %v", got, wantStdlibIDs)
	}
	// Imported or required but never called: x/text's GO-2026-6629 and seven
	// kin-openapi entries; in the standard library, GO-2026-6599, 6600, 6604
	// and 6609. govulncheck's text output says the same (4 + 8).
	if r.unreachedModules != 8 || r.unreachedStdlib != 4 {
		t.Errorf("never called: %d in modules, %d in stdlib; want 8 and 4", r.unreachedModules, r.unreachedStdlib)
	}
}

func TestAffectedSampleFailsOnModules(t *testing.T) {
	for _, stdlib := range []bool{false, true} {
		var out, errOut bytes.Buffer
		f, err := os.Open(affectedSample)
		if err != nil {
			t.Fatal(err)
		}
		code := run(f, &out, &errOut, stdlib)
		f.Close()
		if code != 1 {
			t.Errorf("stdlibFails=%v: exit %d, want 1\n%s%s", stdlib, code, out.String(), errOut.String())
		}
		text := out.String()
		for _, want := range []string{
			"ERROR: github.com/getkin/kin-openapi@v0.142.0: 2 reachable vulnerabilities; upgrade github.com/getkin/kin-openapi to v0.148.0 or later\n",
			"ERROR:   GO-2026-6795, fixed in v0.148.0: ",
			"ERROR:   GO-2026-6789, fixed in v0.145.0: ",
			"in crypto/x509, fixed in go1.26.10: ",
			// go1.26.10, not go1.26.9: versions compare as numbers.
			"10 reachable vulnerabilities; build with go1.26.10 or later.",
			"vulncheck: FAIL: 2 reachable in modules, 10 in the standard library",
		} {
			if !strings.Contains(text, want) {
				t.Errorf("stdlibFails=%v: output lacks %q:\n%s", stdlib, want, text)
			}
		}
	}
}

// Under the machine's Go the standard-library findings stay: they warn, and
// fail only when asked to. The stream is the affected sample without its
// kin-openapi findings, i.e. what CI sees after the upgrade.
func TestStdlibFindingsWarnUnlessAskedToFail(t *testing.T) {
	s := readSample(t, affectedSample)
	s.findings = slices.DeleteFunc(s.findings, func(f finding) bool { return !isGo(f.Trace[0].Module) })
	r := classify(s)

	var warn bytes.Buffer
	if r.write(&warn, false) {
		t.Errorf("stdlib findings failed the check in warn mode:\n%s", warn.String())
	}
	if n := strings.Count(warn.String(), "\nWARNING:   GO-"); n != len(wantStdlibIDs) {
		t.Errorf("%d WARNING lines for vulnerabilities, want %d:\n%s", n, len(wantStdlibIDs), warn.String())
	}
	if strings.Contains(warn.String(), "ERROR") {
		t.Errorf("warn mode printed an ERROR:\n%s", warn.String())
	}
	if !strings.Contains(warn.String(), "vulncheck: ok: 0 reachable in modules, 10 in the standard library (warning)") {
		t.Errorf("no ok verdict:\n%s", warn.String())
	}

	var strict bytes.Buffer
	if !r.write(&strict, true) {
		t.Errorf("stdlib findings passed with -stdlib=error:\n%s", strict.String())
	}
	if n := strings.Count(strict.String(), "\nERROR:   GO-"); n != len(wantStdlibIDs) {
		t.Errorf("%d ERROR lines for vulnerabilities, want %d:\n%s", n, len(wantStdlibIDs), strict.String())
	}
}

// A vulnerability in a required module that our code never calls (x/text
// here) is counted but passes, even in strict mode.
func TestCleanSamplePassesStrict(t *testing.T) {
	f, err := os.Open(cleanSample)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out, errOut bytes.Buffer
	if code := run(f, &out, &errOut, true); code != 0 {
		t.Fatalf("exit %d, want 0\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"govulncheck v1.9.0, source mode, go1.27.3, database file://",
		"modules: 0 reachable vulnerabilities\n",
		"standard library (go1.27.3): 0 reachable vulnerabilities\n",
		"found but never called (not counted): 1 in modules, 0 in the standard library\n",
		"vulncheck: ok: 0 reachable in modules, 0 in the standard library (error)\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

// Input that is not a complete symbol-level scan must not pass as "0
// reachable": the check did not look.
func TestRefusesWhatIsNotAScan(t *testing.T) {
	for name, input := range map[string]string{
		"empty (govulncheck failed)": ``,
		"no config":                  `{"progress": {"message": "Scanning your code..."}}`,
		"module scan level":          `{"config": {"scan_level": "module", "go_version": "go1.26.8"}}`,
		"package scan level":         `{"config": {"scan_level": "package", "go_version": "go1.26.8"}}`,
		"truncated":                  `{"config": {"scan_level": "symbol"}} {"finding": {"osv": "GO-2026-6795",`,
		"text output":                `=== Symbol Results ===`,
		"finding without trace":      `{"config": {"scan_level": "symbol"}} {"finding": {"osv": "GO-2026-6795"}}`,
	} {
		var out, errOut bytes.Buffer
		if code := run(strings.NewReader(input), &out, &errOut, false); code != 2 {
			t.Errorf("%s: exit %d, want 2\n%s", name, code, out.String())
		}
		if errOut.Len() == 0 {
			t.Errorf("%s: no error message", name)
		}
	}
}

// A vulnerability with no fixed release must still fail, and the advice
// must not name a version.
func TestUnfixedModuleVulnerability(t *testing.T) {
	const input = `{"config": {"scan_level": "symbol", "go_version": "go1.27.3"}}
{"osv": {"id": "GO-2099-0001", "summary": "no fix yet"}}
{"finding": {"osv": "GO-2099-0001", "trace": [
  {"module": "example.com/m/v2", "version": "v2.0.0", "package": "example.com/m/v2", "function": "F", "receiver": "*T"},
  {"module": "github.com/spapi-go/spapi", "package": "github.com/spapi-go/spapi/client", "function": "New",
   "position": {"filename": "client/client.go", "line": 7}}]}}`
	var out, errOut bytes.Buffer
	if code := run(strings.NewReader(input), &out, &errOut, false); code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out.String(), errOut.String())
	}
	for _, want := range []string{
		"ERROR: example.com/m/v2@v2.0.0: 1 reachable vulnerability; some have no fixed version: drop or replace example.com/m/v2\n",
		"ERROR:   GO-2099-0001, fixed in no release: no fix yet\n",
		"ERROR:     e.g. client/client.go:7: client.New -> m.T.F\n",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
}

func TestSemverLess(t *testing.T) {
	for _, c := range []struct {
		a, b string
		want bool
	}{
		{"v1.26.9", "v1.26.10", true},
		{"v1.26.10", "v1.26.9", false},
		{"v0.145.0", "v0.148.0", true},
		{"v1.26.10", "v1.27.0", true},
		{"v1.27.0-rc.2", "v1.27.0", true},
		{"v1.27.0", "v1.27.0-rc.2", false},
		{"v1.27.0-rc.1", "v1.27.0-rc.2", true},
		{"v1.26.9", "v1.26.9", false},
	} {
		if got := semverLess(c.a, c.b); got != c.want {
			t.Errorf("semverLess(%s, %s) = %v, want %v", c.a, c.b, got, c.want)
		}
	}
}

func TestGoRelease(t *testing.T) {
	if got := goRelease("v1.26.10"); got != "go1.26.10" {
		t.Errorf("goRelease(v1.26.10) = %q", got)
	}
	if got := goRelease(""); got != "" {
		t.Errorf("goRelease(\"\") = %q", got)
	}
}
