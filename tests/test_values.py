"""Values the prose takes from the run (hooks/values.py): `{glue}`label`` is filled with the number
the snippet printed right after that label, in prose, tables and figure descriptions, never in code
blocks; a label that names no number, or several, is an error naming the page and line."""

from __future__ import annotations

import pytest
from values import fill, matches, value

PRINTED = """\
train (1077, 64) validation (360, 64)
loss before training = 2.3007, ln 10 = 2.3026
epoch  1: train loss 1.1019, validation loss 1.1151
epoch 20: train loss 0.0511, validation loss 0.1293
test accuracy 0.9667
temperature 0.5: 87% consistent
parameters: 61,100,840
gradient error -1.5e-07
"""


def at(line: int) -> str:
    return f"docs/x.md:{line}"


@pytest.mark.parametrize(
    "body, expected",
    [
        ("loss before training", "2.3007"),
        ("ln 10", "2.3026"),
        ("epoch 20: train loss", "0.0511"),
        ("epoch 20 ... validation loss", "0.1293"),
        ("test accuracy:.1%", "96.7%"),
        ("test accuracy:.2f", "0.97"),
        ("train", "1077"),
        ("validation", "360"),  # "validation loss 1.1151": a word, not a number, follows
        ("temperature 0.5:", "87%"),
        ("temperature 0.5::.2f", "0.87"),
        ("parameters", "61,100,840"),
        ("parameters:,d", "61,100,840"),
        ("gradient error", "-1.5e-07"),
        ("epoch 1: train loss", "1.1019"),  # printed "epoch  1:", aligned
    ],
)
def test_a_label_names_the_number_printed_after_it(body, expected):
    assert value(PRINTED, body) == expected


def test_filled_in_prose_tables_and_alt_but_not_in_code_blocks():
    markdown = (
        "Loss {glue}`loss before training`, then {glue:text}`test accuracy:.1%`.\n"
        "| model | accuracy |\n|---|---|\n| ours | {glue}`test accuracy` |\n"
        '```python exec="on" alt="Accuracy {glue}`test accuracy`."\n'
        '--8<-- "x.py:a"\n```\n'
        "```bash\necho {glue}`test accuracy`\n```\n"
    )
    filled, problems = fill(markdown, PRINTED, at)
    assert not problems, problems
    assert "Loss 2.3007, then 96.7%." in filled
    assert "| ours | 0.9667 |" in filled
    assert 'alt="Accuracy 0.9667."' in filled
    assert "echo {glue}`test accuracy`" in filled  # code is shown as written


@pytest.mark.parametrize(
    "markdown, message",
    [
        (
            "\nThe {glue}`test loss` fell.",
            "docs/x.md:2: {glue}`test loss`: the code prints no number",
        ),
        ("{glue}`train loss`", "'train loss' comes before 2 printed numbers (output lines 3, 4)"),
        ("{glue:text}`epoch:.2f`", "'epoch' comes before 2 printed numbers"),
        ("{glue}`loss before`", "the code prints no number right after 'loss before'"),
    ],
)
def test_a_label_that_names_no_number_or_several_is_an_error(markdown, message):
    _, problems = fill(markdown, PRINTED, at)
    assert len(problems) == 1 and message in problems[0], problems


def test_a_page_without_a_snippet_cannot_fill_a_value():
    _, problems = fill("{glue}`x`", None, at, "this page has no snippet of its own")
    assert problems == ["docs/x.md:1: {glue}`x`: this page has no snippet of its own"]
    filled, problems = fill("{glue}`x`", None, at)  # the snippet failed: reported elsewhere
    assert filled == "x" and not problems


def test_a_label_must_start_at_a_word():
    assert len(matches("retrain loss 0.5\ntrain loss 0.25\n", "train loss")) == 1
