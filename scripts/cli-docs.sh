#!/usr/bin/env bash
# Regenerates the "qcode help" reference at the end of docs/cli.md from the built binary, so the
# manual says what `qcode help COMMAND` says. Usage: scripts/cli-docs.sh [path/to/qcode]
set -euo pipefail
cd "$(dirname "$0")/.."
bin="${1:-build/qcode}"
doc=docs/cli.md
commands=$("$bin" --help | awk '/^Commands:/{on=1; next} on && /^  [a-z]/{print $1} on && /^$/{exit}')
{
  sed '/<!-- BEGIN qcode help -->/q' "$doc"
  for c in $commands; do
    printf '\n### qcode help %s\n\n```\n' "$c"
    "$bin" help "$c"
    printf '```\n'
  done
  printf '\n'
  sed -n '/<!-- END qcode help -->/,$p' "$doc"
} > "$doc.new"
mv "$doc.new" "$doc"
