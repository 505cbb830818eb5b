"""No unchecked number: every number a lesson page states is printed or asserted by its code,
or quoted from a cited source (the rule and its exceptions: hooks/numbers_rule.py)."""

from __future__ import annotations

import pytest
from conftest import SNIPPETS, find_lessons, page_sources
from numbers_rule import unchecked_numbers

SNIPPET = """\
# --8<-- [start:train]
accuracy = 0.9711
print(f"test accuracy: {accuracy:.4f}")
assert accuracy > 0.95
# --8<-- [end:train]
"""
PRINTED = "test accuracy: 0.9711\n"


@pytest.mark.parametrize(
    "text",
    [
        "The network reaches 97.1 % on the test set.",  # a printed number, rounded
        "It stays above 95 %, which the code asserts.",  # an assert bound
        "Accuracy 0.97 after training.",  # rounded to two decimals
        "The paper reports <q>a top-5 error of 15.3 %</q>.",  # quoted from its source
        "> The paper's abstract: 15.3 % top-5 error.",  # a block quote
        "| | The paper | This page |\n|---|---|---|\n| accuracy | 84.7 % | 97.11 % |",  # paper column
        "Read it in 1 h 30, then do exercise 2 of Stage 3, as Python 3.11 runs it (2012).",
        '```python exec="on" alt="A curve ending at 0.971."\n--8<-- "x.py:train"\n```',
    ],
)
def test_checked_and_quoted_numbers_pass(text):
    assert not unchecked_numbers(text, "docs/x.md", SNIPPET, PRINTED)


@pytest.mark.parametrize(
    "text, invented",
    [
        ("The network reaches 98.2 % on the test set.", "98.2%"),
        ("Training takes 7.3 s on one thread.", "7.3"),
        ('```python exec="on" alt="A loss curve that ends at 0.143."\n```', "0.143"),
        ("| | The paper | This page |\n|---|---|---|\n| error | 15.3 % | 4.2 % |", "4.2%"),
        ("!!! note\n    The loss starts at 2.3026.", "2.3026"),
        ("# comment: 0.9711 in a comment does not count\nA claim of 0.8812.", "0.8812"),
    ],
)
def test_an_invented_number_fails_naming_the_page_and_line(text, invented):
    problems = unchecked_numbers(text, "docs/x.md", SNIPPET + "# 0.8812\n", PRINTED)
    assert problems, text
    line = next(i for i, t in enumerate(text.splitlines(), 1) if invented.rstrip("%") in t)
    assert f"docs/x.md:{line}: the number {invented}" in problems[0], problems


def test_a_range_is_checked_at_both_ends():
    problems = unchecked_numbers("Between 0.95 and 0.99.", "docs/x.md", SNIPPET, PRINTED)
    assert len(problems) == 1 and "0.99" in problems[0]
    assert not unchecked_numbers("Lessons 4 to 6 and exercises 1, 2 or 3.", "x", SNIPPET, "")


@pytest.mark.parametrize("lesson", find_lessons())
def test_every_number_on_the_page_is_checked_by_its_code(lesson, build_results):
    markdown = page_sources()[f"{lesson}.md"]
    snippet = (SNIPPETS / f"{lesson}.py").read_text(encoding="utf-8")
    sections = build_results[f"{lesson}.py"]["sections"]
    printed = "".join(section.get("stdout", "") for section in sections.values())
    problems = unchecked_numbers(markdown, f"docs/{lesson}.md", snippet, printed)
    assert not problems, "\n".join(problems)
