"""Every number a lesson page states is checked by its code: the rule behind "no unchecked number".

A lesson page (docs/NN-stage/.../slug.md with a twin snippets/NN-stage/.../slug.py) may state a
number in its prose, lists, tables, admonitions, formulas or figure descriptions (`alt="..."`)
only when one of these holds:

1. the lesson's code prints it: the build's output of the snippet holds a number that rounds to
   it ("97.1 %" for a printed 0.9711, "0.36" for -0.3549 is not: signs count);
2. the snippet's code holds it as a literal: an assert bound, a constant, an argument
   (`assert acc > 0.95` backs "above 95 %"); comments and strings do not count;
3. it is quoted from a cited source: inside `<q>...</q>`, in a `>` block quote, or in a table
   column whose header starts with "The paper";
4. it is not a claim: a year (1950-2035), a reading time ("1 h 30", "20 min", "3 days"), a
   position ("Stage 3", "lesson 2", "exercise 1", "section 9.3", "step 4", "figure 2"), a
   version ("Python 3.11"), an ordered-list number, or digits inside a word or name
   (`float32`, "L2", "3D", `log10`).

The build (hooks/snippets.py) and the tests (tests/test_numbers.py) call `unchecked_numbers`
on every lesson page: the build warns (so `mkdocs build --strict` fails), the test fails.
"""

from __future__ import annotations

import io
import math
import re
import tokenize

NUMBER = re.compile(
    r"(?<![\w.\-])(?P<sign>[-−])?(?P<digits>\d{1,3}(?:,\d{3})+(?![\d,])|\d+(?:_\d+)*)(?P<fraction>\.\d+)?"
    r"(?:[eE](?P<exponent>[-+−]?\d+))?(?![\w])"
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


def _matches(value: float, decimals: int, printed: list[float], literals: set[float]) -> bool:
    if value in literals:
        return True
    for number in printed:
        if math.isclose(round(number, decimals), value, rel_tol=1e-9, abs_tol=1e-12):
            return True
    return False


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
    """The numbers a lesson page states that its code neither prints nor holds."""
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
            if any(_matches(v, d, shown, literals) for v, d in candidates):
                continue
            problems.append(
                f"{page}:{line_number}: the number {match[0].strip()}"
                f"{'%' if percent else ''} is neither printed by the lesson's code nor written in "
                "it (an assert or a constant); print or assert it, or quote its source with <q>...</q>"
            )
    return problems
