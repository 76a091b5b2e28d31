#!/usr/bin/env bash
# Builds qcode with ThreadSanitizer in build-tsan and runs what uses threads under it: the corpus
# runner (qc_corpus_run) through `qcode code --jobs N` (2 and 4 workers, both engines, every
# output) on the sample and golden corpora, `qcode quotes --jobs 2`, re-codes with and without a
# cache (`qcode code --cache` too), a failing document in the middle of a run, and --strict
# stopping the workers. Any ThreadSanitizer report fails the run
# (its log is left in build-tsan/tsan-logs/). Criterion's test runner cannot start under
# ThreadSanitizer ("Could not initialize inheritable arena"), so the threads are driven through
# the command line, which calls the same library entry points.
# Usage: scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."
dir=build-tsan
scripts/setup.sh
cmake -S . -B "$dir" -DQCODE_TSAN=ON -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build "$dir" -j"$(nproc)" --target qcode_cli qcode-gen

logs="$dir/tsan-logs"
rm -rf "$logs"
mkdir -p "$logs"
# halt_on_error stops at the first race; log_path keeps each process's report apart.
export TSAN_OPTIONS="halt_on_error=1 exitcode=66 second_deadlock_stack=1 log_path=$PWD/$logs/tsan"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
status=0

run() {
  local what="$1"
  shift
  if "$@" >"$out/stdout" 2>"$out/stderr"; then
    echo "tsan: $what: clean"
  else
    echo "tsan: $what: FAILED (exit $?)"
    head -20 "$out/stderr"
    status=1
  fi
}

for jobs in 2 4; do
  for engine in fast reference; do
    run "qcode code --jobs $jobs --engine $engine (sample corpus)" \
      "$dir"/qcode code -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv \
        --jobs "$jobs" --engine "$engine" -o "$out/results.xml" --tsv "$out/tsv" corpora/integrated-care/
  done
  run "qcode code --jobs $jobs (golden corpus)" \
    "$dir"/qcode code -c tests/golden/golden.qcb --cases tests/golden/corpus/cases.tsv --jobs "$jobs" \
      -o "$out/golden.xml" tests/golden/corpus/
done
# A generated corpus big enough (over 10,000 quotations) for results.xml's quotations to be
# rendered by several threads: format 2 (the default) by the coding threads as they go, format 1
# by the writer's threads after the run.
"$dir"/qcode-gen corpus --bytes 1M --out "$out/gen" 2>/dev/null
"$dir"/qcode-gen codebook --out "$out/gen.qcb"
run "qcode code --jobs 2 (generated corpus, format 2 spans rendered by the coding threads)" \
  "$dir"/qcode code -c "$out/gen.qcb" --cases "$out/gen/cases.tsv" --jobs 2 -o "$out/gen2.xml" "$out/gen"
run "qcode code --jobs 2 --tsv (generated corpus, format 2 streamed beside the quotation log)" \
  "$dir"/qcode code -c "$out/gen.qcb" --cases "$out/gen/cases.tsv" --jobs 2 -o "$out/gen2.xml" --tsv "$out/gen-tsv" "$out/gen"
run "qcode code --jobs 2 (generated corpus, format 1 quotations rendered by 2 threads)" \
  "$dir"/qcode code -c "$out/gen.qcb" --cases "$out/gen/cases.tsv" --jobs 2 --results-format 1 -o "$out/gen.xml" "$out/gen"
# Small render blocks: threads rendering ahead fill the pipeline and wait for the writer.
run "qcode code --jobs 2 (generated corpus, format 1, 3 render threads, 4 KB blocks)" \
  env QCODE_WRITE_JOBS=3 QCODE_TEST_RENDER_BLOCK=4096 "$dir"/qcode code -c "$out/gen.qcb" --cases "$out/gen/cases.tsv" --jobs 2 --results-format 1 -o "$out/gen.xml" "$out/gen"
# Small direct-output buffers: the writer threads take hundreds of them, out of order.
run "qcode code --jobs 2 (generated corpus, format 1, direct output through 8 KB buffers)" \
  env QCODE_TEST_DIRECT_STAGE=8192 "$dir"/qcode code -c "$out/gen.qcb" --cases "$out/gen/cases.tsv" --jobs 2 --results-format 1 -o "$out/gen-direct.xml" "$out/gen"
run "qcode quotes --jobs 2 --rollup" \
  "$dir"/qcode quotes -c codebooks/integrated-care.qcb --jobs 2 --rollup NURSING corpora/integrated-care/
