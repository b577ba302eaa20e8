#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Check that every public function of the headers states its contract.

Issue 13, "Contracts": the comment block directly above each function
declaration, and above each public function-like macro, has this shape:

    /*
     * <What it does: behaviour a caller relies on.>
     * Returns: <the return value>            (not for void functions and statement macros)
     * Errors: <each code and when, with its counter; "none" if it cannot fail>
     * Complexity: O(...) <with what it depends on>.
     * ISR-safe: yes | no (<why>) | <conditions>.
     */

Each tag starts a line of the comment, the four come in that order, each
once, after at least one line of description. A continuation may follow a
tag on indented lines (an error table under "Errors:").

Checked: every function declared (or defined) at file scope, whatever its
name, and every function-like macro whose name does not end in '_' (the
library's mark for private helpers): modesp_pool_new, MODESP_POOL_DEFINE*,
modesp_make_pooled, MODESP_POOLED, modesp_pooled_free, ... A macro is a
statement (no "Returns:") unless its body is one parenthesised expression.
Only the first definition of a macro is checked (the others are alternative
definitions under #if). Between the comment and the declaration only
preprocessor conditionals (#if, #else, #endif, ...) and one-line object-like
#defines may stand; a blank line or code detaches the comment.

Usage: tools/check_contracts.py [HEADER...]
  Without arguments it checks the library's public headers and the port
  interface (HEADERS below, relative to the repository root). Prints
  FILE:LINE: NAME: what is missing, for each failure, and exits 1 if there
  is any; exits 0 silently otherwise; exit 2 for an unreadable file.
Standard library only.
"""
import os
import re
import sys

HEADERS = [
    "include/modesp/fixed_pool.h",
    "include/modesp/pool_manager.h",
    "include/modesp/pooled.h",
    "include/modesp/hooks.h",
    "include/modesp/mempool_err.h",
    "include/modesp/size_classes.h",
    "include/modesp/mempool_config.h",
    "include/modesp/memory_pool.h",
    "include/modesp/port_freertos.h",
    "include/modesp/port_baremetal.h",
    "include/modesp/port_posix.h",
    "include/modesp/memory_diagnostics.h",
    "include/modesp/pooled_event_bus.h",
    "src/port/port.h",
]

TAGS = ("Returns", "Errors", "Complexity", "ISR-safe")
TAG_LINE = re.compile(r"(Returns|Errors|Complexity|ISR-safe):")
CONDITIONAL = re.compile(r"#\s*(if|ifdef|ifndef|elif|else|endif)\b")
OBJECT_DEFINE = re.compile(r"#\s*define\s+\w+(\s|$)")
FUNC_DEFINE = re.compile(r"#\s*define\s+(\w+)\((.*)", re.S)
FUNC_NAME = re.compile(r"([A-Za-z_]\w*)\s*\($")
QUALIFIERS = {"extern", "static", "inline", "__inline", "__inline__"}


def split_comments(text):
    """Returns (code, comments): the text with every comment blanked (newlines
    kept, so line numbers stay) and a list of (first_line, last_line, text)
    of the comments, 0-based. Strings and character literals are skipped."""
    code = []
    comments = []
    i = 0
    n = len(text)
    line = 0
    while i < n:
        c = text[i]
        if text.startswith("/*", i) or text.startswith("//", i):
            block = text[i + 1] == "*"
            end = text.find("*/", i + 2) if block else text.find("\n", i)
            if end < 0:
                end = n
            elif block:
                end += 2
            body = text[i:end]
            comments.append((line, line + body.count("\n"), body))
            code.append(re.sub(r"[^\n]", " ", body))
            line += body.count("\n")
            i = end
            continue
        if c in "\"'":
            j = i + 1
            while j < n and text[j] != c and text[j] != "\n":
                j += 2 if text[j] == "\\" else 1
            code.append(text[i:j + 1])
            i = j + 1
            continue
        if c == "\n":
            line += 1
        code.append(c)
        i += 1
    return "".join(code), comments


def paren_wrapped(body):
    """True when body is one parenthesised expression: (...) and nothing else."""
    body = body.strip()
    if not body.startswith("("):
        return False
    depth = 0
    for k, c in enumerate(body):
        depth += {"(": 1, ")": -1}.get(c, 0)
        if depth == 0:
            return k == len(body) - 1
    return False


def declarations(code_lines):
    """Yields (line, name, needs_returns) for each function declaration and
    public function-like macro of the code (comments already blanked)."""
    seen_macros = set()
    i = 0
    stmt = None  # (first line, text so far) of a statement being read
    depth = 0
    while i < len(code_lines):
        raw = code_lines[i]
        stripped = raw.strip()
        if stripped.startswith("#"):
            first = i
            directive = raw
            while directive.rstrip().endswith("\\") and i + 1 < len(code_lines):
                i += 1
                directive = directive.rstrip()[:-1] + " " + code_lines[i]
            i += 1
            if stmt is not None:
                continue  # a directive inside a declaration (an attribute under #if)
            m = FUNC_DEFINE.match(directive.strip())
            if m and not m.group(1).endswith("_") and m.group(1) not in seen_macros:
                seen_macros.add(m.group(1))
                rest = m.group(2)
                close = rest.find(")")
                yield first, m.group(1), paren_wrapped(rest[close + 1:])
            continue
        i += 1
        if stmt is None:
            if not stripped or stripped.startswith('extern "C"') or (stripped == "}" and depth == 0):
                continue
            stmt = (i - 1, "")
        first, text = stmt
        for c in raw:
            text += c
            if c == "{":
                depth += 1
            elif c == "}":
                depth -= 1
                if depth == 0 and re.search(r"\)\s*\{", text):
                    break  # a function definition ends with its body
            elif c == ";" and depth == 0:
                break
        else:
            stmt = (first, text + "\n")
            continue
        stmt = None
        found = function_of(text)
        if found:
            yield (first,) + found


def function_of(statement):
    """(name, needs_returns) when the statement declares or defines a
    function, else None (variables, typedefs, struct definitions, ...)."""
    text = " ".join(statement.split())
    if text.startswith("typedef") or "(" not in text:
        return None
    head = text[:text.index("(") + 1]
    if "=" in head or "{" in head:
        return None
    m = FUNC_NAME.search(head)
    if not m:
        return None
    ret = head[:m.start()].replace("*", " * ").split()
    ret = [w for w in ret if w not in QUALIFIERS]
    if not ret:
        return None
    return m.group(1), ret != ["void"]


def comment_above(line, code_lines, comment_at_end):
    """The comment that ends directly above `line` (0-based), or None."""
    j = line - 1
    while j >= 0:
        if j in comment_at_end and not code_lines[j].strip():
            return comment_at_end[j]
        stripped = code_lines[j].strip()
        if CONDITIONAL.match(stripped) or (OBJECT_DEFINE.match(stripped) and not stripped.endswith("\\")):
            j -= 1
            continue
        return None
    return None


def missing(comment, needs_returns):
    """What the comment lacks, as a list of messages (empty when it is fine)."""
    if comment is None:
        return ["no comment directly above"]
    body = []
    for raw in comment.split("\n"):
        s = raw.strip()
        s = re.sub(r"^/\*+|\*+/$", "", s).strip()
        s = re.sub(r"^\*\s?", "", s)
        body.append(s)
    found = [(k, m.group(1)) for k, s in enumerate(body) for m in [TAG_LINE.match(s)] if m]
    wanted = [t for t in TAGS if t != "Returns" or needs_returns]
    problems = ["no %s: line" % t for t in wanted if t not in [f[1] for f in found]]
    tags = [f[1] for f in found]
    for t in set(tags):
        if tags.count(t) > 1:
            problems.append("%s: given %d times" % (t, tags.count(t)))
    order = [t for t in tags if t in wanted]
    if not problems and order != [t for t in wanted if t in order]:
        problems.append("tags out of order (%s)" % ", ".join(order))
    if found and not any(s for s in body[:found[0][0]]):
        problems.append("no description before %s:" % found[0][1])
    return problems


def check(path, shown):
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except OSError as e:
        print("check_contracts.py: %s: %s" % (path, e.strerror), file=sys.stderr)
        return None
    code, comments = split_comments(text)
    code_lines = code.split("\n")
    comment_at_end = {}
    for first, last, body in comments:
        # adjacent // lines form one comment
        prev = comment_at_end.get(first - 1)
        if body.startswith("//") and prev is not None and prev.startswith("//"):
            body = prev + "\n" + body
        comment_at_end[last] = body
    failures = 0
    for line, name, needs_returns in declarations(code_lines):
        problems = missing(comment_above(line, code_lines, comment_at_end), needs_returns)
        if problems:
            failures += 1
            print("%s:%d: %s: %s" % (shown, line + 1, name, "; ".join(problems)))
    return failures


def main(argv):
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    paths = argv[1:] or [os.path.join(root, h) for h in HEADERS]
    failures = 0
    for path in paths:
        shown = os.path.relpath(path) if not argv[1:] else path
        found = check(path, shown)
        if found is None:
            return 2
        failures += found
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
