#!/usr/bin/env bash
# The benchmark: generates a corpus and a codebook of the study's shape, then codes the corpus
# with the fast engine (--jobs 1 and 2) and the reference engine, and prints for each run the
# seconds, MB/s, CPU seconds, peak RSS and the fast/reference ratio, plus the codebook compile
# time and a re-code after a 3-code revision against a full run (on the reference-size corpus,
# then on the full-size one).
#
# Usage: tools/bench/bench.sh [--size 1G] [--reference-size 20M] [--dir DIR] [--keep]
#   --size            corpus size for the fast engine (default 1G)
#   --reference-size  the reference engine is ~100x slower: it runs on a second corpus of the same
#                     kind, this big (default 20M), beside the fast engine, and their MB/s compared;
#                     the re-code runs on it too
#   --dir             where to generate (default: a folder under /tmp, removed unless --keep)
# Results are printed; record them with the machine in docs/benchmarks.md.
set -euo pipefail
cd "$(dirname "$0")/../.."

size=1G
ref_size=20M
dir=""
keep=0
while [ $# -gt 0 ]; do
  case "$1" in
    --size) size="$2"; shift 2 ;;
    --reference-size) ref_size="$2"; shift 2 ;;
    --dir) dir="$2"; shift 2 ;;
    --keep) keep=1; shift ;;
    *) echo "usage: $0 [--size 1G] [--reference-size 20M] [--dir DIR] [--keep]" >&2; exit 2 ;;
  esac
done

scripts/setup.sh --bench
scripts/build.sh build-bench -DCMAKE_BUILD_TYPE=Release -DQCODE_BUILD_TESTS=OFF
bin=build-bench/qcode
gen=build-bench/qcode-gen

if [ -z "$dir" ]; then
  dir=$(mktemp -d /tmp/qcode-bench-XXXXXX)
  [ "$keep" = 1 ] || trap 'rm -rf "$dir"' EXIT
fi
mkdir -p "$dir"
if [ ! -f "$dir/corpus.done" ]; then
  "$gen" corpus --bytes "$size" --out "$dir/corpus"
  "$gen" corpus --bytes "$ref_size" --out "$dir/ref-corpus"
  touch "$dir/corpus.done"
fi
"$gen" codebook --out "$dir/bench.qcb"

bytes_of() { du -sb --apparent-size "$1" | cut -f1; }

# Runs one command on a corpus: prints wall seconds, MB/s, CPU seconds (user + system) and peak
# RSS, and remembers the MB/s and the seconds (mbps_LABEL, secs_LABEL). The CPU time tells, on a
# shared machine, what the wall time would be on a quiet one.
measure() {
  local label="$1" bytes="$2"; shift 2
  local t0 t1
  # Each run waits for its own results.xml to reach the disk (the atomic commit's fsync), not for
  # what the run before it wrote: gigabytes may still be on their way to the disk.
  sync
  t0=$(date +%s.%N)
  /usr/bin/time -f "%M %U %S" -o "$dir/time" "$@" >/dev/null
  t1=$(date +%s.%N)
  local rss user sys secs mbps
  read -r rss user sys < <(tail -1 "$dir/time")
  secs=$(echo "$t1 - $t0" | bc -l)
  mbps=$(echo "$bytes / 1048576 / $secs" | bc -l)
  printf "%-26s %9.1f MB %8.2f s %9.1f MB/s %8.2f s CPU %8.1f MB peak RSS\n" "$label" \
    "$(echo "$bytes / 1048576" | bc -l)" "$secs" "$mbps" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
  eval "mbps_${label//[^a-zA-Z0-9]/_}=$mbps"
  eval "secs_${label//[^a-zA-Z0-9]/_}=$secs"
}

# Codes a corpus with the benchmark codebook, writing results.xml (removed afterwards unless kept:
# a gigabyte corpus gives some 10 GB of it).
run() {
  local label="$1" corpus="$2"; shift 2
  measure "$label" "$(bytes_of "$corpus")" "$bin" code -c "$dir/bench.qcb" --cases "$corpus/cases.tsv" \
    -o "$dir/results-$label.xml" "$@" "$corpus"
  [ "${KEEP_RESULTS:-}" = "$label" ] || rm -f "$dir/results-$label.xml"
}