# A re-code: each document coded with both codebooks by the runner's threads; without a cache,
# then through one, which they share (its statistics counted atomically): cold, then warm.
run "qcode recode --jobs 2 (sample corpus, v2 -> current)" \
  "$dir"/qcode recode --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb \
    --cases corpora/integrated-care/cases.tsv --jobs 2 -o "$out/recoded.xml" corpora/integrated-care/
for pass in cold warm; do
  run "qcode recode --jobs 2 --cache, $pass (sample corpus, v2 -> current)" \
    "$dir"/qcode recode --old codebooks/integrated-care-v2.qcb -c codebooks/integrated-care.qcb \
      --cases corpora/integrated-care/cases.tsv --cache "$out/cache" --jobs 2 -o "$out/recoded.xml" \
      corpora/integrated-care/
done
# qcode code through a cache (its threads share it), then a re-code from those results without
# --old: the old codebook found in the cache, the old side coded through it.
run "qcode code --jobs 2 --cache (sample corpus, v2)" \
  "$dir"/qcode code -c codebooks/integrated-care-v2.qcb --cases corpora/integrated-care/cases.tsv \
    --cache "$out/cache-code" --jobs 2 -o "$out/v2.xml" corpora/integrated-care/
run "qcode recode --from --jobs 2 --cache, old codebook found (sample corpus, v2 -> current)" \
  "$dir"/qcode recode --from "$out/v2.xml" -c codebooks/integrated-care.qcb \
    --cases corpora/integrated-care/cases.tsv --cache "$out/cache-code" --jobs 2 -o "$out/recoded.xml" \
    corpora/integrated-care/
# A results.xml listing a person's coding (coder="Ann") on a document edited since: the file is
# read during the run, at that document, while the threads code the documents after it
# (docs/recode.md); without a cache, then through one.
mkdir -p "$out/people"
for i in 1 2 3 4 5 6 7 8; do
  printf 'Interviewer: Are you co-located?\nNurse: We are co-located now, %s.\nNurse: Yes.\n' "$i" >"$out/people/t$i.txt"
done
printf 'codebook "P"\ncode TEAM "Team"\n  rule co-locat*\n' >"$out/people/cb.qcb"
printf '%s\n' '<?xml version="1.0" encoding="UTF-8"?>' '<manual xmlns="urn:qcode:manual:1">' \
  '  <coding code="TEAM" document="t3.txt" start="40" end="61" coder="Ann"><text>We are co-located now</text></coding>' \
  '</manual>' >"$out/people/m.xml"
people=("$out"/people/t?.txt)
run "qcode code --manual (a person's coding)" \
  "$dir"/qcode code -c "$out/people/cb.qcb" --manual "$out/people/m.xml" -o "$out/people/r.xml" "${people[@]}"
printf 'Nurse: Added since.\n' >>"$out/people/t3.txt"
for cache in "" "--cache $out/people/cache" "--cache $out/people/cache"; do
  run "qcode recode --from --jobs 2 $cache (a person's coding on a document edited since)" \
    "$dir"/qcode recode --from "$out/people/r.xml" -c "$out/people/cb.qcb" --jobs 2 $cache -o "$out/people/r2.xml" \
      "${people[@]}"
done

# A document that cannot be read in the middle of a run: reported (exit 1), the others coded;
# with --strict the workers are stopped at it (exit 1, nothing written).
expect_exit() {
  local what="$1" want="$2"
  shift 2
  local got=0
  "$@" >"$out/stdout" 2>"$out/stderr" || got=$?
  if [ "$got" -eq "$want" ]; then
    echo "tsan: $what: clean"
  else
    echo "tsan: $what: FAILED (exit $got, expected $want)"
    head -20 "$out/stderr"
    status=1
  fi
}
printf 'S1: \377 not UTF-8\n' >"$out/bad.txt"
mapfile -t docs < <(ls corpora/integrated-care/*.txt corpora/integrated-care/*.md 2>/dev/null | head -8)
expect_exit "a failing document among 9, --jobs 2" 1 \
  "$dir"/qcode code -c codebooks/integrated-care.qcb --jobs 2 -o "$out/partial.xml" "${docs[@]:0:4}" "$out/bad.txt" \
    "${docs[@]:4}"
expect_exit "--strict stops the workers at a failing document, --jobs 4" 1 \
  "$dir"/qcode code -c codebooks/integrated-care.qcb --jobs 4 --strict -o "$out/strict.xml" "${docs[@]:0:2}" \
    "$out/bad.txt" "${docs[@]:2}"

if ls "$logs"/tsan* >/dev/null 2>&1; then
  echo "tsan: reports written:"
  head -40 "$logs"/tsan*
  status=1
fi
exit $status
