"""MkDocs hook: every executed code block on the site comes from snippets/ and shows its real output.

A page asks for a section of its snippet file to be shown *and run* with

    ```python exec="on"
    --8<-- "01-linear-algebra/vectors.py:dot"
    ```

(`alt="..."` on the fence describes the figure, when the section shows one). Before the page is
converted, this hook:

1. runs every snippet file that some page executes, each once, in a fresh Python process
   (hooks/run_snippet.py), two at a time, and caches the result by the file's content, the runner
   and the versions of the libraries it ran with;
2. puts each section's printed output under its code, and its figures (inline SVG that follows
   the light or dark palette) after that;
3. fills the lesson's "Run it yourself" section: the command, a download of the whole file, its
   notebook (hooks/notebooks.py) and "Open in Colab", and the versions its code ran with.

pymdownx.snippets (with `check_paths: true`) then pulls the code itself into the page. Any
failure stops the build with a message that names the file and line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import os
import re
import subprocess
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from importlib import metadata
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from notebooks import colab_url, notebook_uri  # hooks/notebooks.py (MkDocs puts hooks/ on the path)

ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
RUNNER = Path(__file__).resolve().parent / "run_snippet.py"
# ROADMAP_CACHE points several checkouts at one cache (entries are keyed by content, written atomically).
CACHE = Path(os.environ.get("ROADMAP_CACHE", ROOT / ".cache" / "snippets"))
LIBRARIES = ("numpy", "torch", "matplotlib", "scikit-learn")

EXEC_FENCE = re.compile(
    r'^(?P<indent>[ \t]*)```python[ \t]+exec="on"(?P<options>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$',
    re.M | re.S,
)
INCLUDE = re.compile(
    r'^\s*--8<-- "(?P<path>[^":]+\.py)(?::(?P<section>[A-Za-z][A-Za-z0-9_]*))?"\s*$'
)
ANY_INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"\s*$')
OPTION = re.compile(r'(?P<key>\w+)="(?P<value>[^"]*)"')
MARKER = re.compile(r"^# --8<-- \[(?:start|end):(?P<name>[A-Za-z][A-Za-z0-9_]*)\]\s*$", re.M)
RUN_IT_YOURSELF = re.compile(r"^## Run it yourself[ \t]*$", re.M)

_results: dict[str, dict] = {}  # snippet path (relative to snippets/) -> runner result
_figures: dict[str, str] = {}  # placeholder token -> <figure> HTML
_snippet_mtimes: dict[str, int] = {}  # snippet -> modification time at the previous build


def _versions() -> dict[str, str]:
    found = {"python": sys.version.split()[0]}
    for name in LIBRARIES:
        with contextlib.suppress(metadata.PackageNotFoundError):
            found[name] = metadata.version(name).split("+")[0]
    return found


def _cache_key(path: Path) -> str:
    digest = hashlib.sha256(path.read_bytes())
    digest.update(RUNNER.read_bytes())
    digest.update(json.dumps(_versions(), sort_keys=True).encode())
    return digest.hexdigest()[:24]


def _run(relative: str) -> tuple[str, dict | str]:
    """Run one snippet (or take it from the cache): (path, result) or (path, error message)."""
    path = SNIPPETS / relative
    cached = CACHE / f"{path.stem}-{_cache_key(path)}.json"
    with contextlib.suppress(OSError, ValueError):
        return relative, json.loads(cached.read_text(encoding="utf-8"))
    CACHE.mkdir(parents=True, exist_ok=True)
    partial = CACHE / f"{path.stem}-{os.getpid()}-{threading.get_ident()}.partial"
    env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "PYTHONHASHSEED": "0"}
    env.pop("MPLBACKEND", None)
    try:
        done = subprocess.run(
            [sys.executable, str(RUNNER), str(path), str(partial)],
            capture_output=True,
            text=True,
            env=env,
            cwd=ROOT,
            timeout=120,
        )
    except subprocess.TimeoutExpired:
        return relative, f"snippets/{relative} did not finish within 120 s"
    if done.returncode != 0:
        return (
            relative,
            f"snippets/{relative} failed (exit status {done.returncode}):\n{done.stderr.strip()}",
        )
    if done.stderr.strip():
        return (
            relative,
            f"snippets/{relative} wrote to stderr (a warning is a defect too):\n{done.stderr.strip()}",
        )
    result = json.loads(partial.read_text(encoding="utf-8"))
    result["ran_on"] = dt.datetime.now(dt.UTC).date().isoformat()
    partial.write_text(json.dumps(result), encoding="utf-8")
    os.replace(partial, cached)
    return relative, result


def executed_snippets(markdown: str) -> set[str]:
    """The snippet files a page runs."""
    found = set()
    for fence in EXEC_FENCE.finditer(markdown):
        for line in fence["body"].splitlines():
            if match := INCLUDE.match(line):
                found.add(match["path"])
    return found


def on_files(files, config):
    """Offer every snippet file for download, and run the snippets the pages execute."""
    for path in sorted(SNIPPETS.rglob("*.py")):
        uri = f"snippets/{path.relative_to(SNIPPETS).as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(path)))

    wanted = set()
    for page in files.documentation_pages():
        wanted |= executed_snippets(Path(page.abs_src_path).read_text(encoding="utf-8"))
    missing = sorted(p for p in wanted if not (SNIPPETS / p).is_file())
    wanted -= set(missing)  # reported with the page and line in on_page_markdown

    _results.clear()
    _figures.clear()  # placeholders of the previous build (mkdocs serve builds many times)
    errors = []
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        for relative, result in pool.map(_run, sorted(wanted)):
            if isinstance(result, str):
                errors.append(result)
            else:
                _results[relative] = result
    if errors:
        raise PluginError("\n\n".join(errors))
    _mark_pages_of_changed_snippets(files)
    return files


def _mark_pages_of_changed_snippets(files) -> None:
    """Under `mkdocs serve --dirty` only pages whose Markdown changed are rebuilt. A page must
    also be rebuilt when a snippet it includes changed: removing its old output makes it so."""
    snippets_now = {
        path.relative_to(SNIPPETS).as_posix(): path.stat().st_mtime_ns
        for path in SNIPPETS.rglob("*.py")
    }
    changed = {
        name for name, mtime in snippets_now.items() if _snippet_mtimes.get(name, mtime) != mtime
    }
    _snippet_mtimes.clear()
    _snippet_mtimes.update(snippets_now)
    if not changed:
        return
    for page in files.documentation_pages():
        markdown = Path(page.abs_src_path).read_text(encoding="utf-8")
        included = {m["path"] for line in markdown.splitlines() if (m := ANY_INCLUDE.match(line))}
        if included & changed:
            Path(page.abs_dest_path).unlink(missing_ok=True)


def _indent(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.splitlines())


def _render_fence(fence: re.Match, page_src: str, line: int) -> str:
    where = f"docs/{page_src}:{line}"
    indent, body = fence["indent"], fence["body"]
    options = {m["key"]: m["value"] for m in OPTION.finditer(fence["options"])}
    stdout, figures = [], []
    for text in body.splitlines():
        match = INCLUDE.match(text)
        if not match:
            raise PluginError(
                f'{where}: an executed block may only hold --8<-- "file.py:section" lines, not {text!r}'
            )
        relative, section = match["path"], match["section"]
        outputs = _results[relative]["sections"]
        for name in [section] if section else list(outputs):
            stdout.append(outputs.get(name, {}).get("stdout", ""))
            figures += outputs.get(name, {}).get("figures", [])

    # A blank line between included sections, so that they do not run together on the page.
    shown = f"\n{indent}\n".join(line for line in body.splitlines() if line.strip())
    parts = [f"{indent}```python\n{shown}\n{indent}```"]
    printed = "".join(stdout).rstrip()
    if printed:
        parts.append(f'{indent}```text title="Output"\n{_indent(printed, indent)}\n{indent}```')
    if figures and not options.get("alt"):
        raise PluginError(
            f'{where}: this block shows a figure; describe it for readers who cannot see it with alt="..."'
        )
    for number, svg in enumerate(figures, 1):
        alt = options["alt"] + (f" (figure {number} of {len(figures)})" if len(figures) > 1 else "")
        token = f"SNIPPETFIGURE{len(_figures)}X{hashlib.sha1(svg.encode()).hexdigest()[:8]}"
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
        _figures[token] = f'<figure class="snippet-figure">{svg}</figure>'
        parts.append(f"{indent}{token}")
    return "\n\n".join(parts)


def _run_it_yourself(page_src: str, config) -> str:
    relative = Path(page_src).with_suffix(".py").as_posix()
    name = Path(relative).name
    up = "../" * (len(Path(page_src).parts) - 1)
    result = _results.get(relative, {})
    used = ", ".join(f"{label} {version}" for label, version in result.get("versions", {}).items())
    ran_on = result.get("ran_on", "")
    notebook = notebook_uri(relative)
    colab = colab_url(config, relative)
    return (
        "## Run it yourself\n\n"
        f"The whole lesson is one program, [{name}]({up}snippets/{relative}){{ download }}. "
        "In a clone of this site's repository, after `make serve` or `make test` has set up `.venv`:\n\n"
        f"```bash\n.venv/bin/python snippets/{relative}\n```\n\n"
        f"Or run it cell by cell as a notebook: [{Path(notebook).name}]({up}{notebook}){{ download }}"
        + (f", or [open it in Colab]({colab})" if colab else "")
        + ".\n\n"
        f'<p class="verified-with" markdown>:material-check-decagram: '
        f"Verified with {used}: every output on this page is what this code printed when the build ran it"
        f"{f' on {ran_on}' if ran_on else ''}.</p>\n"
    )


def _check_includes(markdown: str, page_src: str) -> None:
    """Every `--8<--` include names a snippet file that exists, and a section that exists in it."""
    for number, text in enumerate(markdown.splitlines(), 1):
        match = ANY_INCLUDE.match(text)
        if not match:
            continue
        where = f"docs/{page_src}:{number}"
        relative, section = match["path"], match["section"]
        path = SNIPPETS / relative
        if not path.is_file():
            raise PluginError(f"{where}: includes snippets/{relative}, which does not exist")
        if section and section not in MARKER.findall(path.read_text(encoding="utf-8")):
            raise PluginError(f"{where}: snippets/{relative} has no section '{section}'")


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    _check_includes(markdown, src)

    def render(fence: re.Match) -> str:
        line = markdown.count("\n", 0, fence.start()) + 1
        return _render_fence(fence, src, line)

    markdown = EXEC_FENCE.sub(render, markdown)
    if (SNIPPETS / Path(src).with_suffix(".py")).is_file():
        if not RUN_IT_YOURSELF.search(markdown):
            raise PluginError(f"docs/{src}: a lesson page needs a '## Run it yourself' section")
        markdown = RUN_IT_YOURSELF.sub(
            lambda _: _run_it_yourself(src, config).rstrip("\n"), markdown, count=1
        )
    return markdown


def on_page_content(html_text, page, config, files):
    def figure(match: re.Match) -> str:
        return _figures[match[1]]

    return re.sub(r"<p>(SNIPPETFIGURE\d+X[0-9a-f]{8})</p>", figure, html_text)
