"""Executed blocks into Markdown: the code, what it printed (escaped), its figures, or its failure.

A page asks for a section of its snippet to be shown and run with

    ```python exec="on" alt="what the figure shows"
    --8<-- "01-linear-algebra/vectors.py:dot"
    ```

`render_fence` turns such a block into the code (pymdownx.snippets pulls it in), then the output
that the build's run of those sections printed, and their figures. Output and figures go in as
placeholders that `fill_placeholders` swaps for HTML after Markdown is converted: nothing a
program prints can become markup. When the snippet failed, the block shows the failure instead
(the traceback, escaped), so that `make serve` still shows the page and says what broke.
"""

from __future__ import annotations

import hashlib
import html
import re
from pathlib import Path

from figures import FigureError, faint_text_problem, sanitise_svg
from projects import source_line
from sections import is_notebook, sections

from includes import BROKEN

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
EXEC_FENCE = re.compile(
    r'^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})python[ \t]+exec="on"(?P<options>[^\n]*)\n'
    r"(?P<body>.*?)^(?P=indent)(?P=ticks)[ \t]*$",
    re.M | re.S,
)
INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+\.py)(?::(?P<section>[^"]+))?"\s*$')
OPTION = re.compile(r'(?P<key>\w+)="(?P<value>[^"]*)"')
PLACEHOLDER = re.compile(r"<p>(SNIPPETBLOCK\d+X[0-9a-f]{8})</p>")

_blocks: dict[str, str] = {}  # placeholder token -> HTML (an output block, a figure, a failure)


def reset() -> None:
    """Forget the previous build's placeholders (`make serve` builds many times)."""
    _blocks.clear()


def where(page_src: str, line: int) -> str:
    """docs/<page>:<line>, or for a page made from a project's snippet, the snippet's own line."""
    twin = SNIPPETS / Path(page_src).with_suffix(".py")
    if not (DOCS / page_src).is_file() and twin.is_file():
        relative = twin.relative_to(SNIPPETS).as_posix()
        return (
            f"snippets/{relative}:{source_line(twin.read_text(encoding='utf-8'), relative, line)}"
        )
    return f"docs/{page_src}:{line}"


def output_block(text: str) -> str:
    """A program's printed output as an inert HTML block: every character shown as it is. Left
    out of the search index (numbers a reader does not search for), which keeps it lean."""
    return (
        '<div class="language-text highlight" data-search-exclude><span class="filename">Output</span>'
        f"<pre><span></span><code>{html.escape(text)}</code></pre></div>"
    )


def failure_block(message: str) -> str:
    """What a block shows when its code failed in this build: the error, escaped."""
    return (
        '<div class="admonition failure snippet-failure" data-search-exclude>'
        '<p class="admonition-title">This code failed when the site was built</p>'
        f"<pre><code>{html.escape(message)}</code></pre></div>"
    )


def placeholder(content: str) -> str:
    token = f"SNIPPETBLOCK{len(_blocks)}X{hashlib.sha1(content.encode()).hexdigest()[:8]}"
    _blocks[token] = content
    return token


def fill_placeholders(html_text: str) -> str:
    return PLACEHOLDER.sub(lambda match: _blocks[match[1]], html_text)


def render_fence(
    fence: re.Match, page_src: str, line: int, results: dict, problems: list[str], failed: set
) -> str:
    """One executed block as Markdown. `results`: each snippet's result, or its error message;
    a problem found is appended to `problems`; `failed`: the snippets whose failure this page
    already shows (once per page)."""
    at = where(page_src, line)
    indent, body = fence["indent"], fence["body"]
    options = {m["key"]: m["value"] for m in OPTION.finditer(fence["options"])}
    stdout, figures, shown, failures = [], [], [], []
    for text in body.splitlines():
        if not text.strip():
            continue
        if text.strip().startswith(BROKEN):  # an include hooks/includes.py found broken
            failures.append(f"{at}: {text.strip().removeprefix(BROKEN)} could not be included")
            continue
        match = INCLUDE.match(text)
        if not match:
            problems.append(
                f'{at}: an executed block may only hold --8<-- "file.py:section" lines, not {text!r}'
            )
            continue
        relative, section = match["path"], match["section"]
        result = results.get(relative)
        if isinstance(result, str):
            if relative not in failed:
                failed.add(relative)
                failures.append(result)
            outputs = {}
        else:
            outputs = (result or {}).get("sections", {})
        for name in [section] if section else list(outputs):
            stdout.append(outputs.get(name, {}).get("stdout", ""))
            figures += outputs.get(name, {}).get("figures", [])
        path = SNIPPETS / relative
        source = path.read_text(encoding="utf-8") if path.is_file() else ""
        if is_notebook(source):  # a project's cell: its code itself (Snippets knows no cells)
            cell = sections(source)[section].source.strip("\n")
            shown.append("\n".join(indent + line if line else line for line in cell.splitlines()))
        else:  # the include line, which pymdownx.snippets replaces by the section's code
            shown.append(text)
    markdown = render_block(shown, stdout, figures, options, indent, at, problems)
    for failure in failures:
        markdown += f"\n\n{indent}{placeholder(failure_block(failure))}"
    return markdown


def render_block(
    shown: list[str],
    stdout: list[str],
    figures: list[str],
    options: dict,
    indent: str,
    at: str,
    problems: list[str],
) -> str:
    """The Markdown that shows code, then its output and figures (as placeholders)."""
    # A blank line between included sections, so that they do not run together on the page.
    shown = f"\n{indent}\n".join(shown)
    parts = [f"{indent}```python\n{shown}\n{indent}```"] if shown.strip() else []
    if "run" in options:  # hooks/in_browser.py's anchor for this block's Run button
        parts.insert(0, f"{indent}RUNANCHOR{options['run']}X")
    printed = "".join(stdout).rstrip()
    if printed:
        parts.append(f"{indent}{placeholder(output_block(printed))}")
    if figures and not options.get("alt"):
        problems.append(
            f'{at}: this block shows a figure; describe it for readers who cannot see it with alt="..."'
        )
    for number, svg in enumerate(figures, 1):
        alt = options.get("alt", "")
        alt += f" (figure {number} of {len(figures)})" if len(figures) > 1 else ""
        try:
            svg = sanitise_svg(svg)
        except FigureError as error:
            problems.append(f"{at}: {error}")
            continue
        if problem := faint_text_problem(svg, number):
            problems.append(f"{at}: {problem}")
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
        token = placeholder(
            '<figure class="snippet-figure" data-search-exclude>' + svg + "</figure>"
        )
        parts.append(f"{indent}{token}")
    return "\n\n".join(parts)
