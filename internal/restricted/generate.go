package restricted

// The table is generated from the JSON rather than typed in, so the two can
// never disagree; `make check-generate` and TestRenderUpToDate catch drift.
//go:generate go tool genrestricted -in ../../api/restricted-operations.json -out operations.gen.go
