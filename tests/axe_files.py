"""Set-up for the browser tests: axe-core, the accessibility checker they inject into each page,
fetched from npm, checked, and cached.

    python tests/axe_files.py          # fetch into .cache/axe/<version>/ unless it is there

axe-core comes straight from its npm release, pinned by npm's sha512 `dist.integrity`
(`NPM_INTEGRITY`), and not through a Python wrapper: the wrapper on the package index
(axe-playwright-python 0.1.8) bundles axe 4.12.1, and 4.14 checks the site's pages with the same
rules in about 10 % less CPU (measured on the page sweep: 180 -> 160 core-seconds). Nothing here is
committed: the file is cached in .cache/axe/, like the rest of set-up.
"""

from __future__ import annotations

import functools
import hashlib
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))

from npm_pack import npm_pack  # noqa: E402

VERSION = "4.14.1"
NPM_INTEGRITY = "sha512-FHfa+lmNjQZfJz1q8wKqIDwC6DExcHt/pkjNQb09a3NPjCKg2rhu5qb2S4r76ASyFNNtuFooJpZe37OgudVGtQ=="
SCRIPT = "axe.min.js"
FOLDER = ROOT / ".cache" / "axe" / VERSION
STAMP = "sha256.txt"  # the script's sha256, written after the tarball's integrity was checked


def problems(folder: Path = FOLDER) -> list[str]:
    """What is wrong with the cached script: missing, or other bytes than set-up checked."""
    script, stamp = folder / SCRIPT, folder / STAMP
    if not script.is_file() or not stamp.is_file():
        return [f"{folder}: no checked axe-core {VERSION}; run `python tests/axe_files.py`"]
    if hashlib.sha256(script.read_bytes()).hexdigest() != stamp.read_text().strip():
        return [f"{script}: not the file set-up checked; delete {folder} and run set-up again"]
    return []


@functools.cache
def axe_script() -> str:
    """The text of axe-core's script, as set-up checked it (fails saying how to get it)."""
    found = problems()
    if found:
        raise RuntimeError("\n".join(found))
    return (FOLDER / SCRIPT).read_text(encoding="utf-8")


def fetch() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        data = npm_pack("axe-core", VERSION, NPM_INTEGRITY, Path(tmp), [SCRIPT])[SCRIPT]
    FOLDER.mkdir(parents=True, exist_ok=True)
    (FOLDER / SCRIPT).write_bytes(data)
    (FOLDER / STAMP).write_text(hashlib.sha256(data).hexdigest() + "\n")  # last: whole or nothing
    print(f"axe set-up: axe-core {VERSION} checked against its npm integrity")


if __name__ == "__main__":
    if problems():
        fetch()
    sys.exit(1 if problems() else 0)
