# The gateway's build. `make run` and `make test` are the two set-up commands (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
DOTNET ?= dotnet
export DOTNET_CLI_TELEMETRY_OPTOUT := 1
export DOTNET_NOLOGO := 1
export DOTNET_SKIP_FIRST_TIME_EXPERIENCE := 1
export MSBUILDDISABLENODEREUSE := 1
# Registry fetches retry (npm's own retries, and build/retry.sh around every fetch) so that a registry
# that was slow for a second never fails a run.
export npm_config_fetch_retries := 5
export npm_config_fetch_retry_mintimeout := 2000
export npm_config_fetch_retry_maxtimeout := 30000
export npm_config_fetch_timeout := 120000
RESULTS := artifacts/test-results

.PHONY: all restore build run demo-reset test test-deps test-installs test-dotnet test-node test-demo test-sdk chart-test test-image test-loadtest tool image bench loadtest alloc clean

# What `make run` starts, rebuilt only when a source changed (a no-op `dotnet build` of the solution
# takes longer than starting the gateway): the stamp is touched by every build that produced them.
RUN_STAMP := artifacts/run.stamp
RUN_SOURCES := $(shell find proxy policy connectors store cli examples/DemoUpstreams -name '*.cs' -o -name '*.csproj' 2>/dev/null) \
	Directory.Build.props Directory.Packages.props

all: build

restore:
	./build/retry.sh $(DOTNET) restore Gateway.sln

# -v:m prints one line per project built ("Name -> path"): the first build takes minutes, and shows it is moving.
build: restore
	@echo "make build: building every project of Gateway.sln (Release); one line per project as it completes"
	$(DOTNET) build Gateway.sln --no-restore -c Release -nologo -v:m -clp:NoSummary
	@mkdir -p artifacts && touch $(RUN_STAMP)

$(RUN_STAMP): $(RUN_SOURCES)
	@echo "make run: building the gateway, the demo upstreams and gatewayctl (one line per project as it completes)"
	$(DOTNET) build proxy/Gateway.Proxy/Gateway.Proxy.csproj -c Release -nologo -v:m -clp:NoSummary
	$(DOTNET) build examples/DemoUpstreams/DemoUpstreams.csproj -c Release -nologo -v:m -clp:NoSummary
	$(DOTNET) build cli/Gateway.Cli/Gateway.Cli.csproj -c Release -nologo -v:m -clp:NoSummary
	@mkdir -p artifacts && touch $(RUN_STAMP)

# Starts the gateway on http://127.0.0.1:$GATEWAY_PORT (default 8080) with the embedded store and the
# example bundle, and stand-ins for the example's upstreams (see README.md, "First win"; every port is
# an environment value, listed in examples/run-demo.sh).
run: $(RUN_STAMP)
	@./examples/run-demo.sh

# Clears the demo's embedded store with `make run` stopped (examples/demo-reset.sh, which lists what goes first: limits,
# budgets, nonces, kill switches, approvals and warrants, incidents, runs, issued admin tokens…); keys, audit journal
# and credentials stay.
demo-reset:
	@./examples/demo-reset.sh

# Installs what the tests need when missing, then runs every suite and prints one count line. The machine's packages,
# then the Node suites' (each suite installs its own again if this failed), install beside the build, which needs
# neither. The load test's and the chart's suites run beside the demo, SDK and image suites: the load test waits on
# wrk at a fixed rate most of its time (about half a core), the others leave a third of the cores idle; each suite
# picks free ports, and its log is printed when it ends.
test:
	@$(MAKE) --no-print-directory -j3 build test-installs
	@rm -rf $(RESULTS) && mkdir -p $(RESULTS)
	@./build/leftovers.sh before artifacts/running-before-tests
	@status=0; \
	$(MAKE) --no-print-directory test-dotnet || status=1; \
	$(MAKE) --no-print-directory test-node || status=1; \
	{ s=0; $(MAKE) --no-print-directory test-loadtest || s=1; $(MAKE) --no-print-directory chart-test || s=1; exit $$s; } \
	  >$(RESULTS)/beside.log 2>&1 & beside=$$!; \
	$(MAKE) --no-print-directory test-demo || status=1; \
	$(MAKE) --no-print-directory test-sdk || status=1; \
	$(MAKE) --no-print-directory test-image || status=1; \
	wait $$beside || status=1; \
	cat $(RESULTS)/beside.log; \
	./build/leftovers.sh after artifacts/running-before-tests $(RESULTS) || status=1; \
	grep -q " 0 failed" $(RESULTS)/leftovers.count || status=1; \
	./build/sum-results.sh $(RESULTS); \
	exit $$status

