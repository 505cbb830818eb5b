"""Every number a lesson page states holds on every machine: the rule behind "no unchecked number".

A lesson page (docs/NN-stage/.../slug.md with a twin snippets/NN-stage/.../slug.py, or a Stage 5
project page made from its snippet) may write a number in its prose, lists, tables, admonitions,
formulas or figure descriptions (`alt="..."`) only when one of these holds:

1. it is exact by construction: the snippet's code holds it as a literal, an assert bound, a
   constant or an argument (`assert acc > 0.95` backs "above 95 %", `assert n == 2410` backs
   "2410 parameters"); comments and strings do not count;
2. it is quoted from a cited source: inside `<q>...</q>`, in a `>` block quote, or in a table
   column whose header starts with "The paper";
3. it is not a claim: a year (1950-2035), a reading time ("1 h 30", "20 min", "3 days"), a
   position ("Stage 3", "lesson 2", "exercise 1", "section 9.3", "step 4", "figure 2"), a
   version ("Python 3.11"), an ordered-list number, or digits inside a word or name
   (`float32`, "L2", "3D", `log10`).

A number that only the code's printed output backs is an error: a measured value (an accuracy, a
loss, a ratio, a time) differs in its last digits from machine to machine, so the page takes it
from the run with a placeholder, `{glue}`label`` (hooks/values.py), and the build fills it in.
The message names the label to write, when the printed output has one.

The build (hooks/snippets.py) and the tests (tests/test_numbers.py) call `unchecked_numbers`
on every lesson page: the build warns (so `mkdocs build --strict` fails), the test fails.
"""

from __future__ import annotations

import io
import math
import re
import tokenize

from values import GLUE, matches

NUMBER = re.compile(
    r"(?<![\w.\-])(?P<sign>[-−])?(?P<digits>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:_\d+)*)(?P<fraction>\.\d+)?"
    r"(?:[eE](?P<exponent>[-+−]?\d+))?(?![\w])(?!\.\d)"  # not part of 127.0.0.1 or 2.13.0
)
PERCENT = re.compile(r"^\s?%")
NOT_A_CLAIM_BEFORE = re.compile(
    r"(?:\b(?:stages?|lessons?|exercises?|parts?|chapters?|sections?|figures?|fig\.|steps?|pages?|"
    r"versions?|python|pytorch|numpy|matplotlib|scikit-learn|mkdocs|cells?|questions?|items?|"
    r"rows?|columns?|days?|weeks?)\s+(?:\d+(?:\.\d+)*\s*(?:,|and|or|to|–|-)\s*)*$)"
    r"|(?:§\s*$)|(?:\d\s?h\s*$)",
    re.I,
)
NOT_A_CLAIM_AFTER = re.compile(r"^\s?(?:h\b|hours?\b|min\b|minutes?\b|days?\b|weeks?\b|months?\b)")
YEAR = re.compile(r"^(19[5-9]\d|20[0-3]\d)$")
ORDERED_ITEM = re.compile(r"^(\s*(?:>\s*)*)\d+\.(?=\s)")
FENCE_OPEN = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>.*)$")
ALT = re.compile(r'\balt="(?P<alt>[^"]*)"')
QUOTE = re.compile(r"<q>.*?</q>", re.S)
LINK_TARGET = re.compile(r"\]\([^)]*\)|\]\[[^\]]*\]")
HTML_TAG = re.compile(r"<[^>]+>")
ATTR_LIST = re.compile(r"\{[:#.][^}]*\}|\{\s*download\s*\}")
URL = re.compile(r"https?://\S+")
REFERENCE_LINK = re.compile(r"^\s*\[[^\]]+\]:\s+\S+")
TABLE_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{3,}")


def _value(match: re.Match) -> tuple[float, int]:
    """A number's value and its count of decimals ("0.970" -> (0.97, 3))."""
    digits = match["digits"].replace(",", "").replace("_", "")
    fraction = match["fraction"] or ""
    exponent = (match["exponent"] or "").replace("−", "-")
    value = float(digits + fraction + (f"e{exponent}" if exponent else ""))
    decimals = len(fraction) - 1 if fraction else 0
    if exponent:
        decimals = max(decimals - int(exponent), 0)
    return value, decimals


def _code_numbers(source: str) -> set[float]:
    """The numeric literals of the snippet's code (not its comments or strings)."""
    found: set[float] = set()
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(source).readline))
    except (tokenize.TokenError, SyntaxError):
        return found
    for token in tokens:
        if token.type == tokenize.NUMBER:
            text = token.string.lower().replace("_", "")
            try:
                found.add(abs(float(int(text, 0)) if text.isalnum() else float(text.rstrip("j"))))
            except ValueError:
                continue
    return found


def printed_numbers(printed: str) -> list[float]:
    """Every number in a program's printed output (absolute values)."""
    found = []
    for match in NUMBER.finditer(printed.replace("−", "-")):
        found.append(abs(_value(match)[0]))
    # Numbers printed like "0.97" right after a sign or a bracket are found above; scientific
    # notation such as "1e-05" too. NumPy prints "1.e-05" and "2." now and then:
    for match in re.finditer(r"(?<![\w.])(\d+)\.(?:e(?P<e>[-+]?\d+))?(?![\w.])", printed):
        found.append(abs(float(match[1] + (f"e{match['e']}" if match["e"] else ""))))
    return found


def _matches(value: float, decimals: int, printed: list[float]) -> bool:
    for number in printed:
        if math.isclose(round(number, decimals), value, rel_tol=1e-9, abs_tol=1e-12):
            return True
    return False


