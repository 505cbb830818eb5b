"""Pages and snippets pair both ways, every line of a snippet is shown, Python is never typed into
a page, and code is linted. The rules are hooks/rules.py's: the build applies the same ones."""

from __future__ import annotations

import pytest
from checks import ruff_problems
from conftest import DOCS, ROOT, SNIPPETS
from rules import hidden_lines, pairing, stray_python_fences
from sections import is_notebook

PAGES = sorted(DOCS.rglob("*.md"))
# A project page is made from its whole snippet: only lessons can hide a section.
SNIPPET_FILES = [p for p in sorted(SNIPPETS.rglob("*.py")) if not is_notebook(p.read_text())]


def test_pages_and_snippets_pair_both_ways():
    problems = pairing(DOCS, SNIPPETS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_python_code_comes_from_snippets(page):
    problems = stray_python_fences(page.read_text(encoding="utf-8"), str(page))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "snippet", SNIPPET_FILES, ids=[p.relative_to(SNIPPETS).as_posix() for p in SNIPPET_FILES]
)
def test_every_line_of_the_snippet_is_shown_on_its_page(snippet):
    page = DOCS / snippet.relative_to(SNIPPETS).with_suffix(".md")
    assert page.is_file(), f"{snippet} has no page {page}"
    problems = hidden_lines(page.read_text(encoding="utf-8"), snippet, SNIPPETS, str(page))
    assert not problems, "\n".join(problems)


def test_ruff_check_and_format():
    problems = ruff_problems(ROOT / "snippets", ROOT / "tests", ROOT / "hooks", ROOT / "tools")
    assert not problems, "\n".join(problems)
