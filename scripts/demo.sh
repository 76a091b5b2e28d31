#!/usr/bin/env bash
# Quick start, first command: install what is missing, build, and run the main job on the
# shipped codebook and sample corpus.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh build
./build/qcode code -c codebooks/integrated-care.qcb --cases corpora/integrated-care/cases.tsv \
    -o results.xml --tsv results-tsv corpora/integrated-care/
echo "demo: wrote results.xml and results-tsv/ (see docs/results-format-2.md and docs/results.md)" >&2
