#!/usr/bin/env bash
# The screenshots in docs/console.md, taken by headless chromium (puppeteer-core) from `make run` itself
# (tests/node/scripts/console-screenshots.js starts examples/run-demo.sh on free ports, signs an approver in, asks for
# three refunds, one of an order refunded before) into docs/console/*.png: the inbox, an approval on a laptop and on a
# phone, the duplicate warning, the confirmation, the sign-in page, the audit journal and the kill switches.
# Needs `make build` and tests/node's npm packages (npm ci there).
#   docs/screenshots.sh [DIR]       default DIR: docs/console
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${1:-$root/docs/console}" && cd "${1:-$root/docs/console}" && pwd)"
cd "$root/tests/node"
node scripts/console-screenshots.js "$dir"
ls -l "$dir"/*.png
