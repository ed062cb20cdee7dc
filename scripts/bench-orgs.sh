#!/usr/bin/env bash
# Load benchmark of the organization directory with 100,000 generated organizations
# (docs/benchmarks.md). Needs a release build (cargo build --release) and wrk
# (apt-get install wrk). Uses port 18091.
# Usage: bench-orgs.sh <label> <data-dir> [DATABASE_URL]
set -u
label=$1; D=$2; export DATABASE_URL=${3:-}
[ -z "$DATABASE_URL" ] && unset DATABASE_URL
B="$(cd "$(dirname "$0")/.." && pwd)/target/release/gongzhi"
PORT=18091
(timeout 300 $B serve --demo --data-dir $D --bind 127.0.0.1:$PORT > /dev/null 2>&1 &)
# The demo is seeded before the server listens: wait for it, on PostgreSQL too.
for _ in $(seq 1 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 1; done
pkill -f "bind 127.0.0.1:$PORT"; sleep 1
$B bench-data --orgs 100000 --data-dir $D 2>&1 | tail -2
TD=$($B token create --username qu.admin --data-dir $D); TS=$($B token create --username haishan.admin --data-dir $D)
TC=$($B token create --username tiandong.admin --data-dir $D)
(RUST_LOG=warn $B serve --data-dir $D --bind 127.0.0.1:$PORT > /tmp/bench-serve.log 2>&1 &); sleep 2
U="http://127.0.0.1:$PORT"
q() { python3 -c 'import sys,urllib.parse;print(urllib.parse.quote(sys.argv[1]))' "$1"; }
AIXIN=$(q 爱心); RARE=$(q 乐龄舞蹈队); NONE=$(q 不存在的组织)
USCC=$(curl -s -H "Authorization: Bearer $TD" "$U/api/v1/orgs?tier=registered&limit=1" | python3 -c 'import sys,json;print(json.load(sys.stdin)["items"][0]["uscc"])')
CUR=$(curl -s -H "Authorization: Bearer $TD" "$U/api/v1/orgs?q=$AIXIN&limit=50" | python3 -c 'import sys,json;print(json.load(sys.stdin)["next_cursor"])')
run() { printf "%-46s " "$1"; wrk -t2 -c32 -d15s --latency ${2:+-H "Authorization: Bearer $2"} "$U$3" | awk '/Requests\/sec/{r=$2} / 50%/{p50=$2} / 99%/{p99=$2} /Non-2xx/{e=$0} END{printf "%10s req/s  p50 %8s  p99 %8s %s\n", r, p50, p99, e}'; }
echo "== $label: $(curl -s -H "Authorization: Bearer $TD" "$U/api/v1/orgs?q=$AIXIN&limit=200" | python3 -c 'import sys,json;print(len(json.load(sys.stdin)["items"]))') of the first 200 match 爱心"
run "district, first page (50 by name)" "$TD" "/api/v1/orgs?limit=50"
run "district, name 爱心 (2 chars, 1 in 40)" "$TD" "/api/v1/orgs?q=$AIXIN&limit=50"
run "district, name 爱心, page 2 (cursor)" "$TD" "/api/v1/orgs?q=$AIXIN&limit=50&cursor=$CUR"
run "district, name 乐龄舞蹈队 (1 in 520)" "$TD" "/api/v1/orgs?q=$RARE&limit=50"
run "district, name with no match" "$TD" "/api/v1/orgs?q=$NONE&limit=50"
run "district, USCC" "$TD" "/api/v1/orgs?uscc=$USCC"
run "district, category + tier + clear standing" "$TD" "/api/v1/orgs?category=191.charity&tier=filed&standing=clear&limit=50"
run "district, grade 5A" "$TD" "/api/v1/orgs?grade=5&limit=50"
run "district, abnormal list" "$TD" "/api/v1/orgs?standing=abnormal&limit=50"
run "district, one community + 爱心" "$TD" "/api/v1/orgs?territory=440308002001&q=$AIXIN&limit=50"
run "street admin, name 爱心" "$TS" "/api/v1/orgs?q=$AIXIN&limit=50"
run "community admin, first page" "$TC" "/api/v1/orgs?limit=50"
run "public directory, name 爱心" "" "/api/v1/public/orgs?q=$AIXIN&limit=50"
run "directory page (HTML), name 爱心" "$TD" "/orgs?q=$AIXIN"
pkill -f "bind 127.0.0.1:$PORT"
