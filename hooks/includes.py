"""Every `--8<--` include of a page names a snippet file that exists, and a section it has.

pymdownx.snippets (with `check_paths: true`) also refuses a missing file, but it names neither the
page's line nor the rule that a broken section marker breaks; this check does both, before the
page is converted.
"""

from __future__ import annotations

import re
from pathlib import Path

from sections import parse

SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"
ANY_INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"\s*$')


def include_problems(markdown: str, page_src: str, offset: int = 0) -> list[tuple[int, str]]:
    """What is wrong with each include of the page: (its line in `markdown`, the message naming
    "docs/<page>:<line>"). A snippet whose sections break a rule is reported with that rule, not
    as a missing section."""
    problems = []
    for number, text in enumerate(markdown.splitlines(), 1):
        match = ANY_INCLUDE.match(text)
        if not match:
            continue
        at = f"docs/{page_src}:{number + offset}"
        relative, section = match["path"], match["section"]
        path = SNIPPETS / relative
        if not path.is_file():
            problems.append((number, f"{at}: includes snippets/{relative}, which does not exist"))
            continue
        if not section:
            continue
        pieces, layout = parse(path.read_text(encoding="utf-8"), f"snippets/{relative}")
        named = {piece.name for piece in pieces if piece.name}
        if section not in named:
            bad = [p for p in layout if repr(section) in p]
            message = "\n".join(bad) or f"{at}: snippets/{relative} has no section '{section}'"
            problems.append((number, message))
    return problems


BROKEN = "# could not include: "


def neutralise(markdown: str, lines: set[int]) -> str:
    """The page with those include lines made inert (pymdownx.snippets would stop the build on
    them): each becomes a comment that hooks/render.py shows as a failure."""
    out = markdown.splitlines(keepends=True)
    for number in lines:
        text = out[number - 1]
        indent = text[: len(text) - len(text.lstrip())]
        out[number - 1] = f"{indent}{BROKEN}{text.strip()}\n"
    return "".join(out)


def included(markdown: str) -> set[str]:
    """The snippet files a page includes (run or only shown)."""
    return {m["path"] for line in markdown.splitlines() if (m := ANY_INCLUDE.match(line))}
