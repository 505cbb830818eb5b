"""Every snippet runs as a reader would run it: in a fresh process, offline, twice, the same."""

from __future__ import annotations

import pytest
from checks import snippet_run_problems, snippet_sections
from conftest import SNIPPETS

ALL = sorted(SNIPPETS.rglob("*.py"))
IDS = [path.relative_to(SNIPPETS).as_posix() for path in ALL]


def test_there_are_snippets():
    assert ALL, "no snippet files found under snippets/"


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_runs_twice_the_same_and_its_page_shows_that_output(snippet, built_site):
    page = built_site / snippet.relative_to(SNIPPETS).with_suffix("") / "index.html"
    problems = snippet_run_problems(snippet, timeout=60, page_html=page.read_text(encoding="utf-8"))
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_sections_are_well_formed(snippet):
    _, problems = snippet_sections(snippet)
    assert not problems, "\n".join(problems)
