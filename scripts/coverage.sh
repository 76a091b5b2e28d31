#!/usr/bin/env bash
# Line coverage of the library and the command line by the whole test suite (gcov, from gcc): a
# feature no test runs is a feature no test would see break. Builds with --coverage in
# build-coverage (or $QCODE_COVERAGE_DIR), runs ctest, then prints each source file of engine/ and
# tools/ by the share of its lines executed, lowest first, and the functions never entered.
# The annotated sources (FILE.c.gcov, `#####` for lines never run) are left in
# build-coverage/gcov/. A process ended by a signal writes no counts, so the signal handlers
# (tools/interrupt.c, engine/temp_files.c) show as never run though tests/test_signals.c runs them.
# Not part of CI: a finding is read by a person, who writes the test (or removes dead code).
# Usage: scripts/coverage.sh
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${QCODE_COVERAGE_DIR:-build-coverage}
scripts/setup.sh
command -v gcov >/dev/null || { echo "coverage: gcov (from gcc) is not installed" >&2; exit 2; }
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="--coverage -O0" \
  -DCMAKE_EXE_LINKER_FLAGS=--coverage -DCMAKE_SHARED_LINKER_FLAGS=--coverage >/dev/null
cmake --build "$dir" -j"$(nproc)"
dir=$(cd "$dir" && pwd) # gcov runs from another folder
find "$dir" -name '*.gcda' -delete # counts from this run only
(cd "$dir" && ctest -j"$(nproc)" --output-on-failure)

out="$dir/gcov"
rm -rf "$out"
mkdir -p "$out"
summary="$out/summary.txt"
: >"$summary"
for objdir in "$dir"/engine/CMakeFiles/qcode.dir "$dir"/tools/CMakeFiles/qcode_cli.dir; do
  for gcda in "$objdir"/*.gcda; do
    (cd "$out" && gcov -f -o "$objdir" "$gcda" >>"$summary" 2>/dev/null) || true
  done
done

echo "== lines executed, by file (lowest first)"
awk -v root="$root/" '
  /^File / { f = $2; gsub("\x27", "", f) }
  /^Lines executed:/ && f != "" {
    if (index(f, root) == 1) { split($2, a, ":"); sub("%", "", a[2]); printf "%6.2f%%  %5d lines  %s\n", a[2], $4, substr(f, length(root) + 1) }
    f = ""
  }' "$summary" | sort -n | uniq
echo "== functions never entered"
# gcov -f gives each function's lines before the summary of its file.
awk -v root="$root/" '
  /^Function / { fn = $2; gsub("\x27", "", fn) }
  /^Lines executed:0.00%/ && fn != "" { never[++n] = fn }
  /^Lines executed:/ { fn = "" }
  /^File / {
    f = $2; gsub("\x27", "", f)
    if (index(f, root) == 1)
      for (i = 1; i <= n; i++) printf "  %s: %s\n", substr(f, length(root) + 1), never[i]
    n = 0
  }' "$summary" | sort -u
echo "coverage: annotated sources in $out (lines marked ##### were never run)"
