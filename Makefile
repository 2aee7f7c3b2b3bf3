# Targets for developers and CI. Every tool is pinned in go.mod (`tool`
# directives), so none of these fetch anything beyond the module cache,
# except vulncheck, whose two pinned tools come from the module proxy.
GO ?= go
# The vulnerability check's two pins; bumping either is a one-line change.
# They run as `go run pkg@version`, not as tools in go.mod, so that x/vulndb's
# many dependencies (cloud, grpc, go-git) stay out of our module graph.
GOVULNCHECK_VERSION := v1.9.0
# A snapshot of golang.org/x/vulndb, served by the module proxy: the
# vulnerability database's own host is not reachable from CI.
VULNDB_VERSION := v0.0.0-20261105234957-e22db6528018
# error: standard-library findings fail (the default: the Go you build with
# is part of what ships); warn: they are printed as warnings.
VULNCHECK_STDLIB ?= error
# Paths that go generate writes.
GENERATED := gen internal/ops internal/paging/paging.gen.go apis sptest/sandbox.gen.json sptest/validate.gen.json \
	test/typedclients_gen_test.go test/pages_gen_test.go marketplace/marketplaces.gen.go internal/marketplaces/table.gen.go \
	notification feed/listings/listings.gen.go report/*/*.gen.go
FUZZTIME ?= 10s

.PHONY: all generate check-generate models test vet lint bench fuzz vulncheck vulndb

all: check-generate lint test

generate:
	$(GO) generate ./...

# Regenerate, then fail if the committed output differs from the generator's.
check-generate: generate
	git diff --exit-code -- $(GENERATED)
	@untracked=$$(git ls-files --others --exclude-standard -- $(GENERATED)); \
	  if [ -n "$$untracked" ]; then echo "generated but not committed: $$untracked"; exit 1; fi

# Refresh api/models from a newer checkout of Amazon's models, then
# regenerate everything made from them:
#   git clone https://github.com/amzn/selling-partner-api-models ../spapi-models
#   make models MODELS=../spapi-models
# Copies models/**/*.json (and the .md notes beside them) in their folder
# layout, LICENSE and NOTICE, byte for byte; SOURCE.md names the commit when
# the checkout is a git repository. Review `git diff api/models` and commit.
MODELS ?=
models:
	@[ -n "$(MODELS)" ] && [ -d "$(MODELS)/models" ] || \
	  { echo "usage: make models MODELS=<checkout of amzn/selling-partner-api-models>"; exit 2; }
	@tmp=$$(mktemp -d api/models.tmp-XXXXXX) && trap 'rm -rf "$$tmp"' EXIT && \
	  (cd "$(MODELS)/models" && find . -type f \( -name '*.json' -o -name '*.md' \) -print0) | \
	    (cd "$(MODELS)/models" && xargs -0 cp --parents -t "$(CURDIR)/$$tmp") && \
	  cp "$(MODELS)/LICENSE" "$(MODELS)/NOTICE" "$$tmp"/ && \
	  commit=$$(git -C "$(MODELS)" rev-parse HEAD 2>/dev/null || echo unknown) && \
	  date=$$(git -C "$(MODELS)" log -1 --format=%cs 2>/dev/null || echo unknown) && \
	  { echo "# Amazon's SP-API models"; echo; \
	    echo "Every operation model of Amazon's \`amzn/selling-partner-api-models\` repository, byte for byte, at"; \
	    echo "commit $$commit ($$date), in its own folder layout"; \
	    echo "(\`<api>-model/<file>.json\`). Licensed under the Apache License 2.0 (LICENSE, NOTICE beside this"; \
	    echo "file). Refreshed with \`make models MODELS=<checkout>\`; never hand-edit."; } >"$$tmp/SOURCE.md" && \
	  rm -rf api/models && mv "$$tmp" api/models
	$(GO) generate ./...

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

# Each fuzzer for FUZZTIME: a duration (make fuzz FUZZTIME=5m) or a count
# (CI: FUZZTIME=20000x, since a duration can end in a spurious "context
# deadline exceeded" before Go 1.27, golang/go#75804).
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzMatch$$' -fuzztime $(FUZZTIME) ./internal/ops/
	$(GO) test -run '^$$' -fuzz '^FuzzValidateRequest$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzAPIError$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzLWAReply$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzRetryWait$$' -fuzztime $(FUZZTIME) ./internal/transport/
	$(GO) test -run '^$$' -fuzz '^FuzzCheckResponse$$' -fuzztime $(FUZZTIME) ./client/
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(FUZZTIME) ./notification/
	$(GO) test -run '^$$' -fuzz '^FuzzReader$$' -fuzztime $(FUZZTIME) ./flatfile/
	$(GO) test -run '^$$' -fuzz '^FuzzCallback$$' -fuzztime $(FUZZTIME) ./consent/
	$(GO) test -run '^$$' -fuzz '^FuzzCheck$$' -fuzztime $(FUZZTIME) ./internal/reqcheck/

# govulncheck over ./... against the database built from VULNDB_VERSION.
# Fails on a reachable vulnerability in a module we require, and in the
# standard library of the Go that runs it (go.mod's toolchain line in CI);
# VULNCHECK_STDLIB=warn prints the standard-library ones as warnings only.
vulncheck: vulndb
	@out=$$(mktemp) && trap 'rm -f "$$out"' EXIT && \
	  $(GO) run golang.org/x/vuln/cmd/govulncheck@$(GOVULNCHECK_VERSION) \
	    -db "file://$(VULNDB_DIR)" -format json ./... >"$$out" && \
	  $(GO) run ./internal/cmd/vulnreport -stdlib=$(VULNCHECK_STDLIB) "$$out"

# The database, built once per snapshot beside the module cache (so a warm
# run skips it, and `go clean -modcache` clears it). It is built in a
# temporary directory and renamed into place, so an interrupted build never
# leaves a half database behind.
MODCACHE = $(shell $(GO) env GOMODCACHE)
VULNDB_DIR = $(MODCACHE)/cache/spapi-vulndb/$(VULNDB_VERSION)
vulndb:
	@db="$(VULNDB_DIR)"; [ -f "$$db/index/db.json" ] && exit 0; \
	  echo "vulndb: building $$db from golang.org/x/vulndb@$(VULNDB_VERSION)"; \
	  mkdir -p "$$(dirname "$$db")" && \
	  tmp=$$(mktemp -d "$$db.tmp-XXXXXX") && trap 'rm -rf "$$tmp"' EXIT && \
	  $(GO) mod download golang.org/x/vulndb@$(VULNDB_VERSION) && \
	  $(GO) run golang.org/x/vulndb/cmd/indexdb@$(VULNDB_VERSION) \
	    -vulns "$(MODCACHE)/golang.org/x/vulndb@$(VULNDB_VERSION)/data/osv" -out "$$tmp/db" && \
	  { [ -f "$$db/index/db.json" ] || mv "$$tmp/db" "$$db"; }
