#!/usr/bin/env bash
# One boot of the image's root file system, run by tests/image/run.sh inside private network, mount and PID
# namespaces (this script is PID 1 there: whatever it starts dies with it). Prints "ok ..." / "FAIL ..."
# lines, then "done".
#   tests/image/boot.sh WORK STORE      WORK: run.sh's directory (bundle/rootfs, env, argv, workdir, user)
#                                       STORE: memory (the embedded store) or redis (redis-server on loopback)
set -uo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
work="$1"
store="$2"
rootfs="$work/bundle/rootfs"
mnt="$work/mnt-$store"
run="$work/run-$store"
ok() { echo "ok   $*"; }
not_ok() { echo "FAIL $*"; }
gateway_url=http://127.0.0.1:8080

ip link set lo up

# What the chart mounts, made on the host side: the bundle (a ConfigMap), the receipt key (a Secret), the keys.
mkdir -p "$run/receipt-keys" "$mnt"
cp -R "$root/examples/bundle" "$run/bundle"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$run/receipt-keys/receipt-keys.pem" 2>/dev/null
chmod 0444 "$run/receipt-keys/receipt-keys.pem"
chmod -R a+rX "$run/bundle"
admin_token=demo-admin-token-do-not-use-in-production

# The root: read-only; /tmp a tmpfs (the chart's emptyDir); /proc of this PID namespace; a /dev with the usual nodes.
mount --bind "$rootfs" "$mnt"
mount -o remount,bind,ro "$mnt"
mount -t tmpfs -o mode=1777,size=256m tmpfs "$mnt/tmp"
mount -t proc proc "$mnt/proc"
mount -t tmpfs -o mode=0755,size=1m tmpfs "$mnt/dev"
for node in null zero random urandom full tty; do
  : > "$mnt/dev/$node" && mount --bind "/dev/$node" "$mnt/dev/$node"
done
mount --bind -o ro "$run/bundle" "$mnt/etc/gateway/bundle"
mount --bind -o ro "$run/receipt-keys" "$mnt/run/gateway/receipt-keys"
uid="$(cut -d: -f1 "$work/user")" gid="$(cut -d: -f2 "$work/user")"
# The embedded store's data directory: the chart's emptyDir (fsGroup: the app's group).
mount -t tmpfs -o "mode=0770,uid=$uid,gid=$gid,size=256m" tmpfs "$mnt/var/lib/gateway"

# The host side: the demo upstreams (their default ports are free in this network namespace) and Redis.
for name in $(compgen -e | grep -E '^(DEMO_|GATEWAY_|GAMUT_)'); do unset "$name"; done
dotnet "$root/artifacts/bin/DemoUpstreams/release/demo-upstreams.dll" --urls "" >"$run/upstreams.log" 2>&1 &
store_env=()
if [[ "$store" == redis ]]; then
  redis-server --port 6379 --bind 127.0.0.1 --save "" --appendonly no >"$run/redis.log" 2>&1 &
  store_env=(Gateway__Store__Kind=redis Gateway__Store__Redis__Endpoint=127.0.0.1:6379)
else
  # No Gateway__DataDirectory: the image's own environment must point the embedded store at the mounted volume.
  store_env=(Gateway__Store__Kind=memory)
fi

# The image's environment and entrypoint, plus what the chart's Deployment adds (keys from Secrets, mounts).
mapfile -d '' image_env < "$work/env"
# HOME as runc, crun and containerd set it when the image does not: the user's home in the image's /etc/passwd.
if ! printf '%s\n' "${image_env[@]}" | grep -q '^HOME='; then
  image_env+=("HOME=$(awk -F: -v uid="$uid" '$3 == uid { print $6; exit }' "$rootfs/etc/passwd" | grep . || echo /)")
fi
mapfile -d '' argv < "$work/argv"
deployment_env=(
  "DATA_ENCRYPTION_KEY=$(openssl rand -base64 32)"
  "DECISION_SIGNING_KEY=$(openssl rand -base64 32)"
  "GATEWAY_SERVICE_KEY=$(openssl rand -base64 32)"
  Gateway__Receipts__KeyRingFile=/var/run/gateway/receipt-keys/receipt-keys.pem
  Gateway__Credentials__Root=/var/run/gateway/credentials
  # The chart requires publicBaseUrl outside Development (the gateway refuses to start without it).
  "Gateway__AccessTokens__PublicBaseUrl=$gateway_url"
  "Gateway__Admin__BootstrapTokenSha256=$(printf %s "$admin_token" | sha256sum | cut -d' ' -f1)"
  ROGUE_AGENT_SECRET=rogue-secret-for-the-image-test-0123456789
  "${store_env[@]}"
)
for _ in $(seq 1 100); do
  (exec 3<>/dev/tcp/127.0.0.1/9130) 2>/dev/null && { [[ "$store" != redis ]] || redis-cli -p 6379 ping >/dev/null 2>&1; } && break
  sleep 0.1
done

started=$(date +%s%N)
env -i "${image_env[@]}" "${deployment_env[@]}" \
  unshare --root="$mnt" --wd="$(cat "$work/workdir")" --setuid "$uid" --setgid "$gid" -- "${argv[@]}" >"$run/gateway.log" 2>&1 &
gateway=$!
ready=""
for _ in $(seq 1 1200); do
  kill -0 "$gateway" 2>/dev/null || break
  if curl -fsS -o /dev/null "$gateway_url/readyz" 2>/dev/null; then ready=$(( ($(date +%s%N) - started) / 1000000 )); break; fi
  sleep 0.05
