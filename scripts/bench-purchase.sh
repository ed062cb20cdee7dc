#!/usr/bin/env bash
# Load benchmark of the purchase of services (docs/benchmarks.md): the public notice list, a
# street's and the district's work queues, project lists, the desk and project pages, and the
# OCDS export of a full year,
# over 100,000 generated projects with 1,000,000 bids. Needs a release build (cargo build
# --release) and wrk (apt-get install wrk). Uses port 18093.
# Usage: bench-purchase.sh <label> <data-dir> [DATABASE_URL]
set -u
label=$1; D=$2; export DATABASE_URL=${3:-}
[ -z "$DATABASE_URL" ] && unset DATABASE_URL
B="$(cd "$(dirname "$0")/.." && pwd)/target/release/gongzhi"
PORT=18093
(timeout 300 $B serve --demo --data-dir $D --bind 127.0.0.1:$PORT > /dev/null 2>&1 &)
for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
pkill -f "bind 127.0.0.1:$PORT"; sleep 1
$B bench-data --orgs 20000 --data-dir $D 2>&1 | tail -1
$B bench-data --projects 100000 --data-dir $D 2>&1 | tail -1
TD=$($B token create --username qu.admin --data-dir $D)
TS=$($B token create --username haishan.admin --data-dir $D)
(RUST_LOG=warn $B serve --data-dir $D --bind 127.0.0.1:$PORT > /tmp/bench-serve.log 2>&1 &); sleep 2
U="http://127.0.0.1:$PORT"
Y=$(date +%Y)
OCID=$(curl -s "$U/api/v1/public/ocds/releases?district=440308&year=$Y&limit=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["releases"][0]["ocid"])')
echo "== $label"
run() { printf "%-52s " "$1"; wrk -t2 -c${4:-16} -d15s --timeout 10s --latency ${2:+-H "Authorization: Bearer $2"} "$U$3" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$0} END{printf "%10s req/s  p50 %8s  p99 %8s %s\n", r, p50, p99, e}'; }
run "public notice list, first page (50)" "" "/api/v1/public/notices?district=440308"
run "public notice list, open notices only" "" "/api/v1/public/notices?district=440308&open=true"
run "one public notice with its clarifications" "" "/api/v1/public/notices/$(curl -s "$U/api/v1/public/notices?district=440308&limit=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["id"])')"
run "street work queue (haishan.admin)" "$TS" "/api/v1/purchase-queue" 8
run "district work queue with totals (qu.admin)" "$TD" "/api/v1/purchase-queue" 8
run "street project list, first page" "$TS" "/api/v1/purchase-projects"
run "OCDS record package of one process" "" "/api/v1/public/ocds/records/$OCID"
run "page: street desk (/purchase, haishan.admin)" "$TS" "/purchase" 8
run "page: district desk (/purchase, qu.admin)" "$TD" "/purchase" 8
run "page: a project (haishan.admin)" "$TS" "/purchase/projects/$(curl -s -H "Authorization: Bearer $TS" "$U/api/v1/purchase-projects?limit=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["id"])')"
run "page: public notices" "" "/public/notices?district=440308"
printf "%-52s " "OCDS export of $Y, every package (1,000 each)"
python3 - "$U" "$Y" <<'PY'
import json, sys, time, urllib.request
u, y = sys.argv[1], sys.argv[2]
url = f"{u}/api/v1/public/ocds/releases?district=440308&year={y}&limit=1000"
t0 = time.time(); n = pages = size = 0
while url:
    with urllib.request.urlopen(url) as r:
        body = r.read(); size += len(body); pages += 1
        n += len(json.loads(body)["releases"])
        link = r.headers.get("Link")
        url = link.split(">")[0].lstrip("<") if link else None
print(f"{n} releases in {pages} packages, {size/1e6:.0f} MB, {time.time()-t0:.1f} s")
PY
pkill -f "bind 127.0.0.1:$PORT"
