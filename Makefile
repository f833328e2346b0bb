# vpnsql: AWS Client VPN sessions as SQLite virtual tables.
GO      ?= go
BUILD   := build
DEMO_SQL := SELECT region, username, clientIp, connectionEstablishedTime, ingressBytes + egressBytes AS bytes FROM client_vpn_connections WHERE status->>'code' = 'active' ORDER BY bytes DESC LIMIT 8

.PHONY: all build ext demo test lint bench bench-quick clean

all: build ext

## build: the CLI, build/vpnsql
build:
	$(GO) build -o $(BUILD)/vpnsql ./cmd/vpnsql

## ext: the loadable SQLite extension, build/vpnsql.so
ext:
	$(GO) build -buildmode=c-shared -o $(BUILD)/vpnsql.so ./cmd/vpnsql-ext
	@rm -f $(BUILD)/vpnsql.h

## demo: a real query on the built-in sample data (no AWS account needed)
demo: build
	./$(BUILD)/vpnsql --demo "$(DEMO_SQL)"

## test: vet, then every test with the race detector (the sqlite3 shell tests included)
test: lint
	$(GO) test -race ./...

## lint: gofmt and go vet must be clean
lint:
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

## bench: per-row cost of the table against a native SQLite table
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./vtab/

clean:
	rm -rf $(BUILD)
