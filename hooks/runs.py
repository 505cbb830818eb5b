"""Runs snippet files the build's way: confined children of one fork server, each result cached.

`run_snippets` gives each snippet's result (hooks/cache.py's, or a fresh run) or the error that
names the file. A fresh run goes to hooks/run_snippet.py's fork server: it imports the libraries
the snippets use once, then forks one confined child per snippet (hooks/sandbox.py), `jobs` at a
time. The build, the tests, `make matrix` and the tools all run snippets through here or through
the same runner, with the settings of `SNIPPET_ENV`.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import cache
import sandbox
from run_snippet import imported_modules

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RUNNER = ROOT / "hooks" / "run_snippet.py"
TIMEOUT = 120  # seconds for one snippet in the build (the tests allow 60 s on an idle machine)
# What every snippet runs with in the build: one thread and a fixed hash seed, nothing more. One
# thread because the order in which threads add up a sum changes its last bits (and a snippet's
# timings are steadier); the hash seed because a set of strings prints in another order under
# another seed. Nothing else: caps on the vector instructions (ATen's, MKL's, oneDNN's) were
# measured and do not make the numbers equal on every CPU (MKL_CBWR=COMPATIBLE neither), so the
# build runs the kernels a reader's `python FILE` runs, and the pages take measured values from
# the run (hooks/values.py). `make matrix` shows that the asserts hold under every variant.
SNIPPET_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
}


def settings(variant: dict[str, str] | None = None) -> dict[str, str]:
    """The environment variables a snippet runs with: SNIPPET_ENV, then a variant's own."""
    return {**SNIPPET_ENV, **(variant or {})}


def run_snippets(
    relatives: list[str], jobs: int | None = None, variant: dict[str, str] | None = None
) -> dict[str, dict | str]:
    """Each snippet's result (from the cache, or run now), or the error message that names it.
    `variant` adds or overrides settings (`make matrix`'s kernels and threads)."""
    env = settings(variant)
    results: dict[str, dict | str] = {}
    misses = []
    for relative in relatives:
        cached = cache.read(cache.entry(relative, SNIPPETS / relative, env), ROOT)
        if cached is not None:
            results[relative] = cached
        else:
            misses.append(relative)
    if misses:
        results.update(_run_fresh(misses, jobs or os.cpu_count() or 2, env))
    return results


def _run_fresh(relatives: list[str], jobs: int, settings: dict[str, str]) -> dict[str, dict | str]:
    modules = set()
    for relative in relatives:
        with contextlib.suppress(SyntaxError, OSError):
            modules |= imported_modules((SNIPPETS / relative).read_text(encoding="utf-8"))
    results: dict[str, dict | str] = {}
    with tempfile.TemporaryDirectory(prefix="snippet-runs-") as tmp:
        env = {**os.environ, **settings}
        env.pop("MPLBACKEND", None)
        server_log = Path(tmp) / "server.log"
        with open(server_log, "w") as errors:
            server = subprocess.Popen(
                [
                    sys.executable,
                    str(RUNNER),
                    "--serve",
                    "--jobs",
                    str(jobs),
                    "--preload",
                    ",".join(sorted(modules)),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
                cwd=tmp,
                start_new_session=True,
            )
        try:
            ready = server.stdout.readline()
            if not ready:
                message = f"the snippet runner did not start:\n{server_log.read_text()}"
                return {relative: message for relative in relatives}
            for number, relative in enumerate(relatives):
                request = {
                    "id": number,
                    "path": str(SNIPPETS / relative),
                    "dir": str(Path(tmp) / str(number)),
                    "timeout": TIMEOUT,
                    "root": str(ROOT),
                }
                server.stdin.write(json.dumps(request) + "\n")
            server.stdin.close()
            for line in server.stdout:
                answer = json.loads(line)
                relative = relatives[answer["id"]]
                results[relative] = _collect(relative, Path(tmp) / str(answer["id"]), answer)
                if isinstance(results[relative], dict):
                    entry = cache.entry(relative, SNIPPETS / relative, settings)
                    cache.write(entry, results[relative])
        finally:
            sandbox.kill_group(server.pid)
            server.wait()
    for relative in relatives:
        results.setdefault(relative, f"snippets/{relative}: the snippet runner stopped before it")
    return results


def _collect(relative: str, work: Path, answer: dict) -> dict | str:
    name = f"snippets/{relative}"

    def text(file: str) -> str:
        path = work / file
        if not path.is_file():
            return ""
        if path.stat().st_size > sandbox.MAX_OUTPUT:
            return "\0too much"
        return path.read_text(encoding="utf-8", errors="replace")

    stdout, stderr = text("stdout"), text("stderr")
    code = answer["returncode"]
    if answer["timed_out"]:
        return f"{name} did not finish within {TIMEOUT} s (stopped, with every process it started)"
    if code and sandbox.FILE_TOO_LARGE in stderr:  # Python ignores SIGXFSZ: the write fails
        return (
            f"{name} wrote a file over {sandbox.MAX_FILE // 2**20} MB, the cap:\n{stderr.strip()}"
        )
    if "\0too much" in (stdout, stderr) or code in (128 + 25, -25):  # 25: SIGXFSZ
        return f"{name} printed more than {sandbox.MAX_OUTPUT // 1024} KB or wrote a file over {sandbox.MAX_FILE // 2**20} MB"
    if code != 0:
        return f"{name} failed (exit status {code}):\n{stderr.strip()}"
    if stderr.strip():
        return f"{name} wrote to stderr (a warning is a defect too):\n{stderr.strip()}"
    try:
        result = json.loads((work / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{name} ended without its result (did it call os._exit?)"
    printed = sum(len(s.get("stdout", "")) for s in result.get("sections", {}).values())
    if printed > sandbox.MAX_OUTPUT:
        return f"{name} printed more than {sandbox.MAX_OUTPUT // 1024} KB"
    result["data"] = {
        file: cache.digest(ROOT / file)
        for file in result.pop("opened", [])
        if (ROOT / file).is_file()
    }
    result["ran_on"] = dt.datetime.now(dt.UTC).date().isoformat()
    return result


def printed(result: dict) -> str:
    """Everything a run printed, in the file's order."""
    return "".join(section.get("stdout", "") for section in result.get("sections", {}).values())
