#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Every source file names its license: `SPDX-License-Identifier: Apache-2.0` in its first 3 lines.

Apache-2.0 is the license of the project (./LICENSE) and of ESP-IDF itself. Checked files: the
repository's .c .h .cpp .hpp .py .sh .cmake files and CMakeLists.txt, tracked or new (git ls-files,
untracked ones included unless ignored). The identifier sits in a comment of the file's own syntax;
three lines leave room for a shebang or an encoding line above it.

`make spdx-check` runs it; `make lint` (and so `make check`) includes it.
Usage: spdx_check.py [--root DIR] [--list]   (--list: only print the files without it)
"""
import argparse
import os
import re
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SUFFIXES = (".c", ".h", ".cpp", ".hpp", ".py", ".sh", ".cmake")
NAMES = ("CMakeLists.txt",)
IDENTIFIER = re.compile(r"(?:/\*|//|#)\s*SPDX-License-Identifier:\s*Apache-2\.0\b")
HEAD_LINES = 3


def source_files(root):
    out = subprocess.run(["git", "-C", root, "ls-files", "--cached", "--others", "--exclude-standard"],
                         stdout=subprocess.PIPE, universal_newlines=True, check=True).stdout
    for path in sorted(set(out.split("\n"))):
        if path and (path.endswith(SUFFIXES) or os.path.basename(path) in NAMES) \
                and os.path.isfile(os.path.join(root, path)):
            yield path


def has_identifier(path):
    with open(path, encoding="utf-8", errors="replace") as f:
        for _ in range(HEAD_LINES):
            line = f.readline()
            if not line:
                break
            if IDENTIFIER.search(line):
                return True
    return False


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--root", default=ROOT)
    ap.add_argument("--list", action="store_true")
    args = ap.parse_args()
    files = list(source_files(args.root))
    missing = [p for p in files if not has_identifier(os.path.join(args.root, p))]
    for p in missing:
        print(p if args.list else "%s: no `SPDX-License-Identifier: Apache-2.0` in its first %d lines" %
              (p, HEAD_LINES))
    if args.list:
        return 0
    if missing:
        print("spdx-check: %d of %d source files lack the identifier" % (len(missing), len(files)))
        return 1
    print("spdx-check: all %d source files carry SPDX-License-Identifier: Apache-2.0" % len(files))
    return 0


if __name__ == "__main__":
    sys.exit(main())
