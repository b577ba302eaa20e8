#!/bin/sh
# SPDX-License-Identifier: Apache-2.0
# Install the Debian packages of the given groups of tools/debian-packages.txt
# (test, check, cross, bench, or all) that are not installed yet.
#
#   tools/install-deps.sh GROUP...      (make targets call it for their group)
#
# With dpkg: names the missing packages and installs them with
#   apt-get install -y --no-install-recommends
# (apt-get update first when the package lists are empty, or when the install
# fails), as root or through `sudo -n`, apt-get's output going to a log shown
# if it fails; without root or sudo, prints the exact command to run and
# fails. Nothing missing: no output, exit 0.
# Without dpkg and apt-get (macOS, other distributions): installs nothing; checks the
# commands, headers and Python modules the list gives for each package, and
# fails naming the packages whose checks fail.
# MODESP_NO_DEPS=1 skips everything (you manage the packages yourself).
set -eu

[ "${MODESP_NO_DEPS:-}" = 1 ] && exit 0

me=install-deps
list=$(cd "$(dirname "$0")" && pwd)/debian-packages.txt
if [ $# -eq 0 ]; then
    echo "usage: $0 GROUP...   (groups:$(sed -n 's/^\[\([a-z0-9_-]*\)\].*/ \1/p' "$list" | tr -d '\n') all)" >&2
    exit 2
fi
for g in "$@"; do
    if [ "$g" != all ] && ! grep -q "^\[$g\]" "$list"; then
        echo "$me: no group [$g] in $list" >&2
        exit 2
    fi
done

# "package check..." for each package of the groups asked for, once each.
entries=$(awk -v want=" $* " '
    { sub(/#.*/, "") }
    /^[ \t]*\[/ { group = $0; gsub(/[][ \t]/, "", group); next }
    NF == 0 { next }
    (index(want, " all ") || index(want, " " group " ")) && !seen[$1]++ { print }
' "$list")
packages=$(printf '%s\n' "$entries" | awk '{ print $1 }')
if [ $# -gt 1 ]; then what="groups $*"; else what="group $1"; fi

# --- Without dpkg and apt: check for hand-installed tools, install nothing. ---
if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    py=python3
    [ -x /usr/bin/python3 ] && py=/usr/bin/python3
    notfound=""
    failed=""
    while read -r pkg checks; do
        for c in $checks; do
            case $c in
            cmd:*) command -v "${c#cmd:}" >/dev/null 2>&1 && continue ;;
            py:*) "$py" -c "import ${c#py:}" >/dev/null 2>&1 && continue ;;
            h:*)
                h=${c#h:}
                printf '#include <%s>\n' "$h" | ${CC:-cc} -E -x c - >/dev/null 2>&1 && continue
                found=""
                for d in $(printf '%s' "${CPATH:-}" | tr ':' ' ') /usr/local/include /opt/homebrew/include; do
                    [ -f "$d/$h" ] && found=1
                done
                [ -n "$found" ] && continue ;;
            esac
            notfound="$notfound $pkg"
            failed="$failed $c"
            break
        done
    done <<EOF
$entries
EOF
    [ -z "$notfound" ] && exit 0
    echo "$me: no dpkg and apt-get here, so nothing is installed; for $what, install the equivalents of" >&2
    echo "$me: these Debian packages:$notfound (not found:$failed)," >&2
    echo "$me: or set MODESP_NO_DEPS=1 to skip this check." >&2
    exit 1
fi

# --- Debian: what dpkg does not have installed. ---
missing_packages() {
    # shellcheck disable=SC2086 # one word per package
    installed=$(dpkg-query -W -f='${Package} ${Status}\n' $packages 2>/dev/null |
        awk '$NF == "installed" { printf " %s", $1 }')
    missing=""
    for p in $packages; do
        case "$installed " in
        *" $p "*) ;;
        *) missing="$missing $p" ;;
        esac
    done
    missing=${missing# }
}
missing_packages
[ -z "$missing" ] && exit 0

lists_empty() { ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; }

if [ "$(id -u)" = 0 ]; then
    run=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    run="sudo -n"
else
    echo "$me: missing Debian packages for $what: $missing" >&2
    install_cmd="apt-get install -y --no-install-recommends $missing"
    if command -v sudo >/dev/null 2>&1; then s="sudo "; else s=""; fi
    if lists_empty; then pre="${s}apt-get update && "; else pre=""; fi
    if [ -n "$s" ]; then
        echo "$me: run:  $pre${s}$install_cmd" >&2
    else
        echo "$me: run as root:  $pre$install_cmd" >&2
    fi
    echo "$me: then the make command again." >&2
    exit 1
fi

# Parallel make runs several targets that call this script: one installs,
# the others wait, then find nothing missing.
lock="${TMPDIR:-/tmp}/modesp-install-deps.$(id -u).lock"
if command -v flock >/dev/null 2>&1 && (: >>"$lock") 2>/dev/null; then
    exec 9>>"$lock"
    flock 9
    missing_packages
    [ -z "$missing" ] && exit 0
fi

# apt-get's and dpkg's output (hundreds of lines) goes to a log; `apt` shows its
# end when apt-get fails, `try_apt` (a failure retried) does not.
log="${TMPDIR:-/tmp}/modesp-install-deps.$(id -u).log"
try_apt() {
    echo "$me: ${run:+$run }apt-get $*"
    # shellcheck disable=SC2086 # $run is empty or "sudo -n"
    $run env DEBIAN_FRONTEND=noninteractive apt-get "$@" >>"$log" 2>&1
}
apt() {
    try_apt "$@" && return 0
    echo "$me: apt-get failed; the end of $log:" >&2
    tail -n 15 "$log" >&2
    return 1
}
(: >"$log") 2>/dev/null || log=/dev/null
echo "$me: installing the Debian packages missing for $what: $missing"
# shellcheck disable=SC2086 # $missing: one word per package
if lists_empty; then
    apt -q update
    apt -q install -y --no-install-recommends $missing
elif ! try_apt -q install -y --no-install-recommends $missing; then
    echo "$me: that failed; updating the package lists and trying again"
    apt -q update
    apt -q install -y --no-install-recommends $missing
fi
missing_packages
if [ -n "$missing" ]; then
    echo "$me: still not installed: $missing" >&2
    exit 1
fi
echo "$me: done (packages set up: $(grep -c '^Setting up ' "$log"); apt-get's output: $log)"
