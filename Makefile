# vpnsql: AWS Client VPN sessions as SQLite virtual tables.
GO      ?= go
BUILD   := build

.PHONY: all build ext demo test lint fuzz-quick test-cpu bench bench-quick clean

all: build ext

## build: the CLI, build/vpnsql
build:
	$(GO) build -o $(BUILD)/vpnsql ./cmd/vpnsql

## ext: the loadable SQLite extension, build/vpnsql.so
ext:
	$(GO) build -buildmode=c-shared -o $(BUILD)/vpnsql.so ./cmd/vpnsql-ext
	@rm -f $(BUILD)/vpnsql.h

## demo: saved audit queries on the built-in sample data (no AWS account needed)
demo: build
	@echo; echo '# Every endpoint and how many sessions are active on it (zero included):'
	@echo '$$ vpnsql --demo queries endpoint_active_connections'
	@./$(BUILD)/vpnsql --demo queries endpoint_active_connections
	@echo; echo '# The five users (or certificates) that moved the most data:'
	@echo '$$ vpnsql --demo queries top_talkers --param limit=5'
	@./$(BUILD)/vpnsql --demo queries top_talkers --param limit=5
	@echo; echo '# Open sessions up for longer than three days:'
	@echo '$$ vpnsql --demo queries long_sessions --param hours=72'
	@./$(BUILD)/vpnsql --demo queries long_sessions --param hours=72
	@echo; echo '# Endpoints that keep no connection log (nobody can audit them later):'
	@echo '$$ vpnsql --demo queries connection_logging_off'
	@./$(BUILD)/vpnsql --demo queries connection_logging_off
	@echo; echo '# History from the connection log: brute-force suspects of the last three days:'
	@echo '$$ vpnsql --demo queries failed_logins'
	@./$(BUILD)/vpnsql --demo queries failed_logins
	@echo; echo '# Security controls with a pass/fail exit status (3: something alarms):'
	@echo '$$ vpnsql --demo check --control connection_logging --control authorize_all'
	@./$(BUILD)/vpnsql --demo check --control connection_logging --control authorize_all; \
	  echo "(exit status $$?)"
	@echo; echo '# Every account of an organization in one query (the sample organization: 4 accounts, 1 suspended):'
	@echo '$$ vpnsql --demo --org-role OrganizationAccountAccessRole "SELECT accountId, region, count(*) ... GROUP BY 1, 2"'
	@./$(BUILD)/vpnsql --demo --org-role OrganizationAccountAccessRole "SELECT accountId, region, count(*) AS connections, count(DISTINCT username) AS users FROM client_vpn_connections WHERE status->>'code' = 'active' GROUP BY 1, 2 ORDER BY 1, 2"
	@echo; echo '# More: vpnsql queries lists all saved queries; README.md lists the controls; vpnsql --help shows the rest.'

## test: vet, then every test with the race detector (the sqlite3 shell tests included)
test: lint
	$(GO) test -race ./...

## fuzz-quick: the differential fuzz of the fast decoder against the SDK's
## deserializer, for 15 s (CI runs it, so an SDK upgrade cannot silently
## change what the decoders read). The first run also compiles the SDK with
## fuzzing instrumentation: about 5 CPU-minutes, cached afterwards.
fuzz-quick:
	$(GO) test -run='^$$' -fuzz='^FuzzFastDecode$$' -fuzztime=15s ./internal/clientvpn

## test-cpu: the data path's tests again (-short) with GOMAXPROCS 1 and 2,
## which shakes out tests that only pass with spare cores (a few minutes)
test-cpu:
	$(GO) test -race -short -count=1 -cpu 1,2 ./internal/clientvpn/... ./internal/ec2fake/... ./vtab/... ./functions/...

## lint: gofmt, go vet and staticcheck must be clean (staticcheck is a tool
## dependency in go.mod: `go tool` builds the pinned version, no install step)
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(GO) tool staticcheck ./...

## bench: every performance contest of bench/ (a few minutes); writes bench/RESULTS.md
bench: build ext
	$(GO) run ./bench -out bench/RESULTS.md

## bench-quick: every contest once with small sizes: checks the harness runs, never the goals
bench-quick: build ext
	$(GO) run ./bench -quick

clean:
	rm -rf $(BUILD)
