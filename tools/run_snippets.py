"""Run every snippet as a reader would and report each one's exit status and time.

    python tools/run_snippets.py            # all of snippets/
    python tools/run_snippets.py 04-pytorch # one stage

Useful on a machine the tests do not cover, such as one with a GPU: the lessons pick `cuda`
when it is available, so this shows that they still run, and still pass their asserts, there.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    pattern = sys.argv[1] if len(sys.argv) > 1 else ""
    snippets = sorted(p for p in (ROOT / "snippets").rglob("*.py") if pattern in p.as_posix())
    sys.path.insert(0, str(ROOT / "hooks"))
    from runs import SNIPPET_ENV  # the build's settings: one thread, the same CPU kernels

    env = {**os.environ, **SNIPPET_ENV, "MPLBACKEND": "agg"}
    try:
        import torch

        print(f"torch {torch.__version__}, CUDA available: {torch.cuda.is_available()}")
    except ImportError:
        print("torch is not installed")
    failed = 0
    for path in snippets:
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, str(path)], env=env, cwd=path.parent, capture_output=True, text=True
        )
        seconds = time.perf_counter() - started
        status = "ok" if done.returncode == 0 else f"FAILED ({done.returncode})"
        print(f"{status:12} {seconds:6.2f} s  {path.relative_to(ROOT)}", flush=True)
        if done.returncode != 0:
            failed += 1
            print("    " + "\n    ".join(done.stderr.strip().splitlines()[-6:]))
    print(f"{len(snippets) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
