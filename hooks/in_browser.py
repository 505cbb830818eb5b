"""MkDocs hook: the NumPy lessons run, and can be edited and checked, in the reader's browser.

A lesson whose snippet imports nothing but the standard library, NumPy and Matplotlib (no PyTorch,
which has no build for Pyodide) gets a Run button on each executed block and a box that checks
the reader's answer to each exercise whose folded solution asserts something. This hook:

- marks each executed block of such a lesson with an anchor (before the build renders it), which
  names its sections and, for an exercise, the names its solution's asserts use; after the build
  rendered it, writes the block's Run bar and each exercise's answer box into the page;
- says on those pages where the page's manifest is (docs/javascripts/progress.js, on every
  page, loads docs/javascripts/run.js on the pages that have one);
- writes run/<lesson>.json (each section's code in the file's order, each exercise's asserts),
  copies hooks/browser_runner.py and hooks/figure_style.py into run/, and Pyodide's files, set up
  and checked by hooks/pyodide_files.py, into pyodide/: the site serves everything itself;
- says in each lesson's "Run it yourself" section which Python and NumPy run the code in the
  browser, beside the build's, or why the lesson has no Run button.

Nothing is fetched until the reader presses Run or Check (docs/javascripts/run.js).
"""

from __future__ import annotations

import ast
import html as htmllib
import json
import logging
import re
import shutil
import sys
from pathlib import Path

import pyodide_files
from run_snippet import imports
from sections import is_notebook, sections

