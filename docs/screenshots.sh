#!/usr/bin/env bash
# Screenshots of the console's main pages (sign-in, approval queue, one approval, audit journal, kill switches),
# taken by headless chromium through the browser test (tests/node/test/console.test.js) against the real gateway
# and oidc-provider, into docs/console/*.png. Needs `make build` and tests/node's npm packages (npm ci there).
#   docs/screenshots.sh [DIR]       default DIR: docs/console
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
dir="$(mkdir -p "${1:-$root/docs/console}" && cd "${1:-$root/docs/console}" && pwd)"
cd "$root/tests/node"
CONSOLE_SCREENSHOTS="$dir" node --test --test-name-pattern='screenshots' test/console.test.js
ls -l "$dir"/*.png
