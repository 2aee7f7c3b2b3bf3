// Package repo holds no code: its tests check the repository itself, such
// as what git tracks (no built binary, no file too large to review), so
// that a mistake is caught by `go test` rather than by a reader of the
// history.
package repo
