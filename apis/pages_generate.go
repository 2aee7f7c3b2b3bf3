package apis

// The page iterators (apis/<package>/pages.gen.go), the paging table sptest
// plays (internal/paging/paging.gen.go) and their end-to-end test cases
// (test/pages_gen_test.go), from the models and the typed packages that
// generate.go's line has just written.
//go:generate go run ../internal/cmd/genpages -models ../api/models -apis . -table ../internal/paging/paging.gen.go -test ../test/pages_gen_test.go
