package ops

// The table is generated from Amazon's models and our JSON lists rather
// than typed in, so they can never disagree; `make check-generate` and
// genops' TestRenderUpToDate catch drift. The generator reads the files from disk and nothing else.
//go:generate go tool genops -models ../../api/models -restricted ../../api/restricted-operations.json -retry-safe ../../api/retry-safe-operations.json -out operations.gen.go
