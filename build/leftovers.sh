#!/usr/bin/env bash
# make test leaves nothing running: every server a suite starts (redis-server, PostgreSQL, the gateway,
# the demo upstreams) is stopped when the suite ends, pass or fail.
#   leftovers.sh before FILE          records the matching processes that run before the suites
#   leftovers.sh after FILE RESULTS   waits for the test hosts' janitors, then lists and kills what the
#                                     suites left behind; writes RESULTS/leftovers.count (1 failed if any)
set -euo pipefail
pattern='redis-server|postgres|gateway\.dll|demo-upstreams\.dll|gatewayctl\.dll'

running() { pgrep -f -- "$pattern" | sort || true; }

case "${1:-}" in
  before)
    running > "$2"
    ;;
  after)
    before="$2" results="$3"
    left=""
    # The janitors poll their test host once a second; give them a few rounds.
    for _ in 1 2 3 4 5 6 7 8 9 10; do
      left="$(comm -13 "$before" <(running) | while read -r pid; do
        [[ "$pid" == "$$" ]] && continue
        cmd="$(tr '\0' ' ' < "/proc/$pid/cmdline" 2>/dev/null || true)"
        [[ -n "$cmd" && "$cmd" != *leftovers.sh* && "$cmd" != *pgrep* ]] && echo "$pid $cmd"
      done)"
      [[ -z "$left" ]] && break
      sleep 1
    done
    if [[ -n "$left" ]]; then
      echo "leftovers: the suites left these processes running (now killed):" >&2
      echo "$left" >&2
      echo "$left" | while read -r pid _; do kill -9 "$pid" 2>/dev/null || true; done
      echo "leftovers: 0 passed, 1 failed" > "$results/leftovers.count"
    else
      echo "leftovers: 1 passed, 0 failed" > "$results/leftovers.count"
    fi
    ;;
  *)
    echo "usage: leftovers.sh before FILE | after FILE RESULTS" >&2; exit 2 ;;
esac
