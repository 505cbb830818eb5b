"""No unchecked number: every number a lesson page states is printed or asserted by its code,
or quoted from a cited source (the rule and its exceptions: hooks/numbers_rule.py)."""

from __future__ import annotations

import pytest
from conftest import SNIPPETS, find_lessons, page_sources
from numbers_rule import unchecked_numbers

SNIPPET = """\
# --8<-- [start:train]
accuracy = 9711 / 10_000  # a measured value, as far as the rule can tell
print(f"test accuracy: {accuracy:.4f}")
assert accuracy > 0.95
# --8<-- [end:train]
"""
PRINTED = "test accuracy: 0.9711\n"


@pytest.mark.parametrize(
    "text",
    [
        "It stays above 95 %, which the code asserts.",  # an assert bound
        "The network reaches {glue:text}`test accuracy:.1%` on the test set.",  # from the run
        "Accuracy {glue:text}`test accuracy:.2f` after training.",  # from the run, rounded
        "The paper reports <q>a top-5 error of 15.3 %</q>.",  # quoted from its source
        "> The paper's abstract: 15.3 % top-5 error.",  # a block quote
        "| | The paper | This page |\n|---|---|---|\n| accuracy | 84.7 % | {glue}`test accuracy` |",
        "Read it in 1 h 30, then do exercise 2 of Stage 3, as Python 3.11 runs it (2012).",
        '```python exec="on" alt="A curve ending at {glue}`test accuracy`."\n--8<-- "x.py:train"\n```',
    ],
)
def test_exact_quoted_and_filled_numbers_pass(text):
    assert not unchecked_numbers(text, "docs/x.md", SNIPPET, PRINTED)


@pytest.mark.parametrize(
    "text, written, fix",
    [
        ("The network reaches 97.1 % on the test set.", "97.1%", "{glue:text}`test accuracy:.1%`"),
        ("Accuracy 0.97 after training.", "0.97", "{glue:text}`test accuracy:.2f`"),
        (
            "| | The paper | This page |\n|---|---|---|\n| acc | 1 | 0.9711 |",
            "0.9711",
            "{glue}`test accuracy`",
        ),
        (
            '```python exec="on" alt="A curve ending at 0.9711."\n```',
            "0.9711",
            "{glue}`test accuracy`",
        ),
    ],
)
def test_a_measured_number_written_as_a_literal_fails_naming_its_placeholder(text, written, fix):
    """Printed by the code is not enough: the next machine prints other last digits."""
    problems = unchecked_numbers(text, "docs/x.md", SNIPPET, PRINTED)
    line = next(i for i, t in enumerate(text.splitlines(), 1) if written.rstrip("%") in t)
    assert len(problems) == 1, problems
    assert f"docs/x.md:{line}: the number {written} is only printed by the code" in problems[0]
    assert f"write {fix} instead" in problems[0], problems


@pytest.mark.parametrize("lesson", find_lessons())
def test_every_number_on_the_page_is_checked_by_its_code(lesson, build_results):
    markdown = page_sources()[f"{lesson}.md"]
    snippet = (SNIPPETS / f"{lesson}.py").read_text(encoding="utf-8")
    sections = build_results[f"{lesson}.py"]["sections"]
    printed = "".join(section.get("stdout", "") for section in sections.values())
    problems = unchecked_numbers(markdown, f"docs/{lesson}.md", snippet, printed)
    assert not problems, "\n".join(problems)
