#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Print the library's sources of the given layers (src/sources.txt), or with
# --warnings the flags of the given warning sets (tools/warnings.txt), as one
# line of space-separated words. Paths are relative to the project root.
#   tools/sources.sh pool manager errors port-posix
#   tools/sources.sh --warnings all core gcc
set -eu
root=$(cd "$(dirname "$0")/.." && pwd)
file="$root/src/sources.txt"
if [ "${1:-}" = "--warnings" ]; then
    file="$root/tools/warnings.txt"
    shift
fi
[ "$#" -gt 0 ] || { echo "usage: $0 [--warnings] SET..." >&2; exit 2; }
awk -v want=" $* " '
    /^[ \t]*(#|$)/ { next }
    index(want, " " $1 " ") { for (i = 2; i <= NF; i++) out = out (out == "" ? "" : " ") $i }
    END { print out }' "$file"
