"""A small copy of the site, for the tests that build it broken on purpose or drive it in a
browser: the real hooks, includes, assets and mkdocs.yml settings, with demo lessons and projects
of its own in 01-demo/."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


def replace(path: Path, old: str, new: str) -> None:
    """Replace `old` by `new` in a file (`old` must be there); an empty `old` writes the file."""
    if not old:
        write(path, new)
        return
    text = path.read_text(encoding="utf-8")
    assert old in text, (path, old)
    path.write_text(text.replace(old, new), encoding="utf-8")


LESSON_MD = """
# Lesson

```python exec="on"
--8<-- "01-demo/{slug}.py:hello"
```

## Run it yourself

## Summary

See [the roadmap](../index.md#roadmap).
"""

LESSON_PY = """
# --8<-- [start:hello]
greeting = "hello"
print(greeting)
# --8<-- [end:hello]
"""

PROJECT_PY = """# ---
# outcome: "a project page made from its snippet"
# minutes: 5
# ---

# %% [markdown]
# # Project
#
# A project page.

# %%
answer = 6 * 7
print(f"answer={answer}")

# %% [markdown]
# The answer is {glue}`answer`.
#
# ## Run it yourself
#
# ## Summary
#
# See [the roadmap](../index.md#roadmap).
#
# ## Exercises
#
# 1. What is six times seven, minus forty-two?

# %% tags=["solution"]
print(f"remainder={6 * 7 - answer}")
"""


def share_set_up_files(root: Path) -> None:
    """Give a copy of the project at `root` the files set-up fetched and checked (git ignores
    them): Pyodide's (make pyodide, 25 MiB) and axe-core (make axe), linked rather than copied."""
    (root / ".cache").mkdir(exist_ok=True)
    for name in ("pyodide", "axe"):
        (root / ".cache" / name).symlink_to(ROOT / ".cache" / name)


def mini_site(
    root: Path, lessons=("lesson",), projects=("project",), aliases: dict | None = None
) -> Path:
    """A small copy of the site's set-up (same mkdocs.yml settings and hooks), built in tmp: a
    lesson page with its snippet for each name in `lessons`, a project page for each in
    `projects`, all in 01-demo/."""
    shutil.copytree(ROOT / "hooks", root / "hooks")
    shutil.copytree(ROOT / "includes", root / "includes")
    share_set_up_files(root)
    ids = [f"01-demo/{name}" for name in (*lessons, *projects)]
    listed = "".join(f"  - {i}\n" for i in [*ids, *(aliases or {})])
    alias_lines = "".join(f"  {old}: {new}\n" for old, new in (aliases or {}).items())
    write(
        root / "lessons.yml",
        f"aliases:{' {}' if not aliases else ''}\n{alias_lines}lessons:\n{listed}",
    )
    if (ROOT / "overrides").is_dir():
        shutil.copytree(ROOT / "overrides", root / "overrides")
    for asset in ("stylesheets", "javascripts"):
        if (ROOT / "docs" / asset).is_dir():
            shutil.copytree(ROOT / "docs" / asset, root / "docs" / asset)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config[: config.index("\nnav:")]
    config += "\nnav:\n  - index.md\n" + "".join(f"  - {i}.md\n" for i in ids)
    write(root / "mkdocs.yml", config)
    write(root / "docs" / "index.md", "# Roadmap\n")
    for name in lessons:
        write(root / "docs" / "01-demo" / f"{name}.md", LESSON_MD.replace("{slug}", name))
        write(root / "snippets" / "01-demo" / f"{name}.py", LESSON_PY)
    for name in projects:
        write(root / "snippets" / "01-demo" / f"{name}.py", PROJECT_PY)
    return root / "mkdocs.yml"
