#!/usr/bin/env bash
# Load benchmark of the service catalog's derived catalogs over 100,000 generated organizations
# (docs/benchmarks.md). Needs a release build (cargo build --release) and wrk
# (apt-get install wrk). Uses port 18092.
# Usage: bench-catalog.sh <label> <data-dir> [DATABASE_URL]
set -u
label=$1; D=$2; export DATABASE_URL=${3:-}
[ -z "$DATABASE_URL" ] && unset DATABASE_URL
B="$(cd "$(dirname "$0")/.." && pwd)/target/release/gongzhi"
PORT=18092
(timeout 300 $B serve --demo --data-dir $D --bind 127.0.0.1:$PORT > /dev/null 2>&1 &)
# The demo is seeded before the server listens: wait for it, on PostgreSQL too.
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
pkill -f "bind 127.0.0.1:$PORT"; sleep 1
$B bench-data --orgs 100000 --data-dir $D 2>&1 | tail -2
TD=$($B token create --username qu.admin --data-dir $D)
(RUST_LOG=warn $B serve --data-dir $D --bind 127.0.0.1:$PORT > /tmp/bench-serve.log 2>&1 &); sleep 2
U="http://127.0.0.1:$PORT"
ORG=$(curl -s -H "Authorization: Bearer $TD" "$U/api/v1/orgs?tier=registered&limit=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["id"])')
echo "== $label: $(curl -s "$U/api/v1/public/catalogs/440308000000?counts=true" | python3 -c 'import sys,json;d=json.load(sys.stdin);print(len(d["items"]), "items;", sum(i["qualified"] for i in d["items"]), "qualifications")')"
run() { printf "%-52s " "$1"; wrk -t2 -c${4:-8} -d15s --timeout 10s --latency ${2:+-H "Authorization: Bearer $2"} "$U$3" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$0} END{printf "%10s req/s  p50 %8s  p99 %8s %s\n", r, p50, p99, e}'; }
run "qualified providers of every item (counts)" "" "/api/v1/public/catalogs/440308000000?counts=true" 2
run "catalog without counts" "" "/api/v1/public/catalogs/440308000000"
run "street purchase catalog (57 items, counts)" "" "/api/v1/public/catalogs/purchase/440308002000" 2
run "providers of an open item (A05-01), first page" "" "/api/v1/public/catalogs/440308000000/items/A05-01/providers" 2
run "providers of a strict item (B02-01)" "" "/api/v1/public/catalogs/440308000000/items/B02-01/providers" 2
run "one organization's eligibility, every item" "$TD" "/api/v1/orgs/$ORG/eligibility" 32
run "scope check" "" "/api/v1/public/catalogs/440308000000/check?item=A01-02" 32
printf "%-52s " "Excel export (three sheets), one request"; curl -s -o /tmp/catalog.xlsx -w "%{time_total} s, %{size_download} bytes\n" "$U/api/v1/public/catalogs/440308000000/export.xlsx"
pkill -f "bind 127.0.0.1:$PORT"
