package sptest

// The replies of operations without a handler of their own are generated from
// Amazon's models rather than typed in; `make check-generate` catches drift.
//go:generate go tool gensandbox -models ../api/models -out sandbox.gen.json
