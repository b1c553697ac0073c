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

# The launcher on the README's example list, as a new user's first runs after a build (its start-up cache
# removed): one result per input line, and on stderr nothing but the checker's own lines (before: the
# JVM's AOT-cache lines, "Picked up JAVA_TOOL_OPTIONS: ..."). Port 1 on loopback has no DNS server, so
# every domain comes out as an unknown after an immediate "port unreachable".
rm -rf target/checker.aot target/checker.aot.lock target/checker.aotconf
in=$(wc -l < examples/addresses.txt)
for run in first second; do
  out=$(./checker check --dns 127.0.0.1:1 --format jsonl --quiet examples/addresses.txt 2>target/launcher.err | wc -l)
  if [ "$in" -ne "$out" ] || grep -qv '^checker: ' target/launcher.err; then
    echo "launcher, $run run: $in addresses in, $out results out; on stderr:" >&2
    cat -A target/launcher.err >&2
    exit 1
  fi
done
major=$(sed -n 's/^JAVA_VERSION="\([0-9]*\).*/\1/p' "$JAVA_HOME/release")
if [ "${major:-0}" -ge 25 ] && [ ! -f target/checker.aot ]; then
  echo "launcher: no start-up cache after two runs on JDK 25 or later (see target/checker.aot.log)" >&2
  exit 1
fi
# The cache is one the JVM takes with the launcher's options (-XX:AOTMode=on fails a run whose cache does not
# match them, where the launcher's own runs would go on silently without it), and a launcher newer than its cache
# (other options) has it remade by the next two runs as after a build.
if [ "${major:-0}" -ge 25 ]; then
  launcher_cache_used() {
    CHECKER_JAVA_OPTS=-XX:AOTMode=on ./checker check --dns 127.0.0.1:1 --format jsonl --quiet examples/addresses.txt \
        >/dev/null 2>target/launcher.err || { echo "launcher: the JVM refused its start-up cache ($1):" >&2
      cat target/launcher.err >&2; exit 1; }
  }
  launcher_cache_used "after a build"
  touch checker
  for run in first second; do
    ./checker check --dns 127.0.0.1:1 --format jsonl --quiet examples/addresses.txt >/dev/null 2>target/launcher.err
  done
  if ! [ target/checker.aot -nt checker ]; then
    echo "launcher: the start-up cache was not remade after the launcher changed" >&2
    exit 1
  fi
  launcher_cache_used "after the launcher changed"
fi
# Which compilers a list run gets: the first tier alone for a list small enough to be over in seconds, both for a
# long one (a file, or a gzip file unpacked, past the launcher's bound) and for standard input, whose length is
# unknown. The value of -o is not the input.
tiers() {
  CHECKER_JAVA_OPTS=-XX:+PrintFlagsFinal ./checker check --dns 127.0.0.1:1 --format jsonl --quiet "$@" </dev/null \
      2>&1 >/dev/null | sed -n 's/^ *intx TieredStopAtLevel *= *\([0-9]\).*/\1/p'
}
head -c 41000000 /dev/zero | tr '\0' a > target/long-list.txt
gzip -c target/long-list.txt > target/long-list.txt.gz
for row in "1|examples/addresses.txt" "4|target/long-list.txt" "4|target/long-list.txt.gz" "4|-" "4|" \
    "1|-o target/long-list.txt examples/addresses.txt"; do
  # shellcheck disable=SC2086 # the row's arguments are split on purpose
  got=$(tiers ${row#*|})
  if [ "$got" != "${row%%|*}" ]; then
    echo "launcher: check ${row#*|} ran with TieredStopAtLevel=$got, not ${row%%|*}" >&2
    exit 1
  fi
done
rm -f target/long-list.txt target/long-list.txt.gz
echo "launcher: $in addresses in, $out results out, nothing but its own lines on stderr; compilers chosen by the list's length"
