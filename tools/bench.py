"""`make bench`: how fast the site sets up, builds and tests, how fast its snippets run, how
heavy and how fast its pages are.

Prints a report and writes it as JSON (--json FILE). It measures; it never fails a build, so a
slow machine shows slow numbers instead of red tests. Targets (2-core machine):
set-up of a fresh clone < 180 s, cold full build < 90 s and within 1.2x of (sum of the snippets'
compute / cores + one import), an edited page visible < 5 s, slowest snippet < 10 s on one
thread, `make test` <= 180 s, a typical lesson page < 300 KB compressed, Lighthouse mobile
performance >= 95 (the median of 3 runs) on the home page, the heaviest lesson and the heaviest
lesson with Run buttons.
--skip-setup and --skip-test leave out the two slowest measurements.
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
ENV = {**{k: v for k, v in os.environ.items() if k != "ROADMAP_CACHE"}, "NO_MKDOCS_2_WARNING": "1"}
TARGETS = {
    "setup_s": 180,
    "cold_build_s": 90,
    "edit_visible_s": 5,
    "slowest_snippet_s": 10,
    "make_test_s": 180,
    "typical_lesson_kb": 300,
}
LIGHTHOUSE_TARGET = 95
LIGHTHOUSE = os.environ.get("LIGHTHOUSE", "lighthouse")  # the CLI: npm install -g lighthouse
MOBILE_RUNS = 3


def cold_build(site: Path) -> tuple[float, float]:
    """Seconds and peak memory (MB, largest process) of a full strict build with the snippet
    cache cleared (the Pyodide files stay: they are set-up, measured by `setup_time`)."""
    shutil.rmtree(ROOT / ".cache" / "snippets", ignore_errors=True)
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


def _import_script(modules: list[str]) -> str:
    """Import each module the snippet imports; a module the snippet writes itself (the package
    that modules-and-environments.py creates) does not exist yet and is skipped."""
    lines = [f"try:\n    import {m}\nexcept ImportError:\n    pass\n" for m in modules]
    return "".join(lines)


def snippet_times() -> list[dict]:
    """Each snippet as a reader runs it (`python FILE`, one thread): its wall time, split into
    the time to import what it imports and the rest (its own computation). Slowest first."""
    sys.path.insert(0, str(ROOT / "hooks"))
    from run_snippet import imported_modules
    from runs import SNIPPET_ENV

    env = {**ENV, **SNIPPET_ENV, "MPLBACKEND": "agg"}
    times = []
    for path in sorted(SNIPPETS.rglob("*.py")):
        with tempfile.TemporaryDirectory() as work:
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, str(path)], env=env, cwd=work, capture_output=True, check=True
            )
            total = time.perf_counter() - started
            modules = sorted(imported_modules(path.read_text(encoding="utf-8")))
            started = time.perf_counter()
            subprocess.run(
                [sys.executable, "-c", _import_script(modules)],
                env=env,
                cwd=work,
                capture_output=True,
                check=True,
            )
            imports = time.perf_counter() - started
        times.append(
            {
                "snippet": path.relative_to(ROOT).as_posix(),
                "seconds": round(total, 2),
                "import_s": round(imports, 2),
                "compute_s": round(max(total - imports, 0.0), 2),
            }
        )
    return sorted(times, key=lambda t: -t["seconds"])


def setup_time() -> dict:
    """Seconds from a fresh clone to a working .venv and checked Pyodide files (`make
    .venv/.installed pyodide`, as `make serve` and `make test` start), and whether PyTorch's CPU
    index answered."""
    reachable = True
    try:
        urllib.request.urlopen("https://download.pytorch.org/whl/cpu/torch/", timeout=5)
    except OSError:
        reachable = False
    with tempfile.TemporaryDirectory() as tmp:
        clone = Path(tmp) / "clone"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        started = time.perf_counter()
        done = subprocess.run(
            [
                *["make", ".venv/.installed", "pyodide"],
                f"PYTHON={os.environ.get('PYTHON', 'python3.11')}",
            ],
            cwd=clone,
            capture_output=True,
            text=True,
        )
        seconds = time.perf_counter() - started
    return {
        "setup_s": round(seconds, 1),
        "torch_index_reachable": reachable,
        "ok": done.returncode == 0,
    }


def make_test_time() -> float:
    """Wall seconds of `make test` after set-up, as a contributor runs it (all cores)."""
    started = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=ROOT, env=ENV, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        print(f"make test failed:\n{done.stdout[-3000:]}", file=sys.stderr)
    return seconds


class _GzipHost(http.server.SimpleHTTPRequestHandler):
    """Serves the site under its path, gzip-compressed, as GitHub Pages does."""

    def do_GET(self):
        sys.path.insert(0, str(ROOT / "tests"))
        from conftest import SITE_PATH

        path = self.path.split("?")[0]
        if not path.startswith(SITE_PATH):
            self.send_error(404)
            return
        local = Path(self.directory) / path.removeprefix(SITE_PATH)
        if local.is_dir():
            local = local / "index.html"
        if not local.is_file():
            self.send_error(404)
            return
        body = gzip.compress(local.read_bytes(), 6)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(local)))
        self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def lighthouse(site: Path, pages: list[str]) -> dict:
    """Lighthouse's mobile preset (its default): performance and accessibility of each page."""
    if shutil.which(LIGHTHOUSE) is None and not Path(LIGHTHOUSE).is_file():
        return {"error": f"Lighthouse not found ({LIGHTHOUSE}): npm install -g lighthouse"}
    sys.path.insert(0, str(ROOT / "tests"))
    from conftest import SITE_PATH

    handler = functools.partial(_GzipHost, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}{SITE_PATH.rstrip('/')}"
    scores = {}
    try:
        for page in pages:
            for preset in ("mobile", "desktop"):
                # Mobile's score moves by 2 or 3 points from one run to the next on the same page
                # (its simulated phone multiplies this machine's noise): the median of 3 runs.
                runs = [
                    _lighthouse_run(base, page, preset)
                    for _ in range(MOBILE_RUNS if preset == "mobile" else 1)
                ]
                runs = [run for run in runs if run]
                if not runs:
                    scores[f"{page or 'index'} ({preset})"] = None
                    continue
                middle = sorted(runs, key=lambda run: run["performance"])[len(runs) // 2]
                scores[f"{page or 'index'} ({preset})"] = {
                    **middle,
                    "runs": [run["performance"] for run in runs],
                }
    finally:
        server.shutdown()
    return scores


def _lighthouse_run(base: str, page: str, preset: str) -> dict | None:
    from conftest import find_chromium  # tests/ is on the path (lighthouse)

    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [
            LIGHTHOUSE,
            f"{base}/{page}",
            "--quiet",
            "--output=json",
            f"--output-path={out}",
            "--only-categories=performance,accessibility",
            "--chrome-flags=--headless=new --no-sandbox --disable-gpu",
        ]
        if preset == "desktop":
            command.append("--preset=desktop")
        subprocess.run(
            command,
            env={**os.environ, "CHROME_PATH": find_chromium()},
            capture_output=True,
            timeout=300,
        )
        if not out.is_file():
            return None
        report = json.loads(out.read_text())
    categories, audits = report["categories"], report["audits"]
    return {
        "performance": round(100 * (categories["performance"]["score"] or 0)),
        "accessibility": round(100 * (categories["accessibility"]["score"] or 0)),
        "total_blocking_time_ms": round(audits["total-blocking-time"]["numericValue"]),
        "largest_contentful_paint_ms": round(audits["largest-contentful-paint"]["numericValue"]),
    }


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
    parser.add_argument("--skip-setup", action="store_true", help="no fresh-clone set-up time")
    parser.add_argument("--skip-test", action="store_true", help="no `make test` wall time")
    parser.add_argument(
        "--lighthouse-all",
        action="store_true",
        help="Lighthouse on every page, not only the home page and the heaviest lessons (~1 h)",
    )
    options = parser.parse_args()

    report: dict = {"machine": {"cpus": os.cpu_count(), "python": sys.version.split()[0]}}
    if not options.skip_setup:
        print("set-up of a fresh clone ...", flush=True)
        report.update(setup_time())
    with tempfile.TemporaryDirectory() as tmp:
        site = Path(tmp) / "site"
        print("cold full build (caches cleared) ...", flush=True)
        build_s, peak_mb = cold_build(site)
        print("one edited page, until mkdocs serve shows it ...", flush=True)
        edit_s = edit_visible()
        print("each snippet on one thread, imports and compute ...", flush=True)
        snippets = snippet_times()
        print("page weights in Chromium ...", flush=True)
        pages = page_weights(site)
        lessons = [w for w in pages if (SNIPPETS / f"{w['page']}.py").is_file()]
        print("Lighthouse, mobile and desktop ...", flush=True)
        heaviest_lesson = lessons[0]["page"] + "/" if lessons else ""
        # and the heaviest page with Run buttons (run.js and its controls: issue 22's pages)
        runnable = [
            w
            for w in lessons
            if 'data-run-manifest="' in (site / w["page"] / "index.html").read_text()
        ]
        audited = ["", heaviest_lesson, *([runnable[0]["page"] + "/"] if runnable else [])]
        if options.lighthouse_all:
            audited = [""] + sorted(w["page"] + "/" for w in pages if w["page"] != "index")
        scores = lighthouse(site, audited)
    if not options.skip_test:
        print("make test ...", flush=True)
        report["make_test_s"] = round(make_test_time(), 1)

    compute = sum(s["compute_s"] for s in snippets)
    one_import = max((s["import_s"] for s in snippets), default=0.0)
    ideal = compute / (os.cpu_count() or 1) + one_import
    report.update(
        {
            "cold_build_s": round(build_s, 1),
            "cold_build_ideal_s": round(ideal, 1),
            "cold_build_over_ideal": round(build_s / ideal, 2) if ideal else None,
            "peak_build_memory_mb": round(peak_mb),
            "edit_visible_s": round(edit_s, 2),
            "slowest_snippet_s": snippets[0]["seconds"],
            "snippets_compute_s": round(compute, 1),
            "snippets": snippets,
            "typical_lesson_kb": round(statistics.median(w["kb"] for w in lessons), 1)
            if lessons
            else None,
            "heaviest_page": pages[0],
            "pages": pages,
            "lighthouse": scores,
            "targets": {**TARGETS, "lighthouse_performance": LIGHTHOUSE_TARGET},
        }
    )
    options.json.write_text(json.dumps(report, indent=2))

    def line(label, key, unit, fmt="7.1f"):
        if report.get(key) is None:
            return
        verdict = "ok" if report[key] < TARGETS[key] else "OVER TARGET"
        print(
            f"{label:24s}{report[key]:{fmt}} {unit:3s} (target < {TARGETS[key]} {unit}: {verdict})"
        )

    print()
    if "setup_s" in report:
        line("fresh-clone set-up", "setup_s", "s")
        reach = "reachable" if report["torch_index_reachable"] else "NOT reachable (fallback used)"
        print(f"{'':24s}PyTorch's CPU index {reach}; set-up {'ok' if report['ok'] else 'FAILED'}")
    line("cold full build", "cold_build_s", "s")
    print(
        f"{'':24s}{report['cold_build_over_ideal']}x of (compute {compute:.1f} s / "
        f"{os.cpu_count()} cores + one import {one_import:.1f} s = {ideal:.1f} s); target 1.2x"
    )
    print(f"{'peak build memory':24s}{report['peak_build_memory_mb']:7d} MB")
    line("edited page visible", "edit_visible_s", "s", "7.2f")
    line("slowest snippet", "slowest_snippet_s", "s", "7.2f")
    line("make test", "make_test_s", "s")
    line("typical lesson page", "typical_lesson_kb", "KB")
    print(f"{'heaviest page':24s}{pages[0]['kb']:7.1f} KB  ({pages[0]['page']})")
    print("\nLighthouse (target: performance >= 95 on mobile, 100 on desktop; accessibility 100):")
    if "error" in scores:
        print(f"  {scores['error']}")
    for page, score in scores.items():
        if page != "error":
            print(f"  {page:50s} {score}")
    for preset in ("mobile", "desktop"):
        measured = {p: v for p, v in scores.items() if p.endswith(f"({preset})") and v}
        if measured:
            worst = min(measured, key=lambda p: measured[p]["performance"])
            print(
                f"  lowest {preset} performance: {measured[worst]['performance']} ({worst}); "
                f"accessibility below 100 on {sum(v['accessibility'] < 100 for v in measured.values())} pages"
            )
    print("\nsnippets, slowest first (one thread): total = imports + compute")
    for item in snippets:
        print(
            f"  {item['seconds']:6.2f} s = {item['import_s']:5.2f} + {item['compute_s']:5.2f}  "
            f"{item['snippet']}"
        )
    print(f"\nwritten to {options.json}")


if __name__ == "__main__":
    main()
