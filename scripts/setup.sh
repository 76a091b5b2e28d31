#!/usr/bin/env bash
# Installs the Debian packages qcode needs to build and test, when any are missing.
# As root it runs apt-get; otherwise it prints the one command to run and fails.
# Usage: scripts/setup.sh [--fuzz] [--bench]
#   --fuzz   adds clang for the libFuzzer targets; --bench adds bc and time for tools/bench
set -euo pipefail

packages=(gcc g++ make cmake pkg-config libpcre2-dev libxml2-dev libutf8proc-dev libcriterion-dev
          libzip-dev zlib1g-dev libxml2-utils)
for arg in "$@"; do
  case "$arg" in
    --fuzz) packages+=(clang libclang-rt-14-dev) ;;
    --bench) packages+=(bc time) ;;
    *) echo "usage: scripts/setup.sh [--fuzz] [--bench]" >&2; exit 2 ;;
  esac
done

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "setup: installing missing Debian packages: ${missing[*]}" >&2
if [ "$(id -u)" -eq 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
  sudo apt-get update -qq
  sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
else
  echo "setup: run this as root, then try again:" >&2
  echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
  exit 1
fi
