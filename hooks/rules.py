"""The site's rules for pages and snippets, as plain functions: each returns a list of problems,
each problem naming the file and line. The build (hooks/snippets.py) reports them as warnings, so
`mkdocs build --strict` fails on any; the tests (tests/test_pages.py, tests/test_snippets.py)
call the same functions, so both say the same thing; tests/test_checks_fail.py shows each rule
failing on a broken example.

The numbers rule lives in hooks/numbers_rule.py; the layout of a snippet file (sections or
notebook cells) in hooks/sections.py.
"""

from __future__ import annotations

import re
from pathlib import Path

from numbers_rule import unchecked_numbers
from sections import is_notebook, parse

INCLUDE = re.compile(r'--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"')
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>[^\n]*)$")


CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def control_characters(markdown: str, where: str) -> list[str]:
    """Control characters in a page (a `\\a` of `\\approx` turned into a bell by a string
    that was not raw): invisible in an editor, and they garble what the reader sees."""
    problems = []
    for number, line in enumerate(markdown.splitlines(), 1):
        for match in CONTROL.finditer(line):
            code = ord(match[0])
            problems.append(
                f"{where}:{number}: control character U+{code:04X} at column {match.start() + 1} "
                f"(after {line[max(0, match.start() - 20) : match.start()]!r}); a `\\a` or `\\b` "
                "that a Python string turned into one? remove it"
            )
    return problems


def layout_problems(path: Path, where: str | None = None) -> list[str]:
    """The snippet's sections (or notebook cells) are well formed (hooks/sections.py's rules)."""
    return parse(path.read_text(encoding="utf-8"), where or str(path))[1]


def fences(markdown: str):
    """(line number, info string, body lines) for each fenced code block, nested ones included."""
    lines = markdown.splitlines()
    i = 0
    while i < len(lines):
        match = FENCE.match(lines[i])
        if match:
            ticks = match["ticks"]
            closing = re.compile(rf"^[ \t]*{re.escape(ticks[0])}{{{len(ticks)},}}[ \t]*$")
            end = i + 1
            while end < len(lines) and not closing.match(lines[end]):
                end += 1
            yield i + 1, match["info"].strip(), lines[i + 1 : end]
            i = end + 1
        else:
            i += 1


def is_python(info: str) -> bool:
    language = info.split()[0].lstrip("{").lstrip(".") if info else ""
    return language in {"python", "py", "python3", "pycon"}


def stray_python_fences(markdown: str, where: str) -> list[str]:
    """Python code written in a page instead of included from snippets/."""
    problems = []
    for line, info, body in fences(markdown):
        if is_python(info):
            code = [text for text in body if text.strip()]
            if not code or not all(
                INCLUDE.search(text) and text.strip().startswith("--8<--") for text in code
            ):
                problems.append(
                    f"{where}:{line}: Python code must come from snippets/ (--8<-- lines only)"
                )
    return problems


def includes(markdown: str) -> list[tuple[int, str, str | None, bool]]:
    """(line, snippet path, section or None, executed?) for each include in a Python fence."""
    found = []
    for line, info, body in fences(markdown):
        if is_python(info):
            for text in body:
                if match := INCLUDE.search(text):
                    found.append((line, match["path"], match["section"], 'exec="on"' in info))
    return found


def hidden_lines(markdown: str, snippet: Path, snippet_root: Path, where_page: str) -> list[str]:
    """Code in the snippet that its page never shows (nothing may run that the reader cannot see)."""
    source = snippet.read_text(encoding="utf-8")
    if is_notebook(source):
        return []  # a project page is made from the whole file
    pieces, _ = parse(source, str(snippet))
    relative = snippet.relative_to(snippet_root).as_posix()
    shown = {section for _, path, section, _ in includes(markdown) if path == relative}
    if None in shown:
        return []  # the whole file is included
    return [
        f"{snippet}:{piece.first_line - 1}: section {piece.name!r} is never shown on {where_page}"
        for piece in pieces
        if piece.name and piece.name not in shown
    ]


def pairing(docs: Path, snippets: Path) -> list[str]:
    """Pages and snippet files pair both ways: docs/X/slug.md <-> snippets/X/slug.py.

    Every snippet has its page (a project page's is made from the snippet itself). A page that
    runs code runs its own twin, and only it. A page with no twin (a stage's index.md, a cheat
    sheet) runs no code.
    """
    problems = []
    for snippet in sorted(snippets.rglob("*.py")):
        page = docs / snippet.relative_to(snippets).with_suffix(".md")
        notebook = is_notebook(snippet.read_text(encoding="utf-8"))
        if notebook and page.is_file():
            problems.append(
                f"{snippet}: is a project page (notebook cells), so {page} must not exist: "
                "the build makes the page from the snippet"
            )
        elif not notebook and not page.is_file():
            problems.append(f"{snippet}: has no page (expected {page})")
    for page in sorted(docs.rglob("*.md")):
        twin = snippets / page.relative_to(docs).with_suffix(".py")
        twin_relative = twin.relative_to(snippets).as_posix()
        executed = {path for _, path, _, run in includes(page.read_text(encoding="utf-8")) if run}
        if not twin.is_file() and executed:
            problems.append(f"{page}: runs code but has no snippet file (expected {twin})")
        for other in sorted(executed - {twin_relative}):
            problems.append(f"{page}: runs snippets/{other}; a page runs only its own snippet")
        if twin.is_file() and twin_relative not in executed:
            problems.append(f"{page}: never runs its snippet {twin}")
    return problems


def lesson_problems(markdown: str, page_src: str, snippets: Path, printed: str | None) -> list[str]:
    """The rules a page must follow besides its includes (warnings in the build): no Python typed
    into it; and for a lesson (a page with a twin snippet), every section shown and every number
    checked. `printed`: what the twin printed in this build, None when it failed (its numbers
    are then not checked)."""
    where = f"docs/{page_src}"
    problems = control_characters(markdown, where) + stray_python_fences(markdown, where)
    twin = snippets / Path(page_src).with_suffix(".py")
    if twin.is_file():
        root = f"{snippets.parent}/"
        problems += [p.replace(root, "") for p in hidden_lines(markdown, twin, snippets, where)]
        if printed is not None:
            source = twin.read_text(encoding="utf-8")
            problems += unchecked_numbers(markdown, where, source, printed)
    return problems
