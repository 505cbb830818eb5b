"""Values from a snippet's run, filled into its page's prose: the text never disagrees with the code.

A measured value (an accuracy, a loss, a ratio, a time) differs in its last digits from one
machine to another. So a page does not write it; it names it, by the label its snippet prints it
under, and the build fills in the value from the same run whose output the page shows:

    The loss falls from {glue}`loss before training` to {glue}`epoch 20: train loss`.
    It gets {glue:text}`test accuracy:.1%` of the test digits right.

This follows MyST-NB's `glue` roles (`{glue}` inserts the value as printed, `{glue:text}` with a
Python format spec after the last colon), with one difference: nothing is stored from the code,
so a snippet stays a plain script with no import from this project. The label is any text of
the printed output that comes right before the number, separated from it by spaces, `:`, `=`,
`(` or `[` at most (the code prints `test accuracy 0.9667`, `loss=0.25`, `train (1077, 64)`). It
must name exactly one number of the snippet's whole output: a label that matches none, or more
than one, is an error naming the page and line, and so is a format that does not apply. A label
may hold digits (`epoch 20: train loss`); write as much of the printed line as it takes to be
unique, and `...` for text of the same line to skip (`epoch 20 ... validation loss`), such as
another measured number. A space in a label matches any run of spaces (aligned columns).

The build fills values in prose, tables, admonitions, figure descriptions (`alt="..."`), the
Stage 5 project pages (their markdown cells) and the notebooks made from the pages; not inside
code blocks. hooks/numbers_rule.py refuses a measured number written as a literal, and
`make matrix` (tools/matrix.py) reports each filled value's spread across machine variants.
"""

from __future__ import annotations

import math
import re
from pathlib import Path

GLUE = re.compile(r"\{glue(?::(?P<kind>text))?\}`(?P<body>[^`\n]+)`")
# A number as programs print it: a sign, digits (with thousands commas), decimals, an exponent,
# and a percent sign ("0.9667", "-1.5e-07", "61,100,840", "87%", "87 %").
NUMBER = (
    r"(?P<value>[-−+]?(?:\d{1,3}(?:,\d{3})+(?![\d,])|\d+)(?:\.\d+)?(?:[eE][-+]?\d+)?(?:\s?%)?)"
    r"(?![\w.]\d|\w)"
)
SEPARATOR = r"[ \t]*[:=([]?[ \t]*"
FORMAT_SPEC = re.compile(r"^[<>=^]?[+\- ]?#?0?\d*[,_]?(?:\.\d+)?[eEfFgG%d]$")
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})")

_outputs: dict[str, str] = {}  # snippet (relative to snippets/) -> what it printed in this build


class Unfilled(ValueError):
    """A placeholder that cannot be filled: the message says why."""


def remember(outputs: dict[str, str]) -> None:
    """What each snippet printed in this build (the build's hook calls it once per build)."""
    _outputs.clear()
    _outputs.update(outputs)


def output_of(relative: str) -> str | None:
    return _outputs.get(relative)


def split(body: str) -> tuple[str, str]:
    """A placeholder's label and format spec ("test accuracy:.1%" -> ("test accuracy", ".1%"))."""
    label, colon, spec = body.rpartition(":")
    if colon and FORMAT_SPEC.match(spec.strip()):
        return label.strip(), spec.strip()
    return body.strip(), ""


def matches(printed: str, label: str) -> list[re.Match]:
    """Every number of `printed` that comes right after `label`."""
    start = r"(?<![\w])" if label[:1].isalnum() or label[:1] == "_" else ""
    parts = [r"[ \t]+".join(map(re.escape, part.split())) for part in label.split("...")]
    text = r"[^\n]*?".join(parts)  # a space of the label matches any run of spaces
    pattern = re.compile(start + text + SEPARATOR + NUMBER)
    return list(pattern.finditer(printed))