done
if [[ -n "$ready" ]]; then
  # CPU time to ready (user + system, in clock ticks): unlike the wall time, not stretched by a busy machine.
  cpu=$(awk -v hz="$(getconf CLK_TCK)" '{ printf "%d", ($14 + $15) * 1000 / hz }' "$mnt/proc/$gateway/stat")
  ok "the image's entrypoint (${argv[*]}) as $uid:$gid, root read-only: /readyz 200 after $ready ms ($cpu ms CPU)"
  echo "ready_ms=$ready cpu_ms=$cpu"
else
  not_ok "the gateway did not become ready (store $store):"; tail -40 "$run/gateway.log"; echo done; exit 1
fi

# The embedded store keeps its state under the image's own data directory (the mounted volume), not under /app.
if [[ "$store" == memory ]]; then
  if [[ -f "$mnt/var/lib/gateway/state/state.journal" ]]; then
    ok "the embedded store journals to /var/lib/gateway (the image's Gateway__DataDirectory)"
  else
    not_ok "no state journal under /var/lib/gateway: $(ls -A "$mnt/var/lib/gateway" 2>&1 | tr '\n' ' ')"
  fi
fi

# The process as the kubelet would see it: the image's user, no supplementary groups, no capabilities.
status="$(cat "$mnt/proc/$gateway/status")" # this PID namespace's /proc
if grep -qE "^Uid:\s+$uid\s+$uid\s+$uid\s+$uid$" <<<"$status" && grep -qE "^Groups:\s*$" <<<"$status" \
  && grep -qE "^CapEff:\s+0+$" <<<"$status"; then
  ok "the gateway runs as UID $uid with no supplementary groups and no capabilities"
else
  not_ok "the gateway's credentials: $(grep -E '^(Uid|Gid|Groups|CapEff)' <<<"$status" | tr '\n' ' ')"
fi
# Only /tmp (and the data mount) are writable for that user: tried with the image's own coreutils.
as_app() { env -i PATH=/usr/bin:/bin unshare --root="$mnt" --wd=/ --setuid "$uid" --setgid "$gid" -- "$@"; }
if ! as_app /usr/bin/touch /app/written 2>/dev/null && ! as_app /usr/bin/touch /etc/written 2>/dev/null \
  && as_app /usr/bin/touch /tmp/written; then
  ok "the root file system is read-only to the app user; /tmp is writable"
else
  not_ok "the root file system is writable, or /tmp is not"
fi

# The first win, as the README walks it (approved with gatewayctl: the console's token sign-in is Development-only).
cat > "$run/demo.env" <<EOF
GATEWAY_URL=$gateway_url
GAMUT_BASE_URL=$gateway_url
GAMUT_TENANT_SLUG=demo
GAMUT_WORKSPACE_ID=ws-demo
GAMUT_AGENT_ID=demo-agent
GAMUT_BYO_AGENT_SECRET=$(tr -d '\n' < "$root/examples/bundle/secrets/demo-agent.secret")
EOF
if GATEWAY_DEMO_ENV="$run/demo.env" GATEWAY_DEMO_ADMIN_TOKEN="$admin_token" FIRST_WIN_APPROVE_IN=gatewayctl \
  "$root/examples/first-win.sh" >"$run/first-win.log" 2>&1; then
  ok "examples/first-win.sh passes against the image ($(tail -1 "$run/first-win.log"))"
else
  not_ok "examples/first-win.sh against the image:"; tail -30 "$run/first-win.log"; echo "--- gateway log:"; tail -30 "$run/gateway.log"
fi

curl -sS http://127.0.0.1:9464/metrics >"$run/metrics.txt" 2>&1
if grep -q '^gateway_decisions_total' "$run/metrics.txt"; then
  ok "/metrics on the image's port 9464 counts the decisions"
else
  not_ok "/metrics on 9464:"; head -c 600 "$run/metrics.txt"; echo
fi

# The chart's migrate hook Job: the image's entrypoint with args ["migrate"] migrates and exits, never serving; with no
# PostgreSQL configured it exits 6 naming the missing setting.
if [[ "$store" == memory ]]; then
  migrate_out="$(env -i "${image_env[@]}" unshare --root="$mnt" --wd="$(cat "$work/workdir")" --setuid "$uid" --setgid "$gid" -- "${argv[@]}" migrate 2>&1)"
  migrate_code=$?
  if [[ $migrate_code -eq 6 ]] && grep -q "no ConnectionString or ConnectionStringFile" <<<"$migrate_out"; then
    ok "the image's entrypoint with args [migrate] (the chart's hook Job) exits 6 without PostgreSQL settings"
  else
    not_ok "the image's entrypoint with args [migrate]: exit $migrate_code: $(head -c 400 <<<"$migrate_out")"
  fi
fi

# SIGTERM (what the kubelet sends after preStop): the host stops cleanly.
kill -TERM "$gateway"
for _ in $(seq 1 300); do kill -0 "$gateway" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$gateway" 2>/dev/null; then
  not_ok "the gateway still runs 30 s after SIGTERM"
else
  wait "$gateway"; code=$?
  if [[ $code -eq 0 ]]; then ok "SIGTERM stops the gateway with exit code 0"; else not_ok "SIGTERM: exit code $code"; tail -20 "$run/gateway.log"; fi
fi
if grep -qiE "unhandled exception|crit:" "$run/gateway.log"; then
  not_ok "the gateway's log has an unhandled exception:"; grep -iE -A5 "unhandled exception|crit:" "$run/gateway.log" | head -20
fi
echo done
