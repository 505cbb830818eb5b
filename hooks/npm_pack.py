"""Set-up's one way to take files from npm: `npm pack` of one pinned release, refused unless its
sha512 is the `dist.integrity` pinned by the caller (hooks/pyodide_files.py, tests/axe_files.py)."""

from __future__ import annotations

import base64
import hashlib
import io
import subprocess
import sys
import tarfile
from pathlib import Path


def integrity(data: bytes) -> str:
    """npm's `dist.integrity` of a tarball: sha512, base64."""
    return "sha512-" + base64.b64encode(hashlib.sha512(data).digest()).decode()


def npm_pack(name: str, version: str, pinned: str, folder: Path, files: list[str]) -> dict:
    """`files` (paths inside the package) of the npm release `name@version`, whose tarball must
    have the integrity `pinned`; set-up stops, saying what, on anything else."""
    done = subprocess.run(
        ["npm", "pack", f"{name}@{version}", "--silent", "--pack-destination", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        sys.exit(f"set-up: npm pack {name}@{version} failed:\n{done.stderr}")
    data = (folder / f"{name}-{version}.tgz").read_bytes()
    if integrity(data) != pinned:
        sys.exit(f"set-up: {name}-{version}.tgz from npm is not the pinned release: refused")
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        return {path: archive.extractfile(f"package/{path}").read() for path in files}
