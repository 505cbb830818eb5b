"""A snippet file cut into the pieces its page shows: the one parser of the build, the runner,
the notebooks and the tests.

Two layouts:

- **A lesson's snippet**: named sections, `# --8<-- [start:name]` ... `# --8<-- [end:name]`
  (pymdownx.snippets' markers), each shown on the page by an include. Rules: markers at column 0,
  names snake_case starting with a letter, unique, not nested, every section closed, and no code
  outside a section (blank lines may sit between sections).
- **A project page** (Stage 5): jupytext's percent format, `# %%` code cells and
  `# %% [markdown]` cells, with an optional comment header (`# ---` ... `# ---`) holding the
  page's front matter. The code cells are its sections, named `cell_1`, `cell_2`, ... by their
  place among all cells; the build turns the whole file into the page.
"""

from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

MARKER = re.compile(r"^(?P<indent>\s*)# --8<-- \[(?P<kind>start|end):(?P<name>[^\]]*)\]\s*$")
SECTION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
CELL = re.compile(r"^# %%(?P<rest>.*)$")
NAME_RULE = "snake_case: lower-case letters, digits and underscores, starting with a letter"


@dataclass
class Piece:
    name: str | None  # the section's name; None for lines outside any section
    first_line: int  # 1-based number of the piece's first line of code
    source: str  # its lines, markers excluded
    kind: str = "code"  # "code", "markdown" (percent format), or "header"
    options: dict = field(default_factory=dict)  # a cell's options: alt="...", tags=[...]


def is_notebook(source: str) -> bool:
    """Whether a snippet file is a project page in jupytext's percent format."""
    return any(CELL.match(line) for line in source.splitlines())


def parse(source: str, where: str = "") -> tuple[list[Piece], list[str]]:
    """The file's pieces in order, and the problems with its layout (each "where:line: ...")."""
    if is_notebook(source):
        return _parse_cells(source, where)
    return _parse_sections(source, where)


def sections(source: str) -> dict[str, Piece]:
    """The named pieces, by name (the code a page can include or a notebook gets)."""
    return {piece.name: piece for piece in parse(source)[0] if piece.name and piece.kind == "code"}


def _parse_sections(source: str, where: str) -> tuple[list[Piece], list[str]]:
    pieces: list[Piece] = []
    problems: list[str] = []
    current: str | None = None
    seen: set[str] = set()
    start, buffer = 1, []
    for number, line in enumerate(source.splitlines(keepends=True), 1):
        match = MARKER.match(line)
        if not match:
            if current is None and line.strip():
                problems.append(
                    f"{where}:{number}: code outside any section is never shown on the page"
                )
            buffer.append(line)
            continue
        name, kind = match["name"], match["kind"]
        if match["indent"]:
            problems.append(f"{where}:{number}: section marker must start at column 0 (top level)")
        if not SECTION_NAME.match(name):
            problems.append(f"{where}:{number}: section name {name!r} must be {NAME_RULE}")
        if buffer:
            pieces.append(Piece(current, start, "".join(buffer)))
        buffer, start = [], number + 1
        if kind == "start":
            if current is not None:
                problems.append(
                    f"{where}:{number}: section {name!r} starts inside section {current!r}"
                )
            if name in seen:
                problems.append(f"{where}:{number}: section {name!r} is defined twice")
            seen.add(name)
            current = name
        else:
            if current != name:
                problems.append(f"{where}:{number}: end of section {name!r} that is not open")
            current = None
    if buffer:
        pieces.append(Piece(current, start, "".join(buffer)))
    if current is not None:
        problems.append(f"{where}: section {current!r} is never closed")
    return pieces, problems


def _cell_options(rest: str, where: str, problems: list[str]) -> tuple[str, dict]:
    kind, options = "code", {}
    text = rest.strip()
    if text.startswith("[markdown]"):
        kind, text = "markdown", text[len("[markdown]") :].strip()
    try:
        words = shlex.split(text)
    except ValueError as error:
        problems.append(f"{where}: cannot read the cell's options {text!r}: {error}")
        return kind, options
    for word in words:
        key, equals, value = word.partition("=")
        if not equals:
            problems.append(f'{where}: a cell option must be key="value", not {word!r}')
            continue
        if key == "tags":
            options["tags"] = re.findall(r"[\w-]+", value)
        else:
            options[key] = value
    return kind, options


def _parse_cells(source: str, where: str) -> tuple[list[Piece], list[str]]:
    pieces: list[Piece] = []
    problems: list[str] = []
    lines = source.splitlines(keepends=True)
    count = 0
    header: list[str] = []
    index = 0
    while index < len(lines) and not CELL.match(lines[index]):
        header.append(lines[index])
        if lines[index].strip() and not lines[index].startswith("#"):
            problems.append(f"{where}:{index + 1}: code before the first cell (`# %%`)")
        index += 1
    if header:
        pieces.append(Piece(None, 1, "".join(header), kind="header"))
    while index < len(lines):
        match = CELL.match(lines[index])
        count += 1
        kind, options = _cell_options(match["rest"], f"{where}:{index + 1}", problems)
        start = index + 2
        index += 1
        body = []
        while index < len(lines) and not CELL.match(lines[index]):
            body.append(lines[index])
            if kind == "markdown" and lines[index].strip() and not lines[index].startswith("#"):
                problems.append(f"{where}:{index + 1}: a markdown cell holds only comment lines")
            index += 1
        name = f"cell_{count}" if kind == "code" else None
        pieces.append(Piece(name, start, "".join(body), kind=kind, options=options))
    return pieces, problems


def markdown_of(piece: Piece) -> str:
    """The Markdown of a percent-format markdown cell (its comment lines without `# `)."""
    out = []
    for line in piece.source.splitlines():
        if line.startswith("# "):
            out.append(line[2:])
        elif line.strip() in ("#", ""):
            out.append("")
        else:
            out.append(line)
    return "\n".join(out).strip("\n")


def front_matter(source: str) -> str:
    """A percent-format file's header (`# ---` ... `# ---`) as YAML front matter, or ""."""
    pieces, _ = parse(source)
    if not pieces or pieces[0].kind != "header":
        return ""
    text = markdown_of(Piece(None, 1, pieces[0].source, kind="markdown"))
    return text if text.startswith("---") else ""


def read(path: Path) -> str:
    return path.read_text(encoding="utf-8")