def number(text: str) -> float:
    """The value of a printed number ("87 %" -> 0.87, "61,100,840" -> 61100840.0)."""
    clean = text.replace("−", "-").replace(",", "").replace(" ", "")
    if clean.endswith("%"):
        return float(clean[:-1]) / 100
    return float(clean)


def value(printed: str, body: str) -> str:
    """The text a placeholder stands for in this output, or Unfilled saying why not."""
    label, spec = split(body)
    found = matches(printed, label)
    if not found:
        raise Unfilled(
            f"the code prints no number right after '{label}' (the label is the printed text "
            "just before the number, as in `loss=0.25` or `test accuracy 0.9667`)"
        )
    if len(found) > 1:
        lines = sorted({printed.count("\n", 0, m.start()) + 1 for m in found})
        raise Unfilled(
            f"'{label}' comes before {len(found)} printed numbers (output lines "
            f"{', '.join(map(str, lines))}); write more of the printed line so that it names one"
        )
    text = found[0]["value"]
    if not spec:
        return text
    amount = number(text)
    try:
        return format(int(amount) if spec.endswith("d") and amount.is_integer() else amount, spec)
    except ValueError as error:
        raise Unfilled(f"format '{spec}' does not apply to {text}: {error}") from error


def fill(
    markdown: str, printed: str | None, at=lambda line: f"line {line}", missing: str = ""
) -> tuple[str, list[str]]:
    """The Markdown with every placeholder outside code blocks replaced by its value, and the
    problems (each "<at(line)>: ...", `at` naming the file and line). `printed`: the twin snippet's output in this build, or
    None: then each placeholder shows its label, and `missing` (when given) says why that is a
    problem (a page with no snippet); a snippet that failed is reported on its own."""
    problems: list[str] = []
    out = []
    fence: str | None = None
    for line_number, line in enumerate(markdown.splitlines(keepends=True), 1):
        opening = FENCE.match(line)
        if fence is not None:
            closing = opening and opening["ticks"][0] == fence[0]
            if closing and len(opening["ticks"]) >= len(fence) and not line.strip().strip(fence[0]):
                fence = None
            out.append(line)
            continue
        if opening:
            fence = opening["ticks"]  # its info line (alt="...") is filled, its body is not

        def replace(match: re.Match, line_number: int = line_number) -> str:
            label = split(match["body"])[0]
            if printed is None:
                if missing:
                    problems.append(f"{at(line_number)}: {{glue}}`{match['body']}`: {missing}")
                return label
            try:
                return value(printed, match["body"])
            except Unfilled as error:
                problems.append(f"{at(line_number)}: {{glue}}`{match['body']}`: {error}")
                return label

        out.append(GLUE.sub(replace, line))
    return "".join(out), problems


def placeholders(markdown: str) -> list[str]:
    """The bodies of every placeholder of a page ("test accuracy:.1%")."""
    return [match["body"] for match in GLUE.finditer(markdown)]


def spreads(table: dict[str, dict[str, dict | str]]) -> dict[tuple[str, str], list[float]]:
    """For `make matrix`: each value a page fills in from its snippet, under each variant that
    ran the snippet: {(snippet, label): [value, ...]}. `table`: variant -> snippet -> result."""
    from projects import project_pages

    root = Path(__file__).resolve().parent.parent
    pages = {
        page.relative_to(root / "docs").with_suffix(".py").as_posix(): page.read_text("utf-8")
        for page in (root / "docs").rglob("*.md")
    }
    for relative in project_pages().values():
        pages[relative] = (root / "snippets" / relative).read_text("utf-8")
    found: dict[tuple[str, str], list[float]] = {}
    for relative, markdown in pages.items():
        for body in placeholders(markdown):
            label, _ = split(body)
            for results in table.values():
                result = results.get(relative)
                if not isinstance(result, dict):
                    continue
                printed = "".join(s.get("stdout", "") for s in result["sections"].values())
                hits = matches(printed, label)
                if len(hits) == 1 and math.isfinite(number(hits[0]["value"])):
                    found.setdefault((relative, label), []).append(number(hits[0]["value"]))
    return found
