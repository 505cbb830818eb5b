"""MkDocs hook: every executed code block on the site comes from snippets/ and shows its real output.

Thin glue between MkDocs' events and the modules that do the work:

- hooks/runs.py runs every snippet that a page executes, once, confined, through one fork server,
  and hooks/cache.py keeps each result under a key of everything that can change it;
- hooks/includes.py checks each `--8<--` include, hooks/rules.py (with hooks/sections.py and
  hooks/numbers_rule.py) the rules of pages and snippets, the same functions the tests call;
- hooks/render.py puts each section's printed output (escaped) and figures (hooks/figures.py:
  sanitised, readable) under its code, or the failure when the code failed;
- hooks/run_it_yourself.py fills each lesson's "Run it yourself" section;
- hooks/dirty.py keeps `make serve`'s quick rebuilds right.

One broken lesson does not take the others down: every problem is logged, naming its file and
line, and the build goes on, so one pass reports them all, and `make serve` keeps serving (a page
whose code failed shows the failure). `mkdocs build --strict` (`make build`, `make test`) fails on
any of them. A project page (Stage 5) is one snippet in jupytext's percent format;
hooks/projects.py makes its page.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import render
import run_it_yourself
import values
from dirty import mark_pages_of_changed_snippets, remember_hooks, warn_if_hooks_changed
from mkdocs.structure.files import File
from rules import layout_problems, lesson_problems, pairing
from runs import ROOT, SNIPPETS, printed, run_snippets
from sections import is_notebook

from includes import include_problems, neutralise

log = logging.getLogger("mkdocs.hooks.snippets")

_results: dict[str, dict | str] = {}  # snippet path (relative to snippets/) -> result or error


def executed_snippets(markdown: str) -> set[str]:
    """The snippet files a page runs."""
    found = set()
    for fence in render.EXEC_FENCE.finditer(markdown):
        for line in fence["body"].splitlines():
            if match := render.INCLUDE.match(line):
                found.add(match["path"])
    return found


def on_startup(command, dirty):
    remember_hooks(dirty)


def on_files(files, config):
    """Offer every snippet file for download, check the rules, and run the snippets the pages
    execute (and the project pages)."""
    warn_if_hooks_changed()
    for path in sorted(SNIPPETS.rglob("*.py")):
        uri = f"snippets/{path.relative_to(SNIPPETS).as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(path)))

    for path in sorted(SNIPPETS.rglob("*.py")):
        for problem in layout_problems(path, f"snippets/{path.relative_to(SNIPPETS).as_posix()}"):
            log.error(problem)
    for problem in pairing(ROOT / "docs", SNIPPETS):
        log.warning(problem.replace(f"{ROOT}/", ""))

    wanted = set()
    for page in files.documentation_pages():
        if page.abs_src_path and Path(page.abs_src_path).is_file():
            wanted |= executed_snippets(Path(page.abs_src_path).read_text(encoding="utf-8"))
    wanted |= {
        path.relative_to(SNIPPETS).as_posix()
        for path in SNIPPETS.rglob("*.py")
        if is_notebook(path.read_text(encoding="utf-8"))
    }
    wanted = {p for p in wanted if (SNIPPETS / p).is_file()}  # a missing one: on_page_markdown

    _results.clear()
    render.reset()  # placeholders of the previous build (mkdocs serve builds many times)
    for relative, result in sorted(run_snippets(sorted(wanted)).items()):
        _results[relative] = result
        if isinstance(result, str):
            log.error(result)
    values.remember({r: printed(x) for r, x in _results.items() if isinstance(x, dict)})
    mark_pages_of_changed_snippets(files)
    return files


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    source = page.file.content_string
    # MkDocs hands over the Markdown without its front matter: count the lines it took away.
    offset = source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0
    broken = include_problems(markdown, src, offset)
    for _, problem in broken:
        log.error(problem)
    markdown = neutralise(markdown, {line for line, _ in broken})

    relative = Path(src).with_suffix(".py").as_posix()
    result = _results.get(relative)
    output = printed(result) if isinstance(result, dict) else None
    has_twin = (SNIPPETS / relative).is_file()
    markdown, problems = values.fill(
        markdown,
        output,
        lambda line: render.where(src, line + offset),
        "" if has_twin else "this page has no snippet of its own whose output could fill it",
    )
    for problem in problems:
        log.error(problem)
    for problem in lesson_problems(source, src, SNIPPETS, output):
        # A page made from a project's snippet: the problem points at the snippet's own line.
        problem = re.sub(
            rf"docs/{re.escape(src)}:(\d+)", lambda m: render.where(src, int(m[1])), problem
        )
        log.warning(problem)  # `mkdocs build --strict` fails on it

    problems = []
    failed: set[str] = set()

    def render_fence(fence: re.Match) -> str:
        line = markdown.count("\n", 0, fence.start()) + 1 + offset
        return render.render_fence(fence, src, line, _results, problems, failed)

    markdown = render.EXEC_FENCE.sub(render_fence, markdown)
    for problem in problems:
        log.error(problem)
    if has_twin:
        filled = run_it_yourself.fill(markdown, src, config, result)
        if filled is None:
            log.error(f"docs/{src}: a lesson page needs a '## Run it yourself' section")
        else:
            markdown = filled
    return markdown


def on_page_content(html_text, page, config, files):
    return render.fill_placeholders(html_text)
