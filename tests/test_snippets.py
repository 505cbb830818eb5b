"""Every snippet runs as a reader would run it (`python FILE`, a fresh process, offline, confined)
and prints exactly what the build's run of it printed: two runs, in two kinds of process, that
must agree. Its sections (or notebook cells) are well formed."""

from __future__ import annotations

import pytest
from checks import build_output, run_problems
from conftest import SNIPPETS
from rules import layout_problems

ALL = sorted(SNIPPETS.rglob("*.py"))
IDS = [path.relative_to(SNIPPETS).as_posix() for path in ALL]


def test_there_are_snippets():
    assert ALL, "no snippet files found under snippets/"


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_runs_as_a_reader_runs_it_and_prints_what_the_build_printed(snippet, build_results):
    expected = build_output(build_results[snippet.relative_to(SNIPPETS).as_posix()])
    problems = run_problems(snippet, expected, timeout=60)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("snippet", ALL, ids=IDS)
def test_snippet_sections_are_well_formed(snippet):
    problems = layout_problems(snippet)
    assert not problems, "\n".join(problems)
