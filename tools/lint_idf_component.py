#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Lint the ESP-IDF packaging: idf_component.yml, the example's manifest, and Kconfig's style.

`make lint` (and so `make check`) runs it; Debian python3-yaml reads the manifests.

idf_component.yml (IDF Component Manager manifest):
  - the keys the registry shows or needs: version (semantic), description, license (an SPDX
    identifier that matches ./LICENSE), url, repository, documentation, issues (https URLs),
    tags (lowercase words), dependencies.idf (a version range);
  - targets, if present, only known chip names (ESP-IDF's supported targets);
  - files.exclude keeps the host-only trees out of the package (tests, bench, targets, tools, mk,
    .ci) and does not exclude what the component build reads (include, src, Kconfig, CMakeLists.txt).
examples/esp_idf_app/main/idf_component.yml: depends on the component by name through a path
  dependency on the repository root.
Kconfig (ESP-IDF's Kconfig format rules, as its kconfcheck documentation states them): indentation
  in units of 4 spaces (menu 0, its config 4, the config's attributes 8, help text 12), no tabs, no
  trailing spaces, lines of at most 120 characters, option names in upper case and at most 50
  characters, and the options of each menu sharing one prefix of at least 3 characters.

--self-test breaks copies of the files one way at a time and fails unless each is reported.
Usage: lint_idf_component.py [--root DIR] [--self-test]
"""
import argparse
import os
import re
import shutil
import sys
import tempfile

try:
    import yaml
except ImportError:
    sys.exit("lint_idf_component.py: python3-yaml is missing: run `sh tools/install-deps.sh check`")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
COMPONENT = "modesp_mempool"

# ESP-IDF's supported targets (tools/idf_py_actions/constants.py, 5.5 and 6.x) and its preview ones.
KNOWN_TARGETS = {"esp32", "esp32s2", "esp32s3", "esp32c2", "esp32c3", "esp32c5", "esp32c6", "esp32c61",
                 "esp32h2", "esp32p4", "esp32h21", "esp32h4", "linux"}
REQUIRED_KEYS = ["version", "description", "license", "url", "repository", "documentation", "issues", "tags",
                 "dependencies", "files"]
MUST_EXCLUDE = ["tests", "bench", "targets", "tools", "mk", ".ci"]
MUST_SHIP = ["include/modesp/fixed_pool.h", "src/core/fixed_pool.c", "src/sources.txt", "Kconfig", "CMakeLists.txt",
             "LICENSE"]
MAX_LINE = 120
MAX_OPTION = 50


def glob_match(pattern, path):
    """fnmatch-style match where ** spans directories (the manifest's `files` patterns)."""
    rx = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            rx += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            rx += ".*"
            i += 2
        elif pattern[i] == "*":
            rx += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            rx += "[^/]"
            i += 1
        else:
            rx += re.escape(pattern[i])
            i += 1
    return re.fullmatch(rx, path) is not None


def lint_manifest(root):
    problems = []
    path = os.path.join(root, "idf_component.yml")
    try:
        with open(path) as f:
            m = yaml.safe_load(f)
    except (OSError, yaml.YAMLError) as e:
        return ["idf_component.yml: cannot read: %s" % e]
    if not isinstance(m, dict):
        return ["idf_component.yml: not a mapping"]
    for key in REQUIRED_KEYS:
        if key not in m:
            problems.append("idf_component.yml: `%s` is missing" % key)
    if "version" in m and not re.fullmatch(r"\d+\.\d+\.\d+(?:[-~][0-9A-Za-z.]+)?", str(m["version"])):
        problems.append("idf_component.yml: version %r is not MAJOR.MINOR.PATCH" % m["version"])
    if "description" in m and (not isinstance(m["description"], str) or len(m["description"].strip()) < 10):
        problems.append("idf_component.yml: description is empty")
    lic = m.get("license")
    if lic is not None:
        try:
            with open(os.path.join(root, "LICENSE")) as f:
                head = f.read(400)
        except OSError:
            head = ""
        if lic != "Apache-2.0":
            problems.append("idf_component.yml: license %r: this project is Apache-2.0" % lic)
        elif "Apache License" not in head or "Version 2.0" not in head:
            problems.append("idf_component.yml: license Apache-2.0 but ./LICENSE is not the Apache-2.0 text")
    for key in ("url", "repository", "documentation", "issues"):
        if key in m and not re.fullmatch(r"https://[^\s/]+/\S*", str(m[key])):
            problems.append("idf_component.yml: %s %r is not an https URL" % (key, m[key]))
    tags = m.get("tags")
    if tags is not None:
        if not isinstance(tags, list) or not tags:
            problems.append("idf_component.yml: tags must be a non-empty list")
        else:
            for t in tags:
                if not re.fullmatch(r"[a-z0-9][a-z0-9_-]{1,31}", str(t)):
                    problems.append("idf_component.yml: tag %r: lowercase letters, digits, - and _ (2..32)" % t)
    targets = m.get("targets")
    if targets is not None:
        if not isinstance(targets, list) or not targets:
            problems.append("idf_component.yml: targets must be a non-empty list (or be left out: all targets)")
        else:
            for t in targets:
                if t not in KNOWN_TARGETS:
                    problems.append("idf_component.yml: target %r is not a chip ESP-IDF knows (%s)" %
                                    (t, ", ".join(sorted(KNOWN_TARGETS))))
    deps = m.get("dependencies")
    if isinstance(deps, dict):
        idf = deps.get("idf")
        idf_range = idf.get("version") if isinstance(idf, dict) else idf
        if not idf_range or not re.fullmatch(r"\s*(?:[<>=!^~]=?\s*\d+(?:\.\d+){0,2}\s*,?\s*)+", str(idf_range)):
            problems.append("idf_component.yml: dependencies.idf %r is not an ESP-IDF version range" % idf_range)
    elif "dependencies" in m:
        problems.append("idf_component.yml: dependencies must be a mapping")
    files = m.get("files")
    exclude = files.get("exclude", []) if isinstance(files, dict) else []
    if "files" in m and not exclude:
        problems.append("idf_component.yml: files.exclude is empty")
    for d in MUST_EXCLUDE:
        probe = d + "/some/file.c"
        if not any(glob_match(p, probe) for p in exclude):
            problems.append("idf_component.yml: files.exclude does not exclude %s/" % d)
    for f in MUST_SHIP:
        if any(glob_match(p, f) for p in exclude):
            problems.append("idf_component.yml: files.exclude removes %s, which the component needs" % f)
    return problems


def lint_example(root):
    path = os.path.join(root, "examples/esp_idf_app/main/idf_component.yml")
    try:
        with open(path) as f:
            m = yaml.safe_load(f) or {}
    except (OSError, yaml.YAMLError) as e:
        return ["%s: cannot read: %s" % (os.path.relpath(path, root), e)]
    dep = (m.get("dependencies") or {}).get(COMPONENT)
    rel = os.path.relpath(path, root)
    if not isinstance(dep, dict) or "path" not in dep:
        return ["%s: no path dependency on %s" % (rel, COMPONENT)]
    target = os.path.normpath(os.path.join(os.path.dirname(path), dep["path"]))
    if not os.path.isfile(os.path.join(target, "idf_component.yml")) or \
            os.path.realpath(target) != os.path.realpath(root):
        return ["%s: %s's path %r is not the repository root" % (rel, COMPONENT, dep["path"])]
    return []


BLOCK_OPEN = re.compile(r"(menu|choice|if)\b")
BLOCK_CLOSE = re.compile(r"(endmenu|endchoice|endif)\b")
ENTRY = re.compile(r"(config|menuconfig|comment|source|osource|rsource|orsource|mainmenu)\b")


def lint_kconfig(root):
    problems = []
    path = os.path.join(root, "Kconfig")
    with open(path) as f:
        lines = f.read().split("\n")
    level = 0  # menu/choice/if nesting
    in_help = False
    help_indent = 0
    menus = [[]]  # option names per open menu (choices and ifs belong to their menu)
    menu_line = [0]
    kinds = []
    header = False  # the lines after a menu/choice line, before its first entry

    def report(n, msg):
        problems.append("Kconfig:%d: %s" % (n, msg))

    for n, line in enumerate(lines, 1):
        if "\t" in line:
            report(n, "tab: indent with 4 spaces")
        if line != line.rstrip():
            report(n, "trailing spaces")
        if len(line) > MAX_LINE:
            report(n, "%d characters, more than %d" % (len(line), MAX_LINE))
        text = line.strip()
        indent = len(line) - len(line.lstrip(" \t"))
        if in_help:
            if not text:
                continue
            if indent >= help_indent:
                if indent % 4:
                    report(n, "help text indented by %d: use %d" % (indent, help_indent))
                continue
            in_help = False
        if not text or text.startswith("#"):
            continue
        if BLOCK_CLOSE.match(text):
            level -= 1
            want = 4 * level
            kind = kinds.pop() if kinds else None
            if kind == "menu":
                check_prefix(menus.pop(), menu_line.pop(), report)
        elif BLOCK_OPEN.match(text) or ENTRY.match(text):
            want = 4 * level
        elif text == "help" or text.startswith("help "):
            # the attributes of a menu or choice header sit at the level of the entries inside it
            want = 4 * (level if header else level + 1)
            in_help = True
            help_indent = want + 4
        else:
            want = 4 * (level if header else level + 1)  # an attribute: type, default, range, depends on, ...
        if indent != want:
            report(n, "indented by %d, expected %d (units of 4 spaces: menu 0, config 4, attributes 8, help 12)"
                   % (indent, want))
        m = re.match(r"(?:menu)?config\s+(\S+)", text) or re.match(r"choice\s+(\S+)", text)
        if m:
            name = m.group(1)
            if name != name.upper():
                report(n, "%s: option names are upper case" % name)
            if len(name) > MAX_OPTION:
                report(n, "%s: %d characters, more than %d" % (name, len(name), MAX_OPTION))
            menus[-1].append((n, name))
        opened = BLOCK_OPEN.match(text)
        if opened or BLOCK_CLOSE.match(text) or ENTRY.match(text):
            header = bool(opened)
        if opened:
            kinds.append(opened.group(1))
            level += 1
            if opened.group(1) == "menu":
                menus.append([])
                menu_line.append(n)
    if level != 0:
        report(len(lines), "%d menu/choice/if blocks not closed" % level)
    check_prefix(menus[0], 0, report)
    return problems


def check_prefix(options, line, report):
    """The options of one menu share a prefix (up to an underscore) of at least 3 characters."""
    if len(options) < 2:
        return
    names = [name for _, name in options]
    common = os.path.commonprefix(names)
    common = common[:common.rfind("_") + 1] if "_" in common else ""
    if len(common.rstrip("_")) < 3:
        first = names[0]
        odd = [f"{name} (line {n})" for n, name in options
               if not name.startswith(first.split("_")[0] + "_")]
        report(line or options[0][0], "the menu's options share no common prefix of 3+ characters: %s" %
               ", ".join(odd or names))


def lint(root):
    return lint_manifest(root) + lint_example(root) + lint_kconfig(root)


MUTATIONS = [
    ("idf_component.yml", "license: \"Apache-2.0\"", "license: \"MIT\"", "license 'MIT'"),
    ("idf_component.yml", "  - esp32c61\n", "  - esp32c7\n", "target 'esp32c7'"),
    ("idf_component.yml", "    - \"tests/**/*\"\n", "", "does not exclude tests/"),
    ("idf_component.yml", "issues:", "issuez:", "`issues` is missing"),
    ("examples/esp_idf_app/main/idf_component.yml", "path: ../../..", "path: ../..", "is not the repository root"),
    ("Kconfig", "        default 32\n", "\tdefault 32\n", "tab"),
    ("Kconfig", "        default 128\n", "       default 128\n", "indented by 7"),
    ("Kconfig", "    config MEMORY_POOL_TINY_COUNT\n",
     "    config MEMORY_POOL_TINY_COUNT_WITH_A_NAME_FAR_LONGER_THAN_FIFTY_CHARS\n", "more than 50"),
    ("Kconfig", "    config MEMORY_POOL_SMALL_SIZE\n", "    config SMALL_SIZE\n", "no common prefix"),
    ("Kconfig", "            Size of the smallest blocks.", "            Size of the smallest blocks." + "x" * 120,
     "more than 120"),
]


def self_test():
    failed = 0
    base = lint(ROOT)
    if base:
        print("lint-idf self-test: the tree itself is not clean")
        return 1
    for rel, old, new, expect in MUTATIONS:
        with tempfile.TemporaryDirectory() as tmp:
            for f in ("idf_component.yml", "Kconfig", "LICENSE", "examples/esp_idf_app/main/idf_component.yml"):
                os.makedirs(os.path.dirname(os.path.join(tmp, f)) or tmp, exist_ok=True)
                shutil.copy(os.path.join(ROOT, f), os.path.join(tmp, f))
            with open(os.path.join(tmp, rel)) as f:
                text = f.read()
            if old not in text:
                print("lint-idf self-test: %r not found in %s (update MUTATIONS)" % (old, rel))
                failed += 1
                continue
            with open(os.path.join(tmp, rel), "w") as f:
                f.write(text.replace(old, new, 1))
            found = [p for p in lint(tmp) if expect in p]
            print("lint-idf self-test: %-46s -> %s" % (rel + ": " + expect, found[0] if found else "NOT CAUGHT"))
            failed += not found
    return 1 if failed else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    problems = lint(args.root)
    for p in problems:
        print(p)
    if problems:
        print("lint-idf: %d problem(s)" % len(problems))
        return 1
    print("lint-idf: idf_component.yml, the example's manifest and Kconfig are clean")
    if args.self_test:
        return self_test()
    return 0


if __name__ == "__main__":
    sys.exit(main())