command -v bc >/dev/null || { echo "bench: needs bc (apt-get install bc)" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs /usr/bin/time (apt-get install time)" >&2; exit 2; }

echo "machine: $(nproc) cores, $(free -g | awk '/Mem:/{print $2}') GiB, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
t0=$(date +%s.%N)
"$bin" check "$dir/bench.qcb" >/dev/null
t1=$(date +%s.%N)
printf "codebook compile (check, incl. process start): %.3f s\n" "$(echo "$t1 - $t0" | bc -l)"

# results.xml format 2, the default (docs/results-format-2.md): quotations by document and span,
# written while coding
KEEP_RESULTS=fast-jobs1 run fast-jobs1 "$dir/corpus" --jobs 1
run fast-jobs2 "$dir/corpus" --jobs 2
# format 1 (quotations by code, written after the run): the same run
run fast-jobs1-format1 "$dir/corpus" --jobs 1 --results-format 1
run fast-jobs2-format1 "$dir/corpus" --jobs 2 --results-format 1
KEEP_RESULTS=fast-ref-sample run fast-ref-sample "$dir/ref-corpus" --jobs 1
run reference "$dir/ref-corpus" --jobs 1 --engine reference

printf "fast/reference (same sample, 1 job): %.1fx\n" "$(echo "$mbps_fast_ref_sample / $mbps_reference" | bc -l)"

# Re-coding after a small revision (the re-coding issue's target: at most 10 % of a full run), on
# the reference-size corpus: the rules of 3 codes of 271 edited; a cold re-code fills the cache,
# then the warm one is timed against the full run above (fast-ref-sample).
awk '/^ *rule /{n++; if (n==1||n==300||n==600) {print $0 " OR \"revisedterm\""; next}} {print}' \
  "$dir/bench.qcb" >"$dir/bench-revised.qcb"
ref_bytes=$(bytes_of "$dir/ref-corpus")
rm -rf "$dir/cache"
measure recode-cold-cache "$ref_bytes" "$bin" recode --jobs 1 --from "$dir/results-fast-ref-sample.xml" \
  --old "$dir/bench.qcb" -c "$dir/bench.qcb" --cases "$dir/ref-corpus/cases.tsv" --cache "$dir/cache" \
  -o "$dir/recode-cold.xml" "$dir/ref-corpus"
# (a copy of the warm cache for the same re-code with two jobs: the first one brings it up to date)
rm -rf "$dir/cache-jobs2" && cp -r "$dir/cache" "$dir/cache-jobs2"
measure recode-3-codes-warm "$ref_bytes" "$bin" recode --jobs 1 --from "$dir/results-fast-ref-sample.xml" \
  --old "$dir/bench.qcb" -c "$dir/bench-revised.qcb" --cases "$dir/ref-corpus/cases.tsv" --cache "$dir/cache" \
  -o "$dir/recode-warm.xml" "$dir/ref-corpus"
measure recode-warm-jobs2 "$ref_bytes" "$bin" recode --from "$dir/results-fast-ref-sample.xml" \
  --old "$dir/bench.qcb" -c "$dir/bench-revised.qcb" --cases "$dir/ref-corpus/cases.tsv" \
  --cache "$dir/cache-jobs2" --jobs 2 -o "$dir/recode-warm.xml" "$dir/ref-corpus"
rm -rf "$dir/recode-cold.xml" "$dir/recode-warm.xml" "$dir/cache-jobs2"
printf "recode (3 codes revised, warm cache) / full run: %.2f (target 0.10); with --jobs 2: %.2f\n" \
  "$(echo "$secs_recode_3_codes_warm / $secs_fast_ref_sample" | bc -l)" \
  "$(echo "$secs_recode_warm_jobs2 / $secs_fast_ref_sample" | bc -l)"
# The same re-code on the full-size corpus, against its one-job run (whose results.xml is --from)
big_bytes=$(bytes_of "$dir/corpus")
rm -rf "$dir/cache"
measure recode-cold-cache-big "$big_bytes" "$bin" recode --jobs 1 --from "$dir/results-fast-jobs1.xml" \
  --old "$dir/bench.qcb" -c "$dir/bench.qcb" --cases "$dir/corpus/cases.tsv" --cache "$dir/cache" \
  -o "$dir/recode-cold.xml" "$dir/corpus"
rm -f "$dir/recode-cold.xml"
measure recode-warm-big "$big_bytes" "$bin" recode --jobs 1 --from "$dir/results-fast-jobs1.xml" \
  --old "$dir/bench.qcb" -c "$dir/bench-revised.qcb" --cases "$dir/corpus/cases.tsv" --cache "$dir/cache" \
  -o "$dir/recode-warm.xml" "$dir/corpus"
rm -rf "$dir/recode-warm.xml" "$dir/cache" "$dir/results-fast-jobs1.xml"
printf "recode (3 codes revised, warm cache) / full run, %s corpus, one job: %.2f (target 0.10)\n" "$size" \
  "$(echo "$secs_recode_warm_big / $secs_fast_jobs1" | bc -l)"
printf "jobs 2 / jobs 1: %.2fx; with results.xml format 1: %.2fx\n" "$(echo "$mbps_fast_jobs2 / $mbps_fast_jobs1" | bc -l)" \
  "$(echo "$mbps_fast_jobs2_format1 / $mbps_fast_jobs1_format1" | bc -l)"
