# Targets for developers and CI. Every tool is pinned in go.mod (`tool`
# directives), so none of these fetch anything beyond the module cache.
GO ?= go

.PHONY: all generate check-generate test race vet lint bench fuzz

all: check-generate lint test

generate:
	$(GO) generate ./...

# Regenerate, then fail if anything committed differs from the generator's output.
check-generate: generate
	git diff --exit-code -- gen api
	@test -z "$$(git status --porcelain -- gen api)" || { git status --porcelain -- gen api; echo "generated files not committed"; exit 1; }

test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

lint: vet
	$(GO) tool staticcheck ./...

bench:
	$(GO) test -run '^$$' -bench . -benchmem ./test/ ./internal/...
