#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The dashboard in a real browser (issue 19).

Starts the demo with --serve on 127.0.0.1 (a free port), waits for the run to
finish (the dashboard then shows the final state), loads the page in headless
Chromium (--dump-dom after a virtual-time budget, so the page's fetch of
/api/memory has run), and checks the numbers the page rendered against the
JSON /api/memory serves: every pool's in-use, capacity and utilisation, the
pressure level, the health verdict, the leak and failure counts. Saves a
screenshot. Exit 0: pass; 77: skipped because Chromium is not installed
(any other Chromium problem fails); 1: a check failed.

    dashboard_test.py DEMO OUTDIR
"""
import html.parser
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

SKIP = 77


def find_chromium():
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        path = shutil.which(name)
        if path:
            return path
    return None


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Dom(html.parser.HTMLParser):
    """Text of elements by id, and of the cells of each pool row (by class)."""

    def __init__(self):
        super().__init__()
        self.by_id, self.pools, self.body_loaded = {}, [], None
        self._stack, self._row = [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "body":
            self.body_loaded = a.get("data-loaded")
        if tag == "tr" and self._stack and self._stack[-1][1] == "pools":
            self._row = {}
        key = a.get("id") or (("cell", a.get("class")) if self._row is not None and tag == "td" else None)
        self._stack.append((tag, a.get("id"), key))
        if key is not None:
            self._text = ""

    def handle_endtag(self, tag):
        while self._stack:
            t, _id, key = self._stack.pop()
            if isinstance(key, str):
                self.by_id[key] = self._text.strip()
            elif isinstance(key, tuple) and self._row is not None and key[1]:
                self._row[key[1]] = self._text.strip()
            if t == "tr" and self._row is not None and (not self._stack or self._stack[-1][1] == "pools"):
                self.pools.append(self._row)
                self._row = None
            if t == tag:
                break

    def handle_data(self, data):
        if hasattr(self, "_text"):
            self._text += data


def chromium_args(chromium, url, extra):
    return [chromium, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
            "--no-first-run", "--user-data-dir=" + extra.pop("profile"), *extra.pop("flags"), url]


def main():
    demo, out = sys.argv[1], sys.argv[2]
    chromium = find_chromium()
    if chromium is None:
        print("SKIP: Chromium is not installed (Debian: apt-get install chromium); the dashboard was not checked")
        return SKIP
    os.makedirs(out, exist_ok=True)
    port = free_port()
    proc = subprocess.Popen([demo, "--scenario", "leak", "--seconds", "25", "--speed", "0", "--serve", str(port),
                             "--linger", "120", "--no-plot", "--out", out],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    failures = []
    try:
        deadline = time.time() + 60
        for line in proc.stdout:
            sys.stdout.write(line)
            if "shows the final state" in line:
                break
            if time.time() > deadline:
                raise RuntimeError("the demo did not finish its run in 60 s")
        base = f"http://127.0.0.1:{port}"
        data = json.load(urllib.request.urlopen(base + "/api/memory", timeout=10))
        profile = tempfile.mkdtemp(prefix="modesp-dashboard-chromium-")
        dom_run = subprocess.run(chromium_args(chromium, base + "/", {
            "profile": profile, "flags": ["--virtual-time-budget=5000", "--dump-dom"]}),
            capture_output=True, text=True, timeout=90)
        if dom_run.returncode != 0 or "<html" not in dom_run.stdout:
            print(dom_run.stderr[-3000:])
            raise RuntimeError(f"chromium --dump-dom failed (status {dom_run.returncode})")
        dom = Dom()
        dom.feed(dom_run.stdout)

        def expect(what, got, want):
            ok = str(got) == str(want)
            print(f"{'ok' if ok else 'FAILED'}: {what}: page {got!r}, /api/memory {want!r}")
            if not ok:
                failures.append(what)

        diag = data["diagnostics"]
        expect("page loaded its data", dom.body_loaded, "1")
        expect("health verdict", dom.by_id.get("health-level"), data["health"]["level"])
        expect("health summary", dom.by_id.get("summary"), data["health"]["summary"])
        expect("pressure level", dom.by_id.get("pressure"), (diag.get("manager") or {}).get("pressure", "NORMAL"))
        expect("manager utilisation", dom.by_id.get("manager-util"), diag["manager"]["utilization"])
        expect("bytes in use", dom.by_id.get("allocated-bytes"), diag["totals"]["allocated_bytes"])
        expect("potential leaks", dom.by_id.get("leak-count"), data["leaks"]["count"])
        expect("failed requests", dom.by_id.get("failure-count"), diag["failures"]["recorded"])
        expect("pool rows", len(dom.pools), len(diag["pools"]))
        for row, pool in zip(dom.pools, diag["pools"]):
            for cls, key in (("name", "name"), ("in-use", "in_use"), ("capacity", "capacity"),
                             ("util", "utilization"), ("failed", "alloc_failures")):
                expect(f"pool {pool['name']} {key}", row.get(cls), pool[key])
        if data["leaks"]["count"] == 0:
            failures.append("the leak scenario shows no leak")
            print("FAILED: the leak scenario shows no leak on the dashboard")

        shot = os.path.abspath(os.path.join(out, "dashboard.png"))
        shot_run = subprocess.run(chromium_args(chromium, base + "/", {
            "profile": profile, "flags": ["--virtual-time-budget=5000", "--window-size=1280,1100",
                                          "--hide-scrollbars", "--screenshot=" + shot]}),
            capture_output=True, text=True, timeout=90)
        if shot_run.returncode != 0 or not os.path.exists(shot):
            print(shot_run.stderr[-3000:])
            failures.append("screenshot")
        else:
            print(f"screenshot: {shot}")
    except Exception as e:  # noqa: BLE001 - any problem is a failure, reported as such
        failures.append(str(e))
        print(f"FAILED: {e}")
    finally:
        if "profile" in locals():
            shutil.rmtree(profile, ignore_errors=True)
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
    if failures:
        print(f"dashboard test: {len(failures)} check(s) failed")
        return 1
    print("dashboard test: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
