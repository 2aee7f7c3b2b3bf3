package main

import (
	"strconv"
	"strings"
)

// goRelease turns a standard-library version as govulncheck writes it
// (semver, v1.26.9) back into the Go release name users know (go1.26.9).
func goRelease(v string) string {
	if v == "" {
		return ""
	}
	return "go" + strings.TrimPrefix(v, "v")
}

// semverLess orders the versions govulncheck reports (vMAJOR.MINOR.PATCH,
// maybe with a -prerelease) numerically, so that v1.26.10 comes after
// v1.26.9, which a string comparison gets wrong. A prerelease sorts before
// its release. It is enough to pick the highest fixed version; it is not a
// general semver parser.
func semverLess(a, b string) bool {
	coreA, preA, _ := strings.Cut(strings.TrimPrefix(a, "v"), "-")
	coreB, preB, _ := strings.Cut(strings.TrimPrefix(b, "v"), "-")
	partsA, partsB := strings.Split(coreA, "."), strings.Split(coreB, ".")
	for i := 0; i < len(partsA) || i < len(partsB); i++ {
		x, y := part(partsA, i), part(partsB, i)
		if x != y {
			return x < y
		}
	}
	if preA == "" || preB == "" {
		return preA != "" && preB == ""
	}
	return preA < preB
}

// part is the i-th numeric component, 0 when missing or not a number.
func part(parts []string, i int) int {
	if i >= len(parts) {
		return 0
	}
	n, err := strconv.Atoi(parts[i])
	if err != nil {
		return 0
	}
	return n
}
