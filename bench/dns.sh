#!/usr/bin/env bash
# DNS-only run of ./checker on a generated list against a local NSD (loopback only).
#   bench/dns.sh [ADDRESSES=100000] [DOMAINS=10000] [SEED=1]
# Prints the checker's summary (addresses/s, MX queries per unique domain) and the wall time.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
n=${1:-100000} d=${2:-10000} seed=${3:-1}

scripts/setup --test
JAVA_HOME=$(scripts/java-home)
export JAVA_HOME
mvn -B -q -DskipTests package >&2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
python3 bench/workload.py --addresses "$n" --domains "$d" --seed "$seed" --out "$work"

# The test bed's NSD serves the generated zone on a free loopback port until its stdin closes.
coproc NSD { "$JAVA_HOME/bin/java" -cp "target/test-classes:target/classes:target/lib/*" \
  dev.mailcheck.testbed.Nsd "$work/zones"; }
read -r dns <&"${NSD[0]}"
echo "NSD on $dns; $n addresses over $d domains (seed $seed)" >&2

./checker --version >/dev/null   # build and class-data archive, outside the timing
start=$(date +%s.%N)
./checker check --dns "$dns" --format jsonl -o "$work/results.jsonl" "$work/addresses.txt"
end=$(date +%s.%N)
echo "wall time, JVM start and output included: $(echo "$end - $start" | bc) s;" \
  "results: $(wc -l < "$work/results.jsonl") lines" >&2
exec {NSD[1]}>&-
wait
