#!/usr/bin/env bash
# Before/after check of the module redesign (issue 16, docs/benchmarks.md): the organization
# directory's first page, a street's work queue and its desk page, over 100,000 organizations and
# 100,000 projects on SQLite. Needs two release builds and wrk. Uses port 18096.
# Usage: bench-redesign.sh seed <gongzhi binary> <data-dir>
#        bench-redesign.sh run <label> <gongzhi binary> <data-dir>
set -u
mode=$1
PORT=18096
if [ "$mode" = seed ]; then
  B=$2; D=$3
  (timeout 600 $B serve --demo --data-dir $D --bind 127.0.0.1:$PORT > /dev/null 2>&1 &)
  for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
  pkill -f "bind 127.0.0.1:$PORT"; sleep 1
  $B bench-data --orgs 100000 --data-dir $D 2>&1 | tail -1
  $B bench-data --projects 100000 --data-dir $D 2>&1 | tail -1
  exit 0
fi
label=$2; B=$3; D=$4
TD=$($B token create --username qu.admin --data-dir $D); TS=$($B token create --username haishan.admin --data-dir $D)
(RUST_LOG=warn $B serve --data-dir $D --bind 127.0.0.1:$PORT > /tmp/bench16-serve.log 2>&1 &)
for _ in $(seq 1 60); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
U="http://127.0.0.1:$PORT"
run() { printf "%-52s " "$1"; wrk -t2 -c${4:-16} -d15s --timeout 10s --latency ${2:+-H "$2"} "$U$3" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$0} END{printf "%10s req/s  p50 %8s  p99 %8s %s\n", r, p50, p99, e}'; }
echo "== $label"
run "directory, district, first page (API, 50 by name)" "Authorization: Bearer $TD" "/api/v1/orgs?limit=50" 32
run "street work queue (API, haishan.admin)" "Authorization: Bearer $TS" "/api/v1/purchase-queue" 8
run "street desk page /purchase (haishan.admin)" "Authorization: Bearer $TS" "/purchase" 8
pkill -f "bind 127.0.0.1:$PORT"; sleep 1
