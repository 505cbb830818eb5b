"""MkDocs hook: every lesson is also a Jupyter notebook, generated from its snippet file.

For each lesson (docs/NN-stage/slug.md with its twin snippets/NN-stage/slug.py) the build writes
notebooks/NN-stage/slug.ipynb into the site. Nobody keeps a copy by hand:

- the first cell is the lesson's title and a link back to its page;
- each named section of the snippet becomes one code cell, in the file's order, so the cells
  together are the whole file, as `python snippets/NN-stage/slug.py` runs it;
- above a section's cell goes the heading (## or ###) that stands above the include of that
  section on the page, once per heading.

A project page's notebook (Stage 5) is its snippet's own cells. Values the prose takes from the
run (`{glue}`label``, hooks/values.py) are filled in from the build's run, as on the page.

The "Run it yourself" section of the page (hooks/snippets.py) offers the notebook for download
and opens it in Colab. Colab opens notebooks from GitHub only, so it is pointed at the notebook
in the repository's `notebooks` branch, where the Pages workflow (.github/workflows/site.yml)
pushes the notebooks of every deployed build: the notebook there is always the one built from
the snippets of the deployed site.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import values
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from sections import is_notebook, markdown_of, parse

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
PUBLISHED_BRANCH = "notebooks"  # where the Pages workflow pushes the built site's notebooks/
MARKER = re.compile(r"^# --8<-- \[(?P<kind>start|end):(?P<name>[A-Za-z][A-Za-z0-9_]*)\]\s*$")
HEADING = re.compile(r"^#{2,3}[ \t]+(?P<text>.+?)[ \t]*(?:\{[^}]*\})?[ \t]*$")
TITLE = re.compile(r"^#[ \t]+(?P<text>.+?)[ \t]*$", re.M)
INCLUDE = re.compile(
    r'^\s*--8<-- "(?P<path>[^":]+\.py)(?::(?P<section>[A-Za-z][A-Za-z0-9_]*))?"\s*$'
)


def notebook_uri(relative: str) -> str:
    """Where the notebook of snippets/<relative> lies in the site: notebooks/NN-stage/slug.ipynb."""
    return "notebooks/" + Path(relative).with_suffix(".ipynb").as_posix()


def colab_url(config, relative: str) -> str | None:
    """The "Open in Colab" address of a lesson's notebook, from `extra.repository`."""
    repository = (config.extra or {}).get("repository", "")
    match = re.fullmatch(r"https://github\.com/(?P<path>[^/]+/[^/]+?)/?", repository)
    if not match:
        return None
    return (
        f"https://colab.research.google.com/github/{match['path']}/blob/{PUBLISHED_BRANCH}/"
        f"{notebook_uri(relative)}"
    )


def sections(source: str) -> list[tuple[str, str]]:
    """The snippet's named sections in order: (name, code)."""
    found, current, lines = [], None, []
    for line in source.splitlines():
        match = MARKER.match(line)
        if match and match["kind"] == "start":
            current, lines = match["name"], []
        elif match and current is not None:
            found.append((current, "\n".join(lines).strip("\n")))
            current = None
        elif current is not None:
            lines.append(line)
    return found


def headings(markdown: str, relative: str) -> dict[str, str]:
    """For each section of snippets/<relative> that the page includes: the heading above it."""
    found, heading, fenced = {}, "", False
    for line in markdown.splitlines():
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if not fenced and (match := HEADING.match(line)):
            heading = match["text"]
        elif (match := INCLUDE.match(line)) and match["path"] == relative and match["section"]:
            found.setdefault(match["section"], heading)
    return found


def _filled(markdown: str, relative: str) -> str:
    """Markdown with the values it takes from the build's run of snippets/<relative> (a problem
    with one is reported by the page's build, not here)."""
    return values.fill(markdown, values.output_of(relative))[0]


def _notebook(cells: list) -> nbformat.NotebookNode:
    """A valid notebook of these cells, for the python3 kernel."""
    notebook = nbformat.v4.new_notebook(cells=cells)
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    notebook.metadata["language_info"] = {"name": "python"}
    nbformat.validate(notebook)
    return notebook


def build(markdown: str, source: str, relative: str, page_url: str) -> nbformat.NotebookNode:
    """The notebook of one lesson, from its page's Markdown and its snippet file."""
    title = TITLE.search(markdown)
    title = title["text"] if title else Path(relative).stem
    cells = [
        nbformat.v4.new_markdown_cell(
            f"# {title}\n\nThe lesson [{title}]({page_url}) as a notebook, made from "
            f"`snippets/{relative}`: run the cells in order.",
            id="title",
        )
    ]
    above = headings(markdown, relative)
    shown = None
    for name, code in sections(source):
        heading = above.get(name, shown)
        if heading and heading != shown:
            cells.append(
                nbformat.v4.new_markdown_cell(
                    _filled(f"## {heading}", relative), id=f"{name}-heading"[:64]
                )
            )
            shown = heading
        cell = nbformat.v4.new_code_cell(code, id=name[:64])
        cell.metadata["section"] = name
        cells.append(cell)
    return _notebook(cells)


def build_project(source: str, relative: str) -> nbformat.NotebookNode:
    """The notebook of a project page (a percent-format snippet): its own cells, in order."""
    cells = []
    for piece in parse(source)[0]:
        if piece.kind == "markdown":
            cells.append(nbformat.v4.new_markdown_cell(_filled(markdown_of(piece), relative)))
        elif piece.kind == "code" and piece.source.strip():
            cell = nbformat.v4.new_code_cell(piece.source.strip("\n"), id=piece.name)
            cell.metadata["section"] = piece.name
            cells.append(cell)
    for number, cell in enumerate(cells):
        if cell.cell_type == "markdown":
            cell["id"] = f"markdown-{number}"  # stable ids: the same file gives the same notebook
    return _notebook(cells)


def on_files(files, config):
    site_url = config.site_url or ""
    for page in list(files.documentation_pages()):
        relative = Path(page.src_uri).with_suffix(".py").as_posix()
        snippet = SNIPPETS / relative
        if page.name == "index" or not snippet.is_file():
            continue
        source = snippet.read_text(encoding="utf-8")
        try:
            if is_notebook(source):
                notebook = build_project(source, relative)
            else:
                markdown = Path(page.abs_src_path).read_text(encoding="utf-8")
                notebook = build(markdown, source, relative, site_url + page.url)
        except nbformat.ValidationError as error:
            raise PluginError(f"snippets/{relative}: cannot make a notebook: {error}") from error
        content = nbformat.writes(notebook) + "\n"
        files.append(File.generated(config, notebook_uri(relative), content=content))
    return files
