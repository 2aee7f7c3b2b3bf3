# Targets for developers and CI. Every tool is pinned in go.mod (`tool`
# directives), so none of these fetch anything beyond the module cache.
GO ?= go
# Paths that go generate writes.
GENERATED := gen internal/ops examples/orders
FUZZTIME ?= 10s

.PHONY: all generate check-generate test vet lint bench fuzz

all: check-generate lint test

generate:
	$(GO) generate ./...

# Regenerate, then fail if the committed output differs from the generator's.
check-generate: generate
	git diff --exit-code -- $(GENERATED)
	@untracked=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	  if [ -n "$$untracked" ]; then echo "generated but not committed: $$untracked"; exit 1; fi

# The README's test command.
test:
	$(GO) test -race ./...

vet:
	$(GO) vet ./...

lint: vet
	$(GO) tool staticcheck ./...

# Benchmarks, with a table of the figures the README quotes.
bench:
	bash test/bench.sh

# Each fuzzer for FUZZTIME (CI: 10s each; locally e.g. make fuzz FUZZTIME=5m).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME) ./internal/ops/
	$(GO) test -run '^$$' -fuzz '^FuzzValidateRequest$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzAPIError$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzLWAReply$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzRetryWait$$' -fuzztime $(FUZZTIME) ./client/
