#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan + UBSan) and runs each for a bounded time on a
# copy of its saved corpus. Fails when any target finds a crash, a leak or a sanitizer error;
# the input that did it is left in build-fuzz/findings/ (add it to tests/fuzz/corpus/TARGET/ once
# fixed, so the replay test keeps it fixed).
# Usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (default 60 s, every target)
# QCODE_FUZZ_DIR names the build folder (default build-fuzz), e.g. for a long run beside CI's.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-60}"
shift || true
bdir="${QCODE_FUZZ_DIR:-build-fuzz}"
scripts/setup.sh --fuzz
CC=clang scripts/build.sh "$bdir" -DQCODE_BUILD_FUZZERS=ON -DQCODE_BUILD_TESTS=OFF -DBUILD_SHARED_LIBS=OFF \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  targets=()
  for f in "$bdir"/fuzz/fuzz_*; do targets+=("$(basename "$f" | sed 's/^fuzz_//')"); done
fi
mkdir -p "$bdir"/findings
status=0
for t in "${targets[@]}"; do
  work=$(mktemp -d)
  cp tests/fuzz/corpus/"$t"/* "$work"/
  case "$t" in
    codebook) dict=tests/fuzz/dict/codebook.dict ;;
    qdpx | qde | qdc) dict=tests/fuzz/dict/refi.dict ;;
    results | recode_from) dict=tests/fuzz/dict/results.dict ;;
    cache_entry) dict="" ;; # its input is edits to an entry: no words to offer
    *) dict=tests/fuzz/dict/transcript.dict ;;
  esac
  dict_arg=()
  [ -n "$dict" ] && dict_arg=(-dict="$dict")
  log="$bdir"/findings/"$t".log
  if "$bdir"/fuzz/fuzz_"$t" -max_total_time="$seconds" -max_len=8192 -timeout=10 -rss_limit_mb=2048 \
       "${dict_arg[@]}" -artifact_prefix="$bdir"/findings/"$t"- "$work" >"$log" 2>&1; then
    echo "fuzz $t: $(grep -E '^#[0-9]+' "$log" | tail -1)"
  else
    echo "fuzz $t: FAILED (see $log)"
    grep -E "ERROR|SUMMARY|runtime error" "$log" | head -5 || true
    status=1
  fi
  rm -rf "$work"
done
exit $status