test-deps:
	@./build/install-test-deps.sh

# The Node suites' npm packages, ahead of their suites (best effort: a suite installs them again when this failed).
test-installs: test-deps
	-@./tests/node/run.sh --install
	-@./sdk/node/run.sh --install

test-dotnet:
	@mkdir -p $(RESULTS)
	@DOTNET="$(DOTNET)" ./build/test-dotnet.sh $(RESULTS)

test-node:
	@mkdir -p $(RESULTS)
	@if [ -d tests/node ]; then ./tests/node/run.sh $(RESULTS); else echo "node: 0 passed, 0 failed" > $(RESULTS)/node.count; fi

# The newcomer's journey (tests/demo/run.sh): make run on default and free ports, the README's first win as written,
# examples/first-win.sh and the example agents twice each, doctor, port and target refusals, /metrics, a clean tree.
test-demo:
	@mkdir -p $(RESULTS)
	@./tests/demo/run.sh $(RESULTS)

# The load test's own tools (tests/loadtests): report.py, the floor proxy, and loadtests/run.sh end to end at a tiny scale.
test-loadtest:
	@mkdir -p $(RESULTS)
	@./tests/loadtests/run.sh $(RESULTS)

# The agent SDKs (sdk/): each suite against the real gateway binary on loopback; one count file each.
test-sdk:
	@mkdir -p $(RESULTS)
	@status=0; \
	./sdk/dotnet/run.sh $(RESULTS) || status=1; \
	./sdk/node/run.sh $(RESULTS) || status=1; \
	./sdk/python/run.sh $(RESULTS) || status=1; \
	exit $$status

chart-test:
	@mkdir -p $(RESULTS)
	@if [ -x tests/chart/run.sh ]; then ./tests/chart/run.sh $(RESULTS); else echo "chart: 0 passed, 0 failed" > $(RESULTS)/chart.count; fi

# make image, then its root file system booted read-only as its user: /readyz and the first win with the
# embedded store and with Redis (tests/image/run.sh). Skips, saying why, where it cannot build or boot it.
test-image:
	@mkdir -p $(RESULTS)
	@./tests/image/run.sh $(RESULTS)

# gatewayctl as a .NET tool in artifacts/nupkg:
#   dotnet tool install -g --version 0.1.0 --configfile build/gatewayctl-tool.nuget.config gatewayctl
tool: restore
	$(DOTNET) pack cli/Gateway.Cli/Gateway.Cli.csproj -c Release -nologo -v:q

# The OCI image, from source with no registry or container engine: artifacts/image/gateway-VERSION.oci.tar
# and its SBOM (build/image.sh; IMAGE_BUILDER=dockerfile builds the Dockerfile instead).
image:
	@./build/image.sh

bench: restore
	$(DOTNET) run --project loadtests/Gateway.Benchmarks -c Release -- --filter '*'

loadtest: build
	./loadtests/run.sh

# Bytes allocated per allowed invoke-tool request, without load (loadtests/alloc.sh; ALLOC_TRACE=1 adds where they go).
alloc:
	./loadtests/alloc.sh

clean:
	rm -rf artifacts
