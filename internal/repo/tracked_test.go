package repo

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// maxTrackedSize is the largest file git may track outside the exceptions
// of largeAllowed: anything bigger is a build product or a data dump, not
// source a reviewer can read.
const maxTrackedSize = 5 << 20

// largeAllowed reports whether a file (a slash-separated path from the
// repository's root) may exceed maxTrackedSize: Amazon's models and
// schemas under api/ (copied byte for byte, whatever their size) and
// sptest's generated sandbox table.
func largeAllowed(name string) bool {
	return strings.HasPrefix(name, "api/") || name == "sptest/sandbox.gen.json"
}

// executableMagic are the first bytes of an executable or object file:
// ELF, the four Mach-O byte orders and word sizes, and a universal (fat)
// Mach-O. PE (Windows) is found by isPE.
var executableMagic = []struct {
	kind  string
	magic string
}{
	{"ELF", "\x7fELF"},
	{"Mach-O", "\xfe\xed\xfa\xce"},
	{"Mach-O", "\xfe\xed\xfa\xcf"},
	{"Mach-O", "\xce\xfa\xed\xfe"},
	{"Mach-O", "\xcf\xfa\xed\xfe"},
	{"Mach-O universal", "\xca\xfe\xba\xbe"},
}

// problems returns what is wrong with the files names (slash-separated
// paths under root, as `git ls-files` lists them): each executable, and
// each file larger than maxTrackedSize that largeAllowed does not allow.
// A name that is not a regular file in the working tree (deleted, a
// symbolic link, a submodule) is skipped.
func problems(root string, names []string) ([]string, error) {
	var out []string
	for _, name := range names {
		p, err := problem(filepath.Join(root, filepath.FromSlash(name)), largeAllowed(name))
		if err != nil {
			return out, fmt.Errorf("%s: %w", name, err)
		}
		if p != "" {
			out = append(out, name+": "+p)
		}
	}
	return out, nil
}

// problem says what is wrong with file (an executable, or too large unless
// large), or returns "".
func problem(file string, large bool) (string, error) {
	fi, err := os.Lstat(file)
	if os.IsNotExist(err) || (err == nil && !fi.Mode().IsRegular()) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	f, err := os.Open(file)
	if err != nil {
		return "", err
	}
	defer f.Close()
	head := make([]byte, 4)
	if n, _ := io.ReadFull(f, head); n == len(head) {
		for _, m := range executableMagic {
			if string(head) == m.magic {
				return "an executable (" + m.kind + ")", nil
			}
		}
		if isPE(f, fi.Size()) {
			return "an executable (PE)", nil
		}
	}
	if !large && fi.Size() > maxTrackedSize {
		return fmt.Sprintf("%d bytes, more than %d", fi.Size(), maxTrackedSize), nil
	}
	return "", nil
}

// isPE reports whether r is a PE (Windows) executable: "MZ", and at the
// offset its DOS header gives (at 0x3c), "PE\0\0". A text file that starts
// with "MZ" is not one.
func isPE(r io.ReaderAt, size int64) bool {
	var dos [0x40]byte
	if _, err := r.ReadAt(dos[:], 0); err != nil || dos[0] != 'M' || dos[1] != 'Z' {
		return false
	}
	off := int64(binary.LittleEndian.Uint32(dos[0x3c:]))
	if off+4 > size {
		return false
	}
	var sig [4]byte
	_, err := r.ReadAt(sig[:], off)
	return err == nil && string(sig[:]) == "PE\x00\x00"
}

// TestNoBinaryTracked: git tracks no executable (cmd/oas3conv/oas3conv, a
// 13 MB ELF, once was) and no file over 5 MB outside api/ and
// sptest/sandbox.gen.json. Skipped where there is no git checkout (a copy
// in the module cache) or no git.
func TestNoBinaryTracked(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, ".git")); err != nil {
		t.Skipf("not a git checkout: %v", err)
	}
	if _, err := exec.LookPath("git"); err != nil {
		t.Skipf("no git: %v", err)
	}
	cmd := exec.CommandContext(t.Context(), "git", "-C", root, "ls-files", "-z")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Skipf("git ls-files: %v: %s", err, stderr.Bytes())
	}
	names := strings.Split(strings.TrimSuffix(string(out), "\x00"), "\x00")
	if len(names) < 100 || !contains(names, "go.mod") {
		t.Fatalf("git ls-files listed %d files without go.mod: not this repository", len(names))
	}
	found, err := problems(root, names)
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range found {
		t.Errorf("tracked: %s; remove it (git rm --cached) and ignore it in .gitignore", p)
	}
}

func contains(names []string, name string) bool {
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// TestProblems: each kind of executable and an oversized file is found,
// where it is and is not allowed; text, a text file starting with "MZ",
// short and missing files are not.
func TestProblems(t *testing.T) {
	pe := make([]byte, 0x80)
	copy(pe, "MZ")
	binary.LittleEndian.PutUint32(pe[0x3c:], 0x40)
	copy(pe[0x40:], "PE\x00\x00")
	big := bytes.Repeat([]byte("x"), maxTrackedSize+1)
	for _, tc := range []struct {
		name    string
		content []byte
		want    string // a part of the problem, "" for none
	}{
		{"cmd/oas3conv/oas3conv", []byte("\x7fELF\x02\x01\x01"), "an executable (ELF)"},
		{"cmd/sp-rdt/sp-rdt", []byte("\xcf\xfa\xed\xfe\x07\x00\x00\x01"), "an executable (Mach-O)"},
		{"bin/fat", []byte("\xca\xfe\xba\xbe\x00\x00\x00\x02"), "Mach-O universal"},
		{"sp-rdt.exe", pe, "an executable (PE)"},
		{"gen/huge.json", big, "more than 5242880"},
		{"api/models/huge.json", big, ""},
		{"sptest/sandbox.gen.json", big, ""},
		{"api/models/tool", []byte("\x7fELF\x02"), "an executable (ELF)"},
		{"README.md", []byte("# spapi\n"), ""},
		{"notes.txt", []byte("MZ is not a program\n"), ""},
		{"x", []byte("ab"), ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			root := t.TempDir()
			file := filepath.Join(root, filepath.FromSlash(tc.name))
			if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(file, tc.content, 0o644); err != nil {
				t.Fatal(err)
			}
			got, err := problems(root, []string{tc.name, "deleted/in/worktree"})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(got) != 0:
				t.Errorf("problems = %q, want none", got)
			case tc.want != "" && (len(got) != 1 || !strings.Contains(got[0], tc.want) || !strings.HasPrefix(got[0], tc.name+": ")):
				t.Errorf("problems = %q, want one naming %s: ...%s", got, tc.name, tc.want)
			}
		})
	}
}
