"""`make bench`: how fast the site builds, how fast its snippets run, how heavy its pages are.

Prints a report and writes it as JSON (--json FILE). It measures; it never fails a build, so a
slow machine shows slow numbers instead of red tests. Targets (2-core machine):
cold full build < 90 s, an edited page visible < 5 s, slowest snippet < 10 s on one thread,
a typical lesson page < 300 KB compressed.
"""

from __future__ import annotations

import argparse
import functools
import gzip
import http.server
import json
import os
import resource
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
ENV = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
TARGETS = {
    "cold_build_s": 90,
    "edit_visible_s": 5,
    "slowest_snippet_s": 10,
    "typical_lesson_kb": 300,
}


def cold_build(site: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB, largest process) of a full strict build with caches cleared."""
    shutil.rmtree(ROOT / ".cache", ignore_errors=True)
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(site)],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        sys.exit(f"the build failed:\n{done.stdout}{done.stderr}")
    peak_kb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return seconds, peak_kb / 1024


def snippet_times() -> list[dict]:
    """Each snippet's wall time as a reader runs it (`python FILE`), one thread, slowest first."""
    times = []
    for path in sorted(SNIPPETS.rglob("*.py")):
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, str(path)],
            env={**ENV, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "MPLBACKEND": "agg"},
            cwd=path.parent,
            capture_output=True,
            check=True,
        )
        times.append(
            {
                "snippet": path.relative_to(ROOT).as_posix(),
                "seconds": round(time.perf_counter() - started, 2),
            }
        )
    return sorted(times, key=lambda t: -t["seconds"])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get(url: str) -> str:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.read().decode("utf-8", "replace")
    except OSError:
        return ""


def edit_visible(page: str = "01-linear-algebra/vectors.md") -> float:
    """Seconds from saving an edit to one page until `mkdocs serve` serves the new text."""
    port = _free_port()
    # mkdocs serve mounts the site under site_url's path (for example /roadmap/).
    site_url = next(
        line
        for line in (ROOT / "mkdocs.yml").read_text().splitlines()
        if line.startswith("site_url:")
    )
    mount = urlparse(site_url.split(":", 1)[1].strip()).path.rstrip("/")
    url = f"http://127.0.0.1:{port}{mount}/{page.removesuffix('.md')}/"
    server = subprocess.Popen(
        # the same command as `make serve`
        [sys.executable, "-m", "mkdocs", "serve", "--dirty", "--dev-addr", f"127.0.0.1:{port}"],
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    source = ROOT / "docs" / page
    original = source.read_text(encoding="utf-8")
    try:
        deadline = time.monotonic() + 180
        while "</html>" not in _get(url):
            if time.monotonic() > deadline or server.poll() is not None:
                sys.exit("mkdocs serve did not start")
            time.sleep(0.2)
        time.sleep(2)  # let the watcher settle after the first build
        marker = f"bench-{uuid.uuid4().hex}"
        started = time.perf_counter()
        source.write_text(original + f"\n{marker}\n", encoding="utf-8")
        while marker not in _get(url):
            if time.perf_counter() - started > 120:
                sys.exit("the edit never became visible")
            time.sleep(0.05)
        return time.perf_counter() - started
    finally:
        source.write_text(original, encoding="utf-8")
        server.terminate()
        server.wait()


def page_weights(site: Path) -> list[dict]:
    """Each page's weight: its HTML and everything the browser loads for it, gzip-compressed."""
    from playwright.sync_api import sync_playwright

    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import CHROMIUM_ARGS, SITE_PATH, _StaticHost, find_chromium

    # Served as the static host serves it: under site_url's path, so every asset resolves.
    handler = functools.partial(_StaticHost, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{SITE_PATH.rstrip('/')}"
    weights = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=find_chromium(), args=CHROMIUM_ARGS)
        for html in sorted(site.rglob("index.html")):
            relative = html.parent.relative_to(site).as_posix()
            page = browser.new_page()
            loaded: set[str] = set()
            page.on("request", lambda request, seen=loaded: seen.add(request.url))
            page.goto(
                f"{base}/{relative}/" if relative != "." else f"{base}/", wait_until="networkidle"
            )
            page.close()
            total = 0
            for url in loaded:
                path = urlparse(url).path.removeprefix(SITE_PATH)
                local = site / path.lstrip("/")
                if local.is_dir():
                    local = local / "index.html"
                if local.is_file():
                    total += len(gzip.compress(local.read_bytes(), 6))
            weights.append(
                {"page": relative if relative != "." else "index", "kb": round(total / 1024, 1)}
            )
        browser.close()
    server.shutdown()
    return sorted(weights, key=lambda w: -w["kb"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--json", type=Path, default=ROOT / "bench.json")
    options = parser.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        print("cold full build (caches cleared) ...", flush=True)
        build_s, peak_mb = cold_build(site)
        print("one edited page, until mkdocs serve shows it ...", flush=True)
        edit_s = edit_visible()
        print("each snippet on one thread ...", flush=True)
        snippets = snippet_times()
        print("page weights in Chromium ...", flush=True)
        pages = page_weights(site)

    lessons = [w["kb"] for w in pages if (SNIPPETS / f"{w['page']}.py").is_file()]
    report = {
        "machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]},
        "cold_build_s": round(build_s, 1),
        "peak_build_memory_mb": round(peak_mb),
        "edit_visible_s": round(edit_s, 2),
        "slowest_snippet_s": snippets[0]["seconds"],
        "snippets": snippets,
        "typical_lesson_kb": round(statistics.median(lessons), 1) if lessons else None,
        "heaviest_page": pages[0],
        "pages": pages,
        "targets": TARGETS,
    }
    options.json.write_text(json.dumps(report, indent=2))

    def verdict(key):
        return "ok" if report[key] is not None and report[key] < TARGETS[key] else "OVER TARGET"

    print(
        f"\ncold full build         {report['cold_build_s']:7.1f} s   (target < {TARGETS['cold_build_s']} s: {verdict('cold_build_s')})"
    )
    print(f"peak build memory       {report['peak_build_memory_mb']:7d} MB")
    print(
        f"edited page visible     {report['edit_visible_s']:7.2f} s   (target < {TARGETS['edit_visible_s']} s: {verdict('edit_visible_s')})"
    )
    print(
        f"slowest snippet         {report['slowest_snippet_s']:7.2f} s   (target < {TARGETS['slowest_snippet_s']} s: {verdict('slowest_snippet_s')})"
    )
    print(
        f"typical lesson page     {report['typical_lesson_kb']:7.1f} KB  (target < {TARGETS['typical_lesson_kb']} KB: {verdict('typical_lesson_kb')})"
    )
    print(f"heaviest page           {pages[0]['kb']:7.1f} KB  ({pages[0]['page']})")
    print("\nsnippets, slowest first (one thread):")
    for item in snippets:
        print(f"  {item['seconds']:6.2f} s  {item['snippet']}")
    print(f"\nwritten to {options.json}")


if __name__ == "__main__":
    main()
