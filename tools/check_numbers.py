"""Check the numbers of one or more lesson pages against what their code prints and holds.

    python tools/check_numbers.py docs/03-deep-learning-basics/pooling.md [more pages]

Runs each page's twin snippet with the build's runner (hooks/run_snippet.py) and applies the
rule of hooks/numbers_rule.py, the same one the build and tests/test_numbers.py apply.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
from numbers_rule import unchecked_numbers  # noqa: E402
from runs import SNIPPET_ENV  # noqa: E402


def main() -> int:
    problems = []
    for name in sys.argv[1:]:
        page = Path(name).resolve()
        relative = page.relative_to(ROOT / "docs").with_suffix(".py")
        snippet = ROOT / "snippets" / relative
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "result.json"
            env = {**os.environ, **SNIPPET_ENV}
            done = subprocess.run(
                [sys.executable, str(ROOT / "hooks" / "run_snippet.py"), str(snippet), str(out)],
                env=env,
                cwd=tmp,
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                problems.append(f"{snippet} failed:\n{done.stderr}")
                continue
            result = json.loads(out.read_text())
        printed = "".join(s.get("stdout", "") for s in result["sections"].values())
        problems += unchecked_numbers(
            page.read_text(encoding="utf-8"),
            str(page.relative_to(ROOT)),
            snippet.read_text(encoding="utf-8"),
            printed,
        )
    print("\n".join(problems) or "every number is checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
