#!/usr/bin/env bash
# The whole test suite, from a fresh machine: installs what the tests need (JDK >= 21, Maven, NSD, ...),
# runs every test (the tests start their own NSD on a loopback port), lints the SAM template, then
# checks the launcher.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"

scripts/setup --test
JAVA_HOME=$(scripts/java-home)
export JAVA_HOME

mvn -B verify "$@"

# The SAM template as CloudFormation will take it (cfn-lint applies the SAM transform first).
cfn-lint infra/template.yaml
echo "cfn-lint: infra/template.yaml is clean"

# The launcher on the README's example list: one result per input line. Port 1 on loopback has no
# DNS server, so every domain comes out as an unknown after an immediate "port unreachable".
in=$(wc -l < examples/addresses.txt)
out=$(./checker check --dns 127.0.0.1:1 --format jsonl --quiet examples/addresses.txt | wc -l)
if [ "$in" -ne "$out" ]; then
  echo "launcher: $in addresses in, $out results out" >&2
  exit 1
fi
echo "launcher: $in addresses in, $out results out"
