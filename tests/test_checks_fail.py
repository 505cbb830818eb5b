"""Tests of the tests: every check in the suite is shown to fail on a broken example.

A check that cannot fail is a defect. Each case below breaks one thing on purpose and asserts
that the check catches it with a message naming the file.
"""

from __future__ import annotations

import re
import shutil
import textwrap
from pathlib import Path

import pytest
from checks import (
    hidden_lines,
    pairing,
    ruff_problems,
    snippet_run_problems,
    snippet_sections,
    stray_python_fences,
)
from conftest import ROOT, build_site


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    return path


# --- running snippets -----------------------------------------------------------------------------

BROKEN_SNIPPETS = {
    "raises": ("print('hello')\nraise ValueError('broken on purpose')\n", "ValueError"),
    "nondeterministic": ("import random\nprint(random.random())\n", "different output"),
    "downloads": (
        "import urllib.request\nurllib.request.urlopen('http://example.com', timeout=5)\n",
        "network access is disabled",
    ),
    "warns": ("import warnings\nwarnings.warn('deprecated on purpose')\n", "stderr"),
    "hangs": ("import time\ntime.sleep(30)\n", "did not finish"),
}


@pytest.mark.parametrize("case", sorted(BROKEN_SNIPPETS))
def test_snippet_run_check_fails_on(case, tmp_path):
    source, expected = BROKEN_SNIPPETS[case]
    snippet = write(tmp_path / f"{case}.py", source)
    problems = snippet_run_problems(snippet, timeout=5)
    assert problems and expected in problems[0] and str(snippet) in problems[0], problems


def test_output_check_fails_when_the_page_shows_other_output(tmp_path):
    snippet = write(tmp_path / "lesson.py", "print('the real output')\n")
    stale_page = '<span class="filename">Output</span><pre><code>an old output</code></pre>'
    problems = snippet_run_problems(snippet, timeout=30, page_html=stale_page)
    assert (
        len(problems) == 2
        and "'the real output'" in problems[0]
        and "'an old output'" in problems[1]
    )


