#!/usr/bin/env bash
# Load benchmark of the authorized audit list with 1,000,000 entries (docs/benchmarks.md).
# Needs a release build (cargo build --release) and wrk (apt-get install wrk). Uses port 18090.
# Usage: bench.sh <label> <data-dir> [DATABASE_URL]
set -u
label=$1; D=$2; export DATABASE_URL=${3:-}
[ -z "$DATABASE_URL" ] && unset DATABASE_URL
B="$(cd "$(dirname "$0")/.." && pwd)/target/release/gongzhi"
PORT=18090
(timeout 300 $B serve --demo --data-dir $D --bind 127.0.0.1:$PORT > /dev/null 2>&1 &)
# The demo is seeded before the server listens: wait for it, on PostgreSQL too.
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
pkill -f "bind 127.0.0.1:$PORT"; sleep 1
$B bench-data --audit 1000000 --data-dir $D 2>&1 | tail -3
$B user add --username haishan.supervisor --password Bench2026x --role supervisor --scope 440308002000 --data-dir $D >/dev/null 2>&1
T1=$($B token create --username qu.supervisor --data-dir $D); T2=$($B token create --username haishan.supervisor --data-dir $D)
(RUST_LOG=warn $B serve --data-dir $D --bind 127.0.0.1:$PORT > /tmp/bench-serve.log 2>&1 &); sleep 2
run() { printf "%-40s " "$1"; wrk -t2 -c32 -d15s --latency -H "Authorization: Bearer $2" "http://127.0.0.1:$PORT$3" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$0} END{printf "%10s req/s  p50 %8s  p99 %8s %s\n", r, p50, p99, e}'; }
echo "== $label"
run "district supervisor, newest 50" $T1 "/api/v1/audit?limit=50"
run "street supervisor, newest 50" $T2 "/api/v1/audit?limit=50"
run "district, one community" $T1 "/api/v1/audit?limit=50&scope=440308002001"
run "district, action filter auth.login" $T1 "/api/v1/audit?limit=50&action=auth.login"
CUR=$(curl -s -H "Authorization: Bearer $T1" "http://127.0.0.1:$PORT/api/v1/audit?limit=50&scope=440308002000" | python3 -c 'import sys,json;print(json.load(sys.stdin)["next_cursor"])')
run "street page 2 (cursor)" $T1 "/api/v1/audit?limit=50&scope=440308002000&cursor=$CUR"
run "territories (small table)" $T1 "/api/v1/territories?limit=50"
pkill -f "bind 127.0.0.1:$PORT"
