#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Generate sdkconfig.h for the host build from the component's Kconfig.

The same Kconfig ESP-IDF reads on a device; values come from its defaults,
overridden by an optional sdkconfig file (the one `make menuconfig` writes).
Usage: gen_config.py KCONFIG OUT_HEADER [SDKCONFIG]

Each sdkconfig line is checked before kconfiglib reads it; a trailing
`# comment` is accepted. Anything kconfiglib would ignore or change (see the
README) is printed as FILE:LINE: CONFIG_NAME: problem, and the script exits 1
without writing the header.
"""
import difflib
import os
import re
import sys
import tempfile

try:
    import kconfiglib
    from kconfiglib import BOOL, HEX, INT, STRING, TRISTATE
except ImportError:
    sys.exit("gen_config.py: python3-kconfiglib is missing: apt-get install python3-kconfiglib")

SETTING = re.compile(r"(CONFIG_)?([A-Za-z0-9_]+)(\s*)=(\s*)(.*)$")
UNSET = re.compile(r"#\s*CONFIG_([A-Za-z0-9_]+) is not set$")
WARNING = re.compile(r"(.*?):(\d+): warning: (.*)$", re.S)
# Accepted spelling of a value per type, and how to say it in a message.
VALUE = {BOOL: (r"[yn]", "y or n"), TRISTATE: (r"[ymn]", "y, m or n"),
         INT: (r"-?(0|[1-9][0-9]*)", "a decimal number without leading zeros"),
         HEX: (r"(0[xX])?[0-9a-fA-F]+", "a hex number such as 0xDE"),
         STRING: (r'"(?:[^\\"]|\\.)*"', 'a double-quoted string')}


def strip_comment(value):
    """Cuts a trailing '# comment' that is outside double quotes."""
    quoted = escaped = False
    for i, c in enumerate(value):
        if escaped:
            escaped = False
        elif c == "\\":
            escaped = quoted
        elif c == '"':
            quoted = not quoted
        elif c == "#" and not quoted:
            return value[:i].rstrip()
    return value.rstrip()


def base(sym):
    """Number base of an int or hex symbol."""
    return 16 if sym.orig_type is HEX else 10


def check_value(kconf, name, value):
    """Problem with `CONFIG_name=value` (value None: `is not set`), or None."""
    sym = kconf.syms.get(name)
    if sym is None or not sym.nodes:
        if name in kconf.named_choices:
            choices = " or ".join("CONFIG_%s=y" % s.name for s in kconf.named_choices[name].syms)
            return "is a choice, not a symbol: set one of its symbols, %s" % choices
        known = [s.name for s in kconf.unique_defined_syms]
        close = difflib.get_close_matches(name, known, n=1)
        hint = "did you mean CONFIG_%s?" % close[0] if close else "the README lists the symbols"
        return "unknown symbol, not defined in %s; %s" % (os.path.basename(kconf.filename), hint)
    if value is None:
        if sym.orig_type in (BOOL, TRISTATE):
            return None
        return "'is not set' is only for bool symbols: write CONFIG_%s=<value> or delete the line" % name
    pattern, spelling = VALUE[sym.orig_type]
    if not re.fullmatch(pattern, value):
        return "'%s' is not a valid %s value: write %s, e.g. CONFIG_%s=%s" % (
            value, kconfiglib.TYPE_TO_STR[sym.orig_type], spelling, name, sym.str_value)
    return None


def read_sdkconfig(kconf, path):
    """Checks every line; returns (cleaned lines, {name: (line, value)}, problems)."""
    cleaned, assigned, problems = [], {}, []
    with open(path) as f:
        lines = f.read().splitlines()
    for nr, raw in enumerate(lines, 1):
        line = raw.strip()
        cleaned.append("")
        unset = UNSET.match(line)
        if not line or (line.startswith("#") and not unset):
            continue
        setting = SETTING.match(line)
        if unset:
            name, value = unset.group(1), None
        elif not setting:
            problems.append((nr, None, "'%s' is not a setting: write CONFIG_NAME=value, "
                             "'# CONFIG_NAME is not set' or a '#' comment" % line))
            continue
        else:
            prefix, name, space1, space2, value = setting.groups()
            value = strip_comment(value)
            if not prefix or space1 or space2:
                problems.append((nr, "CONFIG_" + name, "write it as CONFIG_%s=%s "
                                 "(with the CONFIG_ prefix, no spaces around '=')" % (name, value)))
                continue
        problem = check_value(kconf, name, value)
        if not problem and name in assigned:
            problem = "already set on line %d: keep one of the two lines" % assigned[name][0]
        if problem:
            problems.append((nr, "CONFIG_" + name, problem))
            continue
        assigned[name] = (nr, value)
        cleaned[-1] = "# CONFIG_%s is not set" % name if value is None else "CONFIG_%s=%s" % (name, value)
    return cleaned, assigned, problems


def active_range(sym):
    for low, high, cond in sym.ranges:
        if kconfiglib.expr_value(cond):
            return int(low.str_value, base(sym)), int(high.str_value, base(sym))
    return None


def check_result(sym, value):
    """After loading: why the value the file gives `sym` is not the one it gets, or None."""
    got = sym.str_value
    if sym.orig_type in (INT, HEX) and value is not None:
        limits = active_range(sym)
        if limits and not limits[0] <= int(value, base(sym)) <= limits[1]:
            low, high = (hex(x) if sym.orig_type is HEX else str(x) for x in limits)
            return "%s is outside the range %s..%s that Kconfig allows: write a value in it, " \
                "e.g. CONFIG_%s=%s" % (value, low, high, sym.name, got)
        same = got != "" and int(value, base(sym)) == int(got, base(sym))
    elif sym.orig_type is STRING:
        same = kconfiglib.unescape(value[1:-1]) == got
    else:
        same = (value or "n")[0] == got
    if same:
        return None
    if sym.choice and sym.choice.selection:
        return "gets %s because choice %s selects CONFIG_%s: set exactly one symbol of the choice to y" % (
            got, sym.choice.name, sym.choice.selection.name)
    if not sym.visibility:
        return "has no effect: it depends on %s, which is not met; set that first or delete the line" % (
            kconfiglib.expr_str(sym.direct_dep))
    return "was set to %s but Kconfig gives it %s" % (value or "n", got)


def check_config(kconf, path):
    """Loads `path` (if given) into kconf; returns its problems as FILE:LINE: lines."""
    problems, assigned, tmp = [], {}, None
    if path:
        cleaned, assigned, problems = read_sdkconfig(kconf, path)
        fd, tmp = tempfile.mkstemp(prefix="sdkconfig.", suffix=".clean")
        with os.fdopen(fd, "w") as f:
            f.write("\n".join(cleaned) + "\n")
        try:
            kconf.load_config(tmp)
        finally:
            os.remove(tmp)
        for name, (nr, value) in assigned.items():
            problem = check_result(kconf.syms[name], value)
            if problem:
                problems.append((nr, "CONFIG_" + name, problem))
    for sym in kconf.unique_defined_syms:
        sym.str_value  # evaluates every value, so kconfiglib emits its warnings now
    lines = {nr: "CONFIG_" + name for name, (nr, _) in assigned.items()}
    seen = {nr for nr, _, _ in problems}
    in_kconfig = []  # warnings about the Kconfig file itself carry their own location
    for warning in kconf.warnings:
        where = WARNING.match(warning)
        text = "kconfiglib: " + (where.group(3) if where else warning.replace("warning: ", "", 1))
        if where and where.group(1) != tmp:
            in_kconfig.append("%s:%s: %s" % (where.group(1), where.group(2), text))
            continue
        nr = int(where.group(2)) if where else next(
            (nr for nr, name in lines.items() if re.search(r"\b%s\b" % name[len("CONFIG_"):], text)), 0)
        if not nr or nr not in seen:
            problems.append((nr, lines.get(nr), text))
    out = []
    for nr, name, text in sorted(problems, key=lambda p: p[0]):
        where = "%s:%d" % (path, nr) if nr else path or kconf.filename
        out.append("%s: %s%s" % (where, name + ": " if name else "", text))
    return in_kconfig + out


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    kconfig, out = sys.argv[1], sys.argv[2]
    sdkconfig = sys.argv[3] if len(sys.argv) == 4 and os.path.exists(sys.argv[3]) else ""
    kconf = kconfiglib.Kconfig(kconfig, warn_to_stderr=False)
    problems = check_config(kconf, sdkconfig)
    for problem in problems:
        sys.stderr.write(problem + "\n")
    if problems:
        sys.exit("gen_config.py: %d problem(s) in %s; sdkconfig.h not written" % (
            len(problems), sdkconfig or kconfig))
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    tmp = out + ".tmp"
    kconf.write_autoconf(tmp, header="/* Generated from Kconfig by tools/gen_config.py: do not edit. */\n")
    # Rewrite only on change, so an unchanged configuration does not rebuild everything.
    new = open(tmp).read()
    old = open(out).read() if os.path.exists(out) else None
    if new != old:
        os.replace(tmp, out)
    else:
        os.remove(tmp)


if __name__ == "__main__":
    main()