BROKEN_SECTIONS = {
    "code outside a section": "import math\n# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n",
    "indented marker": "if True:\n    # --8<-- [start:a]\n    x = 1\n    # --8<-- [end:a]\n",
    "duplicate name": "# --8<-- [start:a]\n# --8<-- [end:a]\n# --8<-- [start:a]\n# --8<-- [end:a]\n",
    "never closed": "# --8<-- [start:a]\nx = 1\n",
    "name with a digit first": "# --8<-- [start:1a]\nx = 1\n# --8<-- [end:1a]\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN_SECTIONS))
def test_section_check_fails_on(case, tmp_path):
    snippet = write(tmp_path / "lesson.py", BROKEN_SECTIONS[case])
    _, problems = snippet_sections(snippet)
    assert problems and str(snippet) in problems[0], problems


# --- pages ----------------------------------------------------------------------------------------


def test_hidden_line_check_fails_on_a_section_the_page_never_shows(tmp_path):
    snippets = tmp_path / "snippets"
    snippet = write(
        snippets / "01-x" / "lesson.py",
        """
        # --8<-- [start:shown]
        print("shown")
        # --8<-- [end:shown]
        # --8<-- [start:hidden]
        print("runs, but the reader never sees it")
        # --8<-- [end:hidden]
        """,
    )
    page = write(
        tmp_path / "docs" / "01-x" / "lesson.md",
        '```python exec="on"\n--8<-- "01-x/lesson.py:shown"\n```\n',
    )
    problems = hidden_lines(page, snippet, snippets)
    assert len(problems) == 1 and "'hidden'" in problems[0] and str(snippet) in problems[0]


def test_stray_fence_check_fails_on_python_typed_into_a_page(tmp_path):
    page = write(tmp_path / "page.md", "Text.\n\n```python\nprint('typed by hand')\n```\n")
    problems = stray_python_fences(page)
    assert problems and f"{page}:3" in problems[0]


def test_stray_fence_check_finds_fences_nested_in_admonitions(tmp_path):
    page = write(tmp_path / "page.md", '??? note "x"\n\n    ```py\n    x = 1\n    ```\n')
    assert stray_python_fences(page)


@pytest.mark.parametrize(
    "case", ["snippet without page", "page runs another snippet", "code without twin"]
)
def test_pairing_check_fails_on(case, tmp_path):
    docs, snippets = tmp_path / "docs", tmp_path / "snippets"
    write(snippets / "01-x" / "a.py", "# --8<-- [start:s]\n# --8<-- [end:s]\n")
    write(docs / "01-x" / "a.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    assert not pairing(docs, snippets)
    if case == "snippet without page":
        write(snippets / "01-x" / "b.py", "x = 1\n")
    elif case == "page runs another snippet":
        write(snippets / "01-x" / "b.py", "x = 1\n")
        write(docs / "01-x" / "b.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    else:
        write(docs / "01-x" / "c.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    assert pairing(docs, snippets)


def test_ruff_check_fails_on_lint_and_format_errors(tmp_path):
    write(tmp_path / "bad.py", "import os\nx = [1,2,\n  3]\n")
    problems = ruff_problems(tmp_path)
    assert len(problems) == 2 and "F401" in problems[0] and "bad.py" in problems[1]


# --- the strict build -----------------------------------------------------------------------------

LESSON_MD = """
# Lesson

```python exec="on"
--8<-- "01-demo/lesson.py:hello"
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


def mini_site(root: Path) -> Path:
    """A two-page copy of the site's set-up (same mkdocs.yml settings and hooks), built in tmp."""
    shutil.copytree(ROOT / "hooks", root / "hooks")
    if (ROOT / "overrides").is_dir():
        shutil.copytree(ROOT / "overrides", root / "overrides")
    for asset in ("stylesheets", "javascripts"):
        if (ROOT / "docs" / asset).is_dir():
            shutil.copytree(ROOT / "docs" / asset, root / "docs" / asset)
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    config = config[: config.index("\nnav:")] + "\nnav:\n  - index.md\n  - 01-demo/lesson.md\n"
    write(root / "mkdocs.yml", config)
    write(root / "docs" / "index.md", "# Roadmap\n")
    write(root / "docs" / "01-demo" / "lesson.md", LESSON_MD)
    write(root / "snippets" / "01-demo" / "lesson.py", LESSON_PY)
    return root / "mkdocs.yml"


def test_the_unbroken_mini_site_builds(tmp_path):
    config = mini_site(tmp_path)
    done = build_site(config, tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello" in (tmp_path / "site" / "01-demo" / "lesson" / "index.html").read_text()


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


BREAKAGES = {
    # case: (file to edit, old, new, text the error must contain)
    "a snippet that raises": (
        "snippets/01-demo/lesson.py",
        "print(greeting)",
        "print(greeting)\nraise RuntimeError('boom')",
        r'snippets/01-demo/lesson\.py", line 4.*RuntimeError: boom',
    ),
    "an include of a missing file": (
        "docs/01-demo/lesson.md",
        "01-demo/lesson.py:hello",
        "01-demo/missing.py:hello",
        r"docs/01-demo/lesson\.md:4.*missing\.py",
    ),
    "an include of a missing section": (
        "docs/01-demo/lesson.md",
        "lesson.py:hello",
        "lesson.py:goodbye",
        r"docs/01-demo/lesson\.md:4.*no section 'goodbye'",
    ),
    "a plain include of a missing file": (
        "docs/01-demo/lesson.md",
        "## Summary",
        '## Summary\n\n```python\n--8<-- "01-demo/missing.py"\n```',
        r"docs/01-demo/lesson\.md:12.*missing\.py",
    ),
    "a plain include of a missing section": (
        "docs/01-demo/lesson.md",
        "## Summary",
        '## Summary\n\n```python\n--8<-- "01-demo/lesson.py:goodbye"\n```',
        r"docs/01-demo/lesson\.md:12.*no section 'goodbye'",
    ),
    "a broken link": (
        "docs/01-demo/lesson.md",
        "../index.md#roadmap",
        "../missing.md",
        r"01-demo/lesson\.md.*missing\.md",
    ),
    "a broken anchor": (
        "docs/01-demo/lesson.md",
        "../index.md#roadmap",
        "../index.md#nowhere",
        r"01-demo/lesson\.md.*nowhere",
    ),
    "a page missing from nav": (
        "mkdocs.yml",
        "  - 01-demo/lesson.md\n",
        "",
        r"not included in the \"nav\".*01-demo/lesson\.md",
    ),
    "a figure without alt text": (
        "snippets/01-demo/lesson.py",
        "print(greeting)",
        "print(greeting)\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
        r"docs/01-demo/lesson\.md:3.*alt=",
    ),
    "a lesson without its Run it yourself section": (
        "docs/01-demo/lesson.md",
        "## Run it yourself",
        "## Try it",
        r"docs/01-demo/lesson\.md.*Run it yourself",
    ),
}


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_strict_build_fails_naming_the_file_on(case, tmp_path):
    config = mini_site(tmp_path)
    target, old, new, expected = BREAKAGES[case]
    _replace(tmp_path / target, old, new)
    done = build_site(config, tmp_path / "site")
    log = done.stdout + done.stderr
    assert done.returncode != 0, f"the build passed despite {case}:\n{log}"
    assert re.search(expected, log, re.S), f"the error does not name the file:\n{log}"
