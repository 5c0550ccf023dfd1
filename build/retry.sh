#!/usr/bin/env bash
# Runs a registry fetch again when it fails, with backoff, so a registry that was slow for a second
# (an idle timeout, a reset connection) never fails a test run:
#   build/retry.sh COMMAND [ARG...]      up to RETRY_ATTEMPTS tries (default 5), waiting 2, 4, 8, 16 s
# What an earlier try fetched stays in the tool's cache (npm's ~/.npm, NuGet's ~/.nuget/packages, apt's
# archive), so a retry fetches only what is still missing.
set -uo pipefail
attempts="${RETRY_ATTEMPTS:-5}"
delay=2
for ((try = 1; ; try++)); do
  "$@" && exit 0
  status=$?
  if ((try >= attempts)); then
    echo "retry: '$*' failed $try times (last exit $status)" >&2
    exit "$status"
  fi
  echo "retry: '$*' failed (exit $status), try $((try + 1)) of $attempts in ${delay}s" >&2
  sleep "$delay"
  delay=$((delay * 2))
done
