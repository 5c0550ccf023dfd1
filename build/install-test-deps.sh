#!/usr/bin/env bash
# Installs what the test suites need on a fresh Debian machine, only when it is missing.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
# PostgreSQL (tests/Gateway.Testing/PostgresServer.cs runs Debian's initdb and pg_ctl from /usr/lib/postgresql/*/bin).
compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null || command -v initdb >/dev/null 2>&1 || need+=(postgresql)
command -v node >/dev/null 2>&1 || need+=(nodejs npm)
# The demo test (tests/demo) and the SDK suites: curl, openssl, python3.
command -v curl >/dev/null 2>&1 || need+=(curl)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
# The console's browser tests (tests/node/test/console.test.js): Debian's chromium, driven by puppeteer-core.
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v python3 >/dev/null 2>&1 || need+=(python3)
# A real SMTP server for the approval notifications' tests (tests/Gateway.Oversight.Tests/Notifications, tests/node):
# Debian's aiosmtpd, run as /usr/bin/python3 -m aiosmtpd.
/usr/bin/python3 -c 'import aiosmtpd' >/dev/null 2>&1 || need+=(python3-aiosmtpd)
# The Python SDK's key-pair signing (RFC 9421): Ed25519 and P-256 through 'cryptography'.
python3 -c 'import cryptography' >/dev/null 2>&1 || need+=(python3-cryptography)
# Its httpx.Auth, under the real httpx (sdk/python/tests/test_providers.py): Debian's, PyPI being out of reach.
python3 -c 'import httpx' >/dev/null 2>&1 || /usr/bin/python3 -c 'import httpx' >/dev/null 2>&1 || need+=(python3-httpx)
# The image suite (tests/image): `make image` packs the OCI image with umoci; skopeo inspects it.
command -v umoci >/dev/null 2>&1 || need+=(umoci)
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
# The load test's own suite (tests/loadtests) runs loadtests/run.sh at a tiny scale: wrk drives it, jq reads its rows.
command -v wrk >/dev/null 2>&1 || need+=(wrk)
command -v jq >/dev/null 2>&1 || need+=(jq)
# ...and counts its system calls per request with perf's syscall tracepoints (LOADTEST_SYSCALLS=1).
command -v perf >/dev/null 2>&1 || need+=(linux-perf)
if ((${#need[@]})); then
  sudo=""
  [[ $(id -u) -eq 0 ]] || sudo="sudo"
  echo "install-test-deps: installing ${need[*]}"
  retry="$(dirname "$0")/retry.sh"
  "$retry" $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "$retry" $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
