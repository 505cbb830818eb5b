"""MkDocs hook: a Stage 5 project page is made from its snippet, a notebook kept as plain Python.

A project (snippets/05-make-stuff/<slug>.py) is one file in jupytext's percent format: `# %%`
code cells and `# %% [markdown]` cells, with the page's front matter in a `# ---` header
(hooks/sections.py reads it). It stays a script that `python FILE` runs top to bottom, diffable
and linted like every snippet. There is no docs/05-make-stuff/<slug>.md: this hook writes that
page at build time, and the rest of the pipeline treats it as any lesson page:

- each markdown cell becomes Markdown;
- each code cell becomes an executed block (`python exec="on"`) that includes the cell by its
  name, `cell_N` (its place among all cells), so hooks/snippets.py shows the cell's code, the
  output the build's own run printed and its figures (`alt="..."` on the `# %%` line), with the
  same runner, cache, sandbox and rules as every lesson;
- a code cell tagged `tags=["solution"]` is folded away as the solution of the exercise above.

Why not mkdocs-jupyter, which the site was designed around: measured with 0.26.3 (the last
release for Python 3.11) on a percent-format page by tools/measure_mkdocs_jupyter.py, it fails
seven of the issue's checks: a failing cell publishes its traceback (`allow_errors` defaults to
true) and, when refused, names only the line within the cell; its cache ignores library
versions; its "In [1]:" prompts fail axe's colour-contrast rule; `$...$` maths stays raw (the
site's maths hook never sees notebook pages); figures are PNGs, white boxes on the dark palette;
and code cells get no Material copy button. Rendering through the existing pipeline meets each.
"""

from __future__ import annotations

from pathlib import Path

from mkdocs.structure.files import File
from sections import front_matter, is_notebook, markdown_of, parse

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"


def _chunks(source: str, relative: str) -> list[tuple[str, int]]:
    """The page's pieces of Markdown, each with the line of the snippet it comes from."""
    pieces, _ = parse(source, f"snippets/{relative}")  # layout problems: hooks/snippets.py
    chunks = []
    header = front_matter(source)
    if header:
        chunks.append((header.rstrip("\n") + "\n", 1))
    for piece in pieces:
        if piece.kind == "markdown":
            text = markdown_of(piece)
            lines = piece.source.splitlines()
            blank = next((i for i, x in enumerate(lines) if x.strip() not in ("#", "")), 0)
            first = piece.first_line + blank
            chunks.append((text, first))
        elif piece.kind == "code" and piece.source.strip():
            alt = piece.options.get("alt")
            options = f' alt="{alt}"' if alt else ""
            fence = f'```python exec="on"{options}\n--8<-- "{relative}:{piece.name}"\n```'
            if "solution" in piece.options.get("tags", []):
                fence = '??? success "Solution"\n\n' + "\n".join(
                    "    " + line for line in fence.splitlines()
                )
            chunks.append((fence, piece.first_line - 1))  # the cell's `# %%` line
    return chunks


def page_markdown(source: str, relative: str) -> str:
    """The Markdown page of the project in snippets/<relative> (front matter included)."""
    return "\n\n".join(text for text, _ in _chunks(source, relative)) + "\n"


def source_line(source: str, relative: str, line: int) -> int:
    """The line of snippets/<relative> that line `line` of its generated page comes from."""
    at = 1
    for text, first in _chunks(source, relative):
        count = text.count("\n") + 1
        if line < at + count:
            markdown = not text.startswith(("```", "??? ", "---"))
            return first + (line - at if markdown else 0)
        at += count + 1  # the blank line between chunks
    return 1


def project_pages() -> dict[str, str]:
    """Every project: page URI (docs-relative) -> snippet path relative to snippets/."""
    found = {}
    for path in sorted(SNIPPETS.rglob("*.py")):
        if is_notebook(path.read_text(encoding="utf-8")):
            relative = path.relative_to(SNIPPETS).as_posix()
            found[Path(relative).with_suffix(".md").as_posix()] = relative
    return found


def on_files(files, config):
    for uri, relative in project_pages().items():
        markdown = page_markdown((SNIPPETS / relative).read_text(encoding="utf-8"), relative)
        files.append(File.generated(config, uri, content=markdown))
    return files