log = logging.getLogger("mkdocs.hooks.in_browser")
ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "hooks"
SNIPPETS = ROOT / "snippets"
LIBRARIES = {"numpy", "matplotlib"}  # besides the standard library, what Pyodide serves here
NOT_IN_A_BROWSER = {"subprocess", "multiprocessing", "socket", "threading", "ctypes"}
EXEC_FENCE = re.compile(r'^(?P<indent>[ \t]*)(?:`{3,}|~{3,})python[ \t]+exec="on"[^\n]*\n', re.M)
INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+\.py)(?::(?P<section>[^"]+))?"\s*$', re.M)
TOKEN = re.compile(r"<p>RUNANCHOR(?P<number>\d+)X</p>")
RUN_IT_YOURSELF = re.compile(r'<h2 id="run-it-yourself"[^>]*>.*?</h2>', re.S)
RUNNER_FILES = ["browser_runner.py", "figure_style.py"]

_pages: dict[str, dict] = {}  # page src -> {"lesson", "blocks": [anchor attributes], "note"}
_notes: dict[str, str] = {}  # page src -> why it has no Run buttons


def runs_in_browser(source: str) -> bool:
    """Whether a snippet needs nothing the browser's Python lacks."""
    try:
        modules = imports(source)
    except SyntaxError:
        return False
    return not missing(modules)


def missing(modules: set[str]) -> set[str]:
    """The modules of this set that the browser's Python does not have."""
    return modules - (set(sys.stdlib_module_names) - NOT_IN_A_BROWSER) - LIBRARIES


def exercise(code: str) -> dict | None:
    """An exercise's check: its top-level asserts (their source) and the names they use that the
    solution itself defines (what the reader's answer must define); None without asserts."""
    tree = ast.parse(code)
    asserts = [node for node in tree.body if isinstance(node, ast.Assert)]
    if not asserts:
        return None
    defined = set()
    for node in tree.body:
        if isinstance(node, ast.Assert):
            continue
        for inner in ast.walk(node):
            if isinstance(inner, ast.Name) and isinstance(inner.ctx, ast.Store):
                defined.add(inner.id)
            elif isinstance(inner, ast.FunctionDef | ast.ClassDef):
                defined.add(inner.name)
    used = []
    for statement in asserts:
        for inner in ast.walk(statement):
            if isinstance(inner, ast.Name) and inner.id in defined and inner.id not in used:
                used.append(inner.id)
    return {"asserts": [ast.get_source_segment(code, node) for node in asserts], "needs": used}


def _lesson_source(src: str) -> tuple[str, str] | None:
    """(snippet path below snippets/, its source) of a lesson page that runs in the browser."""
    relative = Path(src).with_suffix(".py").as_posix()
    path = SNIPPETS / relative
    if not path.is_file():
        return None
    source = path.read_text(encoding="utf-8")
    if is_notebook(source) or not runs_in_browser(source):
        return None
    return relative, source


def _versions() -> dict | None:
    stamp = pyodide_files.FOLDER / pyodide_files.STAMP
    return json.loads(stamp.read_text()) if stamp.is_file() else None


def on_startup(command, dirty):
    _pages.clear()
    _notes.clear()


def on_files(files, config):
    for problem in pyodide_files.problems():
        log.error(f"{problem} (the Run buttons of the NumPy lessons need it)")
    return files


def on_page_markdown(markdown, page, config, files):
    """Before hooks/snippets.py renders the blocks: an anchor before each executed block."""
    src = page.file.src_uri
    found = _lesson_source(src)
    twin = SNIPPETS / Path(src).with_suffix(".py")
    if found is None:
        if twin.is_file():
            _notes[src] = _say_why_not(imports(twin.read_text(encoding="utf-8")))
        return markdown
    relative, source = found
    if pyodide_files.problems():
        return markdown
    named = sections(source)
    blocks = []

    def anchor(fence: re.Match) -> str:
        body = markdown[fence.end() :]
        includes = []
        for line in body.splitlines():
            match = INCLUDE.match(line)
            if not match:
                break
            includes.append(match)
        names = [m["section"] for m in includes if m["path"] == relative and m["section"]]
        attributes = {"data-run-block": str(len(blocks)), "data-run-sections": " ".join(names)}
        if len(names) == 1 and names[0].startswith("exercise") and names[0] in named:
            check = exercise(named[names[0]].source)
            if check:
                attributes["data-run-exercise"] = names[0]
                attributes["data-run-needs"] = " ".join(check["needs"])
        blocks.append(attributes)
        # an option on the fence's own line, so no line of the page moves (problems name lines);
        # hooks/render.py turns it into a RUNANCHOR token before the block
        return fence[0].rstrip("\n") + f' run="{len(blocks) - 1}"\n'

    markdown = EXEC_FENCE.sub(anchor, markdown)
    _pages[src] = {
        "lesson": Path(src).with_suffix("").as_posix(),
        "blocks": blocks,
        "note": _say_where(manifest(relative, source)["packages"]),
    }
    return markdown


def download_size(packages: list[str]) -> int:
    """Bytes the browser loads for these packages: Pyodide's core, and each package's wheel
    and those of what it depends on."""
    folder = pyodide_files.FOLDER
    lock = json.loads((folder / "pyodide-lock.json").read_text())
    files = [name for name in pyodide_files.CORE if name != "pyodide-lock.json"]
    files += [lock["packages"][p]["file_name"] for p in pyodide_files.needed(lock, packages)]
    return sum((folder / name).stat().st_size for name in files)


def _say_where(packages: list[str]) -> str:
    stamp = _versions()
    megabytes = round(download_size(packages) / 1e6)
    return (
        "<p><strong>In your browser.</strong> The Run buttons run this page's code in your "
        f"browser, with Pyodide {stamp['version']}: Python {stamp['python']} and NumPy "
        f"{stamp['packages']['numpy']}, served by this site ({megabytes} MB, loaded the first "
        "time you press Run). The outputs printed on this page come from the build, whose versions "
        "are given above; the two print the same, as the site's tests check in a browser. Edit a "
        "block and run it again, or Reset it; each exercise with a checked solution takes "
        "your answer and tells you which check it fails.</p>"
    )


def _say_why_not(modules: set[str]) -> str:
    needs = (
        "PyTorch"
        if "torch" in modules
        else ", ".join(f"<code>{m}</code>" for m in sorted(missing(modules)))
    )
    return (
        f"<p><strong>Why no Run button.</strong> This lesson's code needs {needs}, which the "
        "Python that runs in a browser (Pyodide) does not have here; run it on your machine, as a "
        "notebook or in Colab, as below.</p>"
    )


def _after_run_it_yourself(html: str, note: str) -> str:
    """The note as the first paragraph of the page's Run it yourself section. It is added to
    the HTML, not the Markdown, so that no line of the page moves (problems name lines)."""
    return RUN_IT_YOURSELF.sub(lambda m: m[0] + note, html, count=1)


# The controls are in the page as built, where run.js finds them: made by a script once the page
# has loaded, they would appear after the first paint on a slow phone and push the text below
# them down under the reader's eyes. Without JavaScript they cannot work: site.css hides them
# while <html> has Material's class "no-js", which an inline script in <head> of these pages
# replaces before the first paint (Material's own script does the same, later).
RUN_BAR = (
    '<div class="run-bar">'
    '<button type="button" class="md-button md-button--primary" data-run="run">Run</button>'
    '<button type="button" class="md-button" data-run="edit">Edit</button>'
    '<button type="button" class="md-button" data-run="reset" hidden>Reset</button>'
    '<button type="button" class="md-button" data-run="stop" hidden>Stop</button>'
    '<span class="run-status" role="status"></span></div>'
)
WITH_SCRIPT = '<script>document.documentElement.classList.replace("no-js", "js")</script>'
CODE_BLOCK = re.compile(r'\s*<div class="highlight"[^>]*>.*?</pre></div>', re.S)
FAILED_BLOCK = re.compile(r'\s*<div class="admonition failure snippet-failure"')


def exercise_panel(name: str, needs: list[str]) -> str:
    """The box for the reader's answer to an exercise, and its Check button."""
    ident = f"run-answer-{name}"
    start = htmllib.escape(f"# Write your answer here; the check uses: {', '.join(needs)}")
    return (
        f'<div class="run-exercise"><label for="{ident}">Your answer</label>'
        f'<textarea id="{ident}" class="run-editor" spellcheck="false" rows="6">{start}\n</textarea>'
        '<div class="run-bar"><button type="button" class="md-button md-button--primary" '
        'data-run="check">Check</button></div><p class="run-verdict" role="status"></p></div>'
    )


def with_controls(html: str, blocks: list[dict], where: str) -> tuple[str, list[str]]:
    """Each RUNANCHOR token becomes the block's anchor, and its code block gets its Run bar; an
    exercise's answer box goes before the folded solution it checks. Also the problems: a token
    with no code block after it (a block whose code failed shows its error instead: no Run bar
    there, and that failure is reported already)."""
    problems = []
    while tokens := list(TOKEN.finditer(html)):  # the last first, found again after each change
        match = tokens[-1]
        attributes = blocks[int(match["number"])]
        text = " ".join(f'{key}="{value}"' for key, value in attributes.items())
        code = CODE_BLOCK.match(html, match.end())
        if code is None:
            if not FAILED_BLOCK.match(html, match.end()):
                problems.append(
                    f"{where}: block {match['number']} with a Run button has no code block after its anchor"
                )
            html = html[: match.start()] + html[match.end() :]
            continue
        anchor = f'<div class="run-anchor" {text} hidden></div>'
        html = html[: match.start()] + anchor + code[0] + RUN_BAR + html[code.end() :]
        if "data-run-exercise" in attributes:
            details = html.rfind("<details", 0, match.start())
            if details < 0:
                problems.append(
                    f"{where}: exercise {attributes['data-run-exercise']} is not in a folded solution"
                )
                continue
            panel = exercise_panel(
                attributes["data-run-exercise"], attributes["data-run-needs"].split()
            )
            html = html[:details] + panel + html[details:]
    return html, problems


def on_page_content(html, page, config, files):
    if note := _notes.get(page.file.src_uri):
        return _after_run_it_yourself(html, note)
    found = _pages.get(page.file.src_uri)
    if not found:
        return html
    html = _after_run_it_yourself(html, found["note"])
    html, problems = with_controls(html, found["blocks"], f"docs/{page.file.src_uri}")
    for problem in problems:
        log.error(problem)  # `mkdocs build --strict` fails; the other pages still build
    return html


def on_post_page(output, page, config):
    found = _pages.get(page.file.src_uri)
    if not found:
        return output
    up = "../" * (page.url.count("/"))
    manifest = f"{up}run/{found['lesson']}.json"
    article = f'<article data-run-manifest="{manifest}" data-run-lesson="{found["lesson"]}" '
    output = output.replace("<article ", article, 1)
    return output.replace("</head>", WITH_SCRIPT + "</head>", 1)


def manifest(relative: str, source: str) -> dict:
    named = sections(source)
    modules = imports(source)
    exercises = {}
    for name, piece in named.items():
        check = exercise(piece.source) if name.startswith("exercise") else None
        if check:
            exercises[name] = {"asserts": check["asserts"], "first": name}
    return {
        "lesson": Path(relative).with_suffix("").as_posix(),
        "packages": sorted(LIBRARIES & modules) or ["numpy"],
        "order": list(named),
        "code": {name: piece.source for name, piece in named.items()},
        "exercises": exercises,
    }


def on_post_build(config):
    site = Path(config.site_dir)
    if pyodide_files.problems() or not _pages:
        return
    target = site / "pyodide"
    target.mkdir(exist_ok=True)
    for file in pyodide_files.FOLDER.iterdir():
        if file.name != pyodide_files.STAMP:
            shutil.copyfile(file, target / file.name)
    run = site / "run"
    run.mkdir(exist_ok=True)
    for name in RUNNER_FILES:
        shutil.copyfile(HOOKS / name, run / name)
    for src in _pages:
        relative = Path(src).with_suffix(".py").as_posix()
        data = manifest(relative, (SNIPPETS / relative).read_text(encoding="utf-8"))
        path = run / f"{data['lesson']}.json"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(data), encoding="utf-8")
