#!/usr/bin/env bash
# Measures the local stack's start-up on this machine, each case in its own temporary home and on
# free ports (the shared stack is not touched):
#   cold      - empty Maven repository and empty crossdock cache: download + format + start
#   cached    - artifacts cached, fresh data: format + start
#   restart   - formatted data, processes stopped: start only (what `npm test` pays after a reboot)
# and the resident memory of the broker and the registry once ready. Usage: bash bench/stack/startup.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
export CROSSDOCK_KAFKA_PORT=$(port) CROSSDOCK_KAFKA_CONTROLLER_PORT=$(port) CROSSDOCK_KAFKA_SASL_PORT=$(port)
export CROSSDOCK_REGISTRY_PORT=$(port) CROSSDOCK_REGISTRY_MANAGEMENT_PORT=$(port)
cd_() { node bin/crossdock.js "$@"; }
secs() { node -e 'console.log(JSON.parse(require("fs").readFileSync(0,"utf8")).seconds)'; }
rss() { # pid -> MiB
  awk '/VmRSS/ {printf "%.0f", $2/1024}' "/proc/$1/status"
}
pids() { node -e 'const r=JSON.parse(require("fs").readFileSync(0,"utf8")); for (const p of r.parts) if (p.pid) console.log(p.part, p.pid)'; }

echo "case,seconds,kafka_rss_mib,registry_rss_mib"
# cold: a Maven repository and a crossdock cache of their own, both empty
export CROSSDOCK_HOME=$work/cold CROSSDOCK_CACHE_DIR=$work/cold/cache MAVEN_OPTS="-Dmaven.repo.local=$work/m2"
out=$(cd_ stack up --json 2>/dev/null); s=$(echo "$out" | secs)
sleep 5; read -r _ kp < <(echo "$out" | pids | grep kafka); read -r _ rp < <(echo "$out" | pids | grep registry)
echo "cold,$s,$(rss "$kp"),$(rss "$rp")"
cd_ stack down >/dev/null 2>&1
# restart: same data, processes were stopped
out=$(cd_ stack up --json 2>/dev/null); s=$(echo "$out" | secs)
echo "restart,$s,,"
cd_ stack down --purge >/dev/null 2>&1
# cached: artifacts in the cache, data fresh
out=$(cd_ stack up --json 2>/dev/null); s=$(echo "$out" | secs)
echo "cached,$s,,"
cd_ stack down --purge >/dev/null 2>&1
