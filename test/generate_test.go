package test

// The list of typed clients the sandbox test calls is generated from the
// models, like the packages themselves.
//go:generate go tool gensandbox -models ../api/models -typed-list typedclients_gen_test.go