def suggested_label(printed: str, value: float, decimals: int, percent: bool) -> str | None:
    """The placeholder that fills this number from the run: the printed text just before it,
    as long as it takes to name that one number (None when there is no such text)."""
    for line in printed.replace("−", "-").splitlines():
        for match in NUMBER.finditer(line):
            as_percent = percent and "%" not in line[match.end() : match.end() + 2]
            wanted = (value / 100, decimals + 2) if as_percent else (value, decimals)
            if not _matches(*wanted, [abs(_value(match)[0])]):
                continue
            before = line[: match.start()]
            cut = [m.end() for m in NUMBER.finditer(before)]
            near = before[cut[-1] if cut else 0 :].strip(" \t:=([,;)]").strip()
            first = NUMBER.search(before)
            start = before[: first.end()].strip() if first else ""
            for label in (near, f"{start} ... {near}" if start and near else ""):
                if not label or len(matches(printed, label)) != 1:
                    continue
                shown = len(match["fraction"]) - 1 if match["fraction"] else 0
                if as_percent:
                    return f"{{glue:text}}`{label}:.{decimals}%`"
                if shown != decimals:
                    return f"{{glue:text}}`{label}:.{decimals}f`"
                return f"{{glue}}`{label}`"
    return None


def _prose_lines(markdown: str):
    """(line number, text, quoted?) for every line of prose; code blocks give only their alt=."""
    lines = markdown.splitlines()
    in_fence: re.Match | None = None
    paper_columns: set[int] | None = None
    in_front_matter = bool(lines) and lines[0].strip() == "---"
    for number, line in enumerate(lines, 1):
        if in_front_matter:
            if number > 1 and line.strip() == "---":
                in_front_matter = False
            continue
        if in_fence is not None:
            stripped = line.strip()
            if stripped.startswith(in_fence["ticks"][0] * len(in_fence["ticks"])) and not (
                stripped.strip(in_fence["ticks"][0])
            ):
                in_fence = None
            continue
        if match := FENCE_OPEN.match(line):
            in_fence = match
            for alt in ALT.finditer(match["info"]):
                yield number, alt["alt"], None
            continue
        if REFERENCE_LINK.match(line) or line.lstrip().startswith("*["):
            continue  # a link definition, or an abbreviation's definition (the glossary's)
        quoted_columns: set[int] = set()
        if line.lstrip().startswith("|"):
            cells = line.strip().strip("|").split("|")
            if TABLE_SEPARATOR.match(line):
                continue
            if paper_columns is None:  # the header row of a table
                paper_columns = {
                    i
                    for i, cell in enumerate(cells)
                    if cell.strip().lower().startswith("the paper")
                }
            quoted_columns = paper_columns
            yield number, line, quoted_columns
            continue
        paper_columns = None
        if line.lstrip().startswith(">"):
            continue  # a block quote: quoted from its source
        yield number, line, None


def _clean(text: str) -> str:
    text = GLUE.sub(lambda m: " " * len(m[0]), text)  # filled from the run by the build
    text = URL.sub(" ", LINK_TARGET.sub("]", text))
    text = QUOTE.sub(lambda m: " " * len(m[0]), text)
    text = ATTR_LIST.sub(" ", text)
    text = HTML_TAG.sub(lambda m: " " * len(m[0]), text)
    text = ORDERED_ITEM.sub(lambda m: m[1] + " ", text)
    return text.replace("\\,", " ").replace("&nbsp;", " ")


def _claims(text: str, previous: str = ""):
    """The numbers in one line of prose that state something: (match, value, decimals, percent).
    The end of the previous line counts as context ("chapters 1\\nand 9")."""
    previous = _clean(previous)[-40:] + " " if previous else ""
    text = previous + _clean(text)
    for match in NUMBER.finditer(text, len(previous)):
        before, after = text[: match.start()], text[match.end() :]
        if YEAR.match(match[0]) or NOT_A_CLAIM_BEFORE.search(before[-40:]):
            continue
        if NOT_A_CLAIM_AFTER.match(after):
            continue
        value, decimals = _value(match)
        yield match, value, decimals, bool(PERCENT.match(after))


def unchecked_numbers(markdown: str, page: str, snippet_source: str, printed: str) -> list[str]:
    """The numbers a lesson page writes that do not hold on every machine: neither exact (a
    literal of its code) nor quoted; each problem names the page and line and says what to do."""
    literals = _code_numbers(snippet_source)
    shown = printed_numbers(printed)
    problems = []
    previous = ""
    for line_number, line, columns in _prose_lines(markdown):
        if columns:
            cells = line.strip().strip("|").split("|")
            line = "|".join("" if i in columns else cell for i, cell in enumerate(cells))
        context, previous = previous, line
        for match, value, decimals, percent in _claims(line, context):
            candidates = [(value, decimals)]
            if percent:
                candidates.append((value / 100, decimals + 2))
            if any(v in literals for v, _ in candidates):
                continue
            written = f"{match[0].strip()}{'%' if percent else ''}"
            if any(_matches(v, d, shown) for v, d in candidates):
                label = suggested_label(printed, value, decimals, percent)
                fix = (
                    f"write {label} instead"
                    if label
                    else "print it under a label and write {glue}`label` instead"
                )
                problems.append(
                    f"{page}:{line_number}: the number {written} is only printed by the code, and "
                    "a measured value differs from machine to machine: let the build fill it in "
                    f"from the run, {fix}; or, if it is exact, assert it with == in the code"
                )
                continue
            problems.append(
                f"{page}:{line_number}: the number {written} is neither printed by the lesson's "
                "code nor written in it (an assert or a constant); assert it, fill it in from the "
                "run with {glue}`label`, or quote its source with <q>...</q>"
            )
    return problems
