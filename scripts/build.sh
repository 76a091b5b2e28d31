#!/usr/bin/env bash
# Configures and builds qcode into a build folder (default: build). Extra arguments go to cmake.
# Usage: scripts/build.sh [BUILD_DIR] [-DOPTION=VALUE...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-build}"
shift || true
cmake -S . -B "$dir" "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
