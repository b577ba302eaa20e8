#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""One short demo run with every thread busy at once, for ThreadSanitizer.

Runs the burst scenario with 10 % injected failures (sensor tasks, the
simulated ISR, the event loop, logger, memory-aware, cloud, control, updater
and diagnostics tasks) while the HTTP server thread (--serve, libmicrohttpd)
answers /api/memory polls from this script, so the dashboard's snapshots race
with the modules' allocations. In the TSan build (make test-tsan, label
concurrency) a race makes the demo exit non-zero (TSAN_OPTIONS
halt_on_error=1); tests/demo/tsan.supp is empty: every race found is fixed.
The plain and ASan builds run it too. Checks: exit status 0, no sanitizer
report, the one-line verdict with no leak, no integrity error and nothing
left, and at least 3 JSON answers of schema "modesp-dashboard-1" during the
run.

    concurrency_run.py DEMO OUTDIR SUPPRESSIONS
"""
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def poll(port, proc):
    """Fetch /api/memory until the demo exits; returns (answers, errors)."""
    answers, errors = 0, []
    url = "http://127.0.0.1:%d/api/memory" % port
    while proc.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                doc = json.loads(r.read().decode("utf-8"))
            if doc.get("schema") != "modesp-dashboard-1":
                errors.append("unexpected schema %r" % doc.get("schema"))
            else:
                answers += 1
        except (urllib.error.URLError, ConnectionError, socket.timeout):
            pass  # not listening yet, or already stopping
        except ValueError as e:
            errors.append("an answer did not parse: %s" % e)
        time.sleep(0.05)
    return answers, errors


def main():
    demo, out, supp = sys.argv[1:4]
    os.makedirs(out, exist_ok=True)
    env = dict(os.environ)
    env["TSAN_OPTIONS"] = (env.get("TSAN_OPTIONS", "") + " suppressions=" + os.path.abspath(supp)).strip()
    port = free_port()
    cmd = [demo, "--scenario", "burst", "--seconds", "20", "--speed", "10", "--fail-pct", "10",
           "--serve", str(port), "--linger", "0", "--no-plot", "--out", out]
    log_path = os.path.join(out, "output.txt")
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env)
        answers, errors = poll(port, proc)
        status = proc.wait(timeout=600)
    with open(log_path) as f:
        text = f.read()
    sys.stdout.write(text)

    checks = [
        ("the demo exits with status 0 (got %d)" % status, status == 0),
        ("no sanitizer report", "ThreadSanitizer" not in text and "AddressSanitizer" not in text),
        ("no leak, no integrity error, nothing left after shutdown",
         any(line.startswith("verdict: 0 leaks, 0 integrity errors, 0 blocks left after shutdown")
             for line in text.splitlines())),
        ("at least 3 dashboard answers during the run (got %d)" % answers, answers >= 3),
        ("every answer parsed with its schema%s" % ("" if not errors else ": " + errors[0]), not errors),
    ]
    failed = False
    for what, ok in checks:
        print(("ok: " if ok else "FAILED: ") + what)
        failed |= not ok
    if not failed:
        print("demo-test concurrency: OK")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
