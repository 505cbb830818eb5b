"""The snippet cache: each run's result kept under a key of everything that can change it.

A result is what hooks/runs.py collected from one run of one snippet file (what each section
printed and drew, the versions it ran with, the data files it read). It is stored as JSON in
`CACHE`, one file per snippet and key, written atomically (a temporary file, then os.replace), so
that two builds of one checkout (`make serve` while `make test` runs) can share the folder. A
missing, unreadable or truncated entry, or one whose data files changed since, is a miss.

The key (`cache_key`) covers the snippet's content, the runner's own files, the settings it runs
with (thread count, hash seed, a matrix variant's kernels), the isolation that confines it (the
namespaces or the socket shim, as `ROADMAP_ISOLATION` asks) and the versions of Python, of the
platform and of every installed distribution.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import sys
import tempfile
from importlib import metadata
from pathlib import Path

import sandbox

HOOKS = Path(__file__).resolve().parent
# ROADMAP_CACHE points several checkouts at one cache (entries are keyed by content).
CACHE = Path(os.environ.get("ROADMAP_CACHE", HOOKS.parent / ".cache" / "snippets"))
# The files whose content decides how a snippet runs: part of every key.
RUNNER_FILES = [
    HOOKS / "run_snippet.py",
    HOOKS / "figure_style.py",
    HOOKS / "sandbox.py",
    HOOKS / "sections.py",
    sandbox.SHIM / "sitecustomize.py",
]


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def environment_versions() -> dict[str, str]:
    """Python, the platform, whether a GPU is present, and every installed distribution's version
    (with its local tag: torch "2.13.0+cpu" and "2.13.0+cu130" are different builds)."""
    found = {
        "python": sys.version,
        "platform": platform.platform(),
        "gpu": str(Path("/dev/nvidia0").exists() or Path("/dev/dri").exists()),
    }
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name:
            found[f"dist:{name}"] = dist.version
    return found


_environment: dict[str, dict] = {}


def _versions() -> dict[str, str]:
    if "value" not in _environment:
        _environment["value"] = environment_versions()
    return _environment["value"]


def cache_key(path: Path, env: dict[str, str]) -> str:
    """Everything that changes what a snippet prints: its content, the runner's files, the
    settings it runs with (`env`), the isolation, and the versions of Python and the libraries."""
    key = hashlib.sha256(path.read_bytes())
    for runner_file in RUNNER_FILES:
        key.update(runner_file.read_bytes())
    settings = {
        "env": env,
        "isolation": sandbox.effective_isolation(),
        "max_output": sandbox.MAX_OUTPUT,
        "max_file": sandbox.MAX_FILE,
        "versions": _versions(),
    }
    key.update(json.dumps(settings, sort_keys=True).encode())
    return key.hexdigest()[:24]


def entry(relative: str, path: Path, env: dict[str, str]) -> Path:
    """The cache file of snippets/<relative> (at `path`) run with `env`."""
    return CACHE / f"{relative.replace('/', '--').removesuffix('.py')}-{cache_key(path, env)}.json"


def read(file: Path, root: Path) -> dict | None:
    """A cached result, or None: a missing, unreadable or truncated entry, or one whose data
    files (relative to `root`) have changed, is a miss."""
    try:
        result = json.loads(file.read_text(encoding="utf-8"))
        for name, expected in result.get("data", {}).items():
            if digest(root / name) != expected:
                return None
        return result if isinstance(result.get("sections"), dict) else None
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def write(file: Path, result: dict) -> None:
    """Write atomically: a temporary file in the cache folder, then os.replace."""
    file.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=file.parent, prefix=f".{file.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(result, out)
        os.replace(temporary, file)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
