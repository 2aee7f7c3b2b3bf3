package ops

// The table is generated from the JSON rather than typed in, so the two can
// never disagree; `make check-generate` and genops' TestRenderUpToDate catch
// drift. The generator reads the files from disk and nothing else.
//go:generate go tool genops -plans ../../api/usage-plans.json -restricted ../../api/restricted-operations.json -retry-safe ../../api/retry-safe-operations.json -out operations.gen.go
