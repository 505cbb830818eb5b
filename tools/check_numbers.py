"""Check the numbers of lesson pages against what their code prints and holds.

    python tools/check_numbers.py docs/03-deep-learning-basics/pooling.md [more pages]
    python tools/check_numbers.py snippets/05-make-stuff/classification.py   # a project page

Runs each page's twin snippet with the build's runner (hooks/run_snippet.py, the build's settings)
and applies the rule of hooks/numbers_rule.py, the same one the build and tests/test_numbers.py
apply, and fills the page's `{glue}` placeholders (hooks/values.py) to show their values or say
which do not name one printed number.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "hooks"))
import render  # noqa: E402
from numbers_rule import unchecked_numbers  # noqa: E402
from projects import page_markdown  # noqa: E402
from runs import SNIPPET_ENV  # noqa: E402
from sections import is_notebook  # noqa: E402
from values import fill, placeholders, value  # noqa: E402


def main() -> int:
    problems = []
    for name in sys.argv[1:]:
        path = Path(name).resolve()
        if path.suffix == ".py":  # a project page, made from its snippet
            snippet = path
            relative = snippet.relative_to(ROOT / "snippets").as_posix()
            if not is_notebook(snippet.read_text(encoding="utf-8")):
                problems.append(f"{name}: not a project page; give its docs/ page instead")
                continue
            markdown = page_markdown(snippet.read_text(encoding="utf-8"), relative)
            where = f"snippets/{relative}"
        else:
            snippet = ROOT / "snippets" / path.relative_to(ROOT / "docs").with_suffix(".py")
            markdown = path.read_text(encoding="utf-8")
            where = str(path.relative_to(ROOT))
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
        found = unchecked_numbers(markdown, where, snippet.read_text(encoding="utf-8"), printed)
        found += fill(markdown, printed, lambda line, where=where: f"{where}:{line}")[1]
        if path.suffix == ".py":  # name the snippet's own line, as the build does
            page = Path(relative).with_suffix(".md").as_posix()
            found = [
                re.sub(
                    rf"^{re.escape(where)}:(\d+)",
                    lambda m, page=page: render.where(page, int(m[1])),
                    p,
                )
                for p in found
            ]
        problems += found
        for body in placeholders(markdown):
            with contextlib.suppress(ValueError):
                print(f"{where}: {{glue}}`{body}` = {value(printed, body)}")
    print("\n".join(problems) or "every number is checked")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
