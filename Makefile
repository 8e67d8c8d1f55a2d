# Vigie build entry points. `make test` is what CI (.ci/run) runs.
GO ?= go
# Extra arguments for `make bench` and `make demo`, e.g. make bench ARGS="-n 200000 -rounds 5".
ARGS ?=

.PHONY: all build stack stop status test bench demo lint

all: build

build:
	$(GO) build -trimpath -o bin/vigie ./cmd/vigie

# Installs what the local stack needs (Debian packages as root, Kafka jars) and starts ClickHouse and Kafka.
stack:
	deploy/local/install.sh
	deploy/local/start.sh

stop:
	deploy/local/stop.sh

status:
	deploy/local/status.sh

# Packages with tests that stop a shared server (func TestDisruptive…, enabled by VIGIE_DISRUPTIVE=1).
DISRUPTIVE_PKGS = $(sort $(patsubst %/,./%,$(dir $(shell grep -rl --include='*_test.go' '^func TestDisruptive' . | sed 's|^\./||'))))

# Every test against the real servers; with VIGIE_REQUIRE_SERVERS=1 a test that needs a missing server fails
# instead of skipping. The disruptive tests run afterwards, one package at a time, nothing else beside them.
test: stack
	VIGIE_REQUIRE_SERVERS=1 $(GO) test -count=1 -timeout 30m ./...
	$(if $(DISRUPTIVE_PKGS),VIGIE_REQUIRE_SERVERS=1 VIGIE_DISRUPTIVE=1 $(GO) test -count=1 -timeout 15m -p 1 -v -run '^TestDisruptive' $(DISRUPTIVE_PKGS))

bench: stack
	$(GO) run ./cmd/vigie bench $(ARGS)

demo: stack build
	bin/vigie demo $(ARGS)

lint:
	$(GO) vet ./...
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt -w these files:"; echo "$$out"; exit 1; fi
