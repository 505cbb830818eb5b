"""Pages and snippets pair both ways, every line of a snippet is shown, and code is linted."""

from __future__ import annotations

import pytest
from checks import hidden_lines, pairing, ruff_problems, stray_python_fences
from conftest import DOCS, ROOT, SNIPPETS

PAGES = sorted(DOCS.rglob("*.md"))
SNIPPET_FILES = sorted(SNIPPETS.rglob("*.py"))


def test_pages_and_snippets_pair_both_ways():
    problems = pairing(DOCS, SNIPPETS)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("page", PAGES, ids=[p.relative_to(DOCS).as_posix() for p in PAGES])
def test_python_code_comes_from_snippets(page):
    problems = stray_python_fences(page)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "snippet", SNIPPET_FILES, ids=[p.relative_to(SNIPPETS).as_posix() for p in SNIPPET_FILES]
)
def test_every_line_of_the_snippet_is_shown_on_its_page(snippet):
    page = DOCS / snippet.relative_to(SNIPPETS).with_suffix(".md")
    assert page.is_file(), f"{snippet} has no page {page}"
    problems = hidden_lines(page, snippet, SNIPPETS)
    assert not problems, "\n".join(problems)


def test_ruff_check_and_format():
    problems = ruff_problems(ROOT / "snippets", ROOT / "tests", ROOT / "hooks", ROOT / "tools")
    assert not problems, "\n".join(problems)
