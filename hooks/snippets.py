"""MkDocs hook: every executed code block on the site comes from snippets/ and shows its real output.

A page asks for a section of its snippet file to be shown *and run* with

    ```python exec="on"
    --8<-- "01-linear-algebra/vectors.py:dot"
    ```

(`alt="..."` on the fence describes the figure, when the section shows one). Before the page is
converted, this hook:

1. checks the snippets against the site's rules (hooks/rules.py, hooks/sections.py,
   hooks/numbers_rule.py), the same functions the tests call: a broken layout or include is an
   error, any other broken rule a warning (so `mkdocs build --strict` fails, while `make serve`
   still shows the page);
2. runs every snippet file that some page executes, each once, confined (hooks/sandbox.py), in
   children of one fork server that has imported the libraries once (hooks/run_snippet.py), and
   caches each result by everything that can change it (see `cache_key`);
3. puts each section's printed output under its code, escaped so that nothing a program prints
   can become markup, and its figures (inline SVG that follows the light or dark palette,
   sanitised: no script, no foreign content, no event handler, links only to #fragments);
4. fills the lesson's "Run it yourself" section: the command, a download of the whole file, its
   notebook (hooks/notebooks.py) and "Open in Colab", and the versions its code ran with.

pymdownx.snippets (with `check_paths: true`) then pulls the code itself into the page. A project
page (Stage 5) is one snippet in jupytext's percent format; hooks/projects.py makes its page.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import html
import json
import logging
import os
import platform
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from importlib import metadata
from pathlib import Path

import sandbox
from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File
from notebooks import colab_url, notebook_uri  # hooks/notebooks.py (MkDocs puts hooks/ on the path)
from numbers_rule import unchecked_numbers
from projects import source_line
from rules import hidden_lines, layout_problems, pairing, stray_python_fences
from run_snippet import imported_modules
from sections import is_notebook, parse, sections

log = logging.getLogger("mkdocs.hooks.snippets")

ROOT = Path(__file__).resolve().parent.parent
HOOKS = ROOT / "hooks"
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
RUNNER = HOOKS / "run_snippet.py"
# ROADMAP_CACHE points several checkouts at one cache (entries are keyed by content, written atomically).
CACHE = Path(os.environ.get("ROADMAP_CACHE", ROOT / ".cache" / "snippets"))
TIMEOUT = 120  # seconds for one snippet in the build (the tests allow 60 s on an idle machine)
# What every snippet runs with, in the build and in the tests: one thread, a fixed hash seed, and
# the same vector instructions on every x86-64 machine. PyTorch, MKL and oneDNN pick their kernels
# by the CPU: on an AVX-512 CPU they round differently in the last bits, and a training run that
# goes on for hundreds of steps ends somewhere else (tiny-gpt printed 66 % instead of 87 %). Capped
# at AVX2, which every x86-64 CPU of the last decade has, the printed numbers are the same on each.
# Other CPUs (ARM) ignore these three variables.
SNIPPET_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "PYTHONHASHSEED": "0",
    "PYTHONDONTWRITEBYTECODE": "1",
    "ATEN_CPU_CAPABILITY": "avx2",
    "MKL_ENABLE_INSTRUCTIONS": "AVX2",
    "ONEDNN_MAX_CPU_ISA": "AVX2",
}
# The files whose content decides how a snippet runs: part of every cache key.
RUNNER_FILES = [
    RUNNER,
    HOOKS / "sandbox.py",
    HOOKS / "sections.py",
    sandbox.SHIM / "sitecustomize.py",
]

EXEC_FENCE = re.compile(
    r'^(?P<indent>[ \t]*)```python[ \t]+exec="on"(?P<options>[^\n]*)\n(?P<body>.*?)^(?P=indent)```[ \t]*$',
    re.M | re.S,
)
INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+\.py)(?::(?P<section>[^"]+))?"\s*$')
ANY_INCLUDE = re.compile(r'^\s*--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"\s*$')
OPTION = re.compile(r'(?P<key>\w+)="(?P<value>[^"]*)"')
RUN_IT_YOURSELF = re.compile(r"^## Run it yourself[ \t]*$", re.M)
PLACEHOLDER = re.compile(r"<p>(SNIPPETBLOCK\d+X[0-9a-f]{8})</p>")

_results: dict[str, dict] = {}  # snippet path (relative to snippets/) -> runner result
_blocks: dict[str, str] = {}  # placeholder token -> HTML (an output block or a figure)
_snippet_mtimes: dict[str, int] = {}  # snippet -> modification time at the previous build
_hook_digests: dict[str, str] = {}  # hook file -> its digest when this process loaded the hooks


# --- running snippets, with a cache ---------------------------------------------------------------


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def environment_versions() -> dict[str, str]:
    """Python, the platform, whether a GPU is present, and every installed distribution's version
    (with its local tag: torch "2.13.0+cpu" and "2.13.0+cu130" are different builds)."""
    found = {
        "python": sys.version,
        "platform": platform.platform(),
        "gpu": str(Path("/dev/nvidia0").exists() or Path("/dev/dri").exists()),
    }
    for dist in metadata.distributions():
        name = (dist.metadata["Name"] or "").lower()
        if name:
            found[f"dist:{name}"] = dist.version
    return found


def cache_key(path: Path) -> str:
    """Everything that changes what a snippet prints: its content, the runner's files, the
    environment it runs with, the isolation, and the versions of Python and of every library."""
    digest = hashlib.sha256(path.read_bytes())
    for runner_file in RUNNER_FILES:
        digest.update(runner_file.read_bytes())
    settings = {
        "env": SNIPPET_ENV,
        "isolation": sandbox.isolation(),
        "max_output": sandbox.MAX_OUTPUT,
        "max_file": sandbox.MAX_FILE,
        "versions": _environment(),
    }
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:24]


_environment_cache: dict[str, dict] = {}


def _environment() -> dict[str, str]:
    if "value" not in _environment_cache:
        _environment_cache["value"] = environment_versions()
    return _environment_cache["value"]


def _cache_file(relative: str) -> Path:
    path = SNIPPETS / relative
    return CACHE / f"{relative.replace('/', '--').removesuffix('.py')}-{cache_key(path)}.json"


def _from_cache(relative: str) -> dict | None:
    """A cached result, or None: a missing, unreadable or truncated entry, or one whose data
    files have changed, is a miss."""
    try:
        result = json.loads(_cache_file(relative).read_text(encoding="utf-8"))
        for name, digest in result.get("data", {}).items():
            if _digest(ROOT / name) != digest:
                return None
        return result if isinstance(result.get("sections"), dict) else None
    except (OSError, ValueError, AttributeError, TypeError):
        return None


def _to_cache(relative: str, result: dict) -> None:
    """Write atomically: a temporary file in the cache folder, then os.replace."""
    CACHE.mkdir(parents=True, exist_ok=True)
    target = _cache_file(relative)
    handle, temporary = tempfile.mkstemp(dir=CACHE, prefix=f".{target.stem}-", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as file:
            json.dump(result, file)
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def run_snippets(relatives: list[str], jobs: int | None = None) -> dict[str, dict | str]:
    """Each snippet's result (from the cache, or run now), or the error message that names it."""
    results: dict[str, dict | str] = {}
    misses = []
    for relative in relatives:
        cached = _from_cache(relative)
        if cached is not None:
            results[relative] = cached
        else:
            misses.append(relative)
    if misses:
        results.update(_run_fresh(misses, jobs or os.cpu_count() or 2))
    return results


def _run_fresh(relatives: list[str], jobs: int) -> dict[str, dict | str]:
    modules = set()
    for relative in relatives:
        with contextlib.suppress(SyntaxError):
            modules |= imported_modules((SNIPPETS / relative).read_text(encoding="utf-8"))
    results: dict[str, dict | str] = {}
    with tempfile.TemporaryDirectory(prefix="snippet-runs-") as tmp:
        env = {**os.environ, **SNIPPET_ENV}
        env.pop("MPLBACKEND", None)
        server_log = Path(tmp) / "server.log"
        with open(server_log, "w") as errors:
            server = subprocess.Popen(
                [
                    sys.executable,
                    str(RUNNER),
                    "--serve",
                    "--jobs",
                    str(jobs),
                    "--preload",
                    ",".join(sorted(modules)),
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=errors,
                text=True,
                env=env,
                cwd=tmp,
                start_new_session=True,
            )
        try:
            ready = server.stdout.readline()
            if not ready:
                raise PluginError(f"the snippet runner did not start:\n{server_log.read_text()}")
            for number, relative in enumerate(relatives):
                request = {
                    "id": number,
                    "path": str(SNIPPETS / relative),
                    "dir": str(Path(tmp) / str(number)),
                    "timeout": TIMEOUT,
                    "root": str(ROOT),
                }
                server.stdin.write(json.dumps(request) + "\n")
            server.stdin.close()
            for line in server.stdout:
                answer = json.loads(line)
                relative = relatives[answer["id"]]
                results[relative] = _collect(relative, Path(tmp) / str(answer["id"]), answer)
        finally:
            sandbox.kill_group(server.pid)
            server.wait()
    for relative in relatives:
        results.setdefault(relative, f"snippets/{relative}: the snippet runner stopped before it")
    return results


def _collect(relative: str, work: Path, answer: dict) -> dict | str:
    name = f"snippets/{relative}"

    def text(file: str) -> str:
        path = work / file
        if not path.is_file():
            return ""
        if path.stat().st_size > sandbox.MAX_OUTPUT:
            return "\0too much"
        return path.read_text(encoding="utf-8", errors="replace")

    stdout, stderr = text("stdout"), text("stderr")
    code = answer["returncode"]
    if answer["timed_out"]:
        return f"{name} did not finish within {TIMEOUT} s (stopped, with every process it started)"
    if "\0too much" in (stdout, stderr) or code in (128 + 25, -25):  # 25: SIGXFSZ
        return f"{name} printed more than {sandbox.MAX_OUTPUT // 1024} KB or wrote a file over {sandbox.MAX_FILE // 2**20} MB"
    if code != 0:
        return f"{name} failed (exit status {code}):\n{stderr.strip()}"
    if stderr.strip():
        return f"{name} wrote to stderr (a warning is a defect too):\n{stderr.strip()}"
    try:
        result = json.loads((work / "result.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"{name} ended without its result (did it call os._exit?)"
    printed = sum(len(s.get("stdout", "")) for s in result.get("sections", {}).values())
    if printed > sandbox.MAX_OUTPUT:
        return f"{name} printed more than {sandbox.MAX_OUTPUT // 1024} KB"
    result["data"] = {
        file: _digest(ROOT / file) for file in result.pop("opened", []) if (ROOT / file).is_file()
    }
    result["ran_on"] = dt.datetime.now(dt.UTC).date().isoformat()
    _to_cache(relative, result)
    return result


# --- what a program prints or draws can never become markup --------------------------------------

SVG_NS = "http://www.w3.org/2000/svg"
XLINK_NS = "http://www.w3.org/1999/xlink"
ET.register_namespace("", SVG_NS)
ET.register_namespace("xlink", XLINK_NS)
SVG_ELEMENTS = {
    "svg", "g", "defs", "style", "path", "use", "clipPath", "rect", "circle", "ellipse", "line",
    "polyline", "polygon", "text", "tspan", "image", "a", "title", "desc", "linearGradient",
    "radialGradient", "stop", "pattern", "mask", "symbol", "marker",
}  # fmt: skip
SAFE_IMAGE = re.compile(r"^data:image/(png|jpeg);base64,[A-Za-z0-9+/=\s]*$")
CSS_URL = re.compile(r"url\(\s*['\"]?(?!#)[^)]*\)|@import|expression\(|javascript:", re.I)


def sanitise_svg(svg: str) -> str:
    """Keep only drawing: SVG elements matplotlib uses, no script or foreign content, no event
    handler, links only to #fragments, images only as embedded PNG or JPEG, no outside CSS."""
    try:
        root = ET.fromstring(svg)
    except ET.ParseError as error:
        raise PluginError(f"a figure is not well-formed SVG: {error}") from error

    def local(name: str) -> str:
        return name.rsplit("}", 1)[-1]

    for parent in list(root.iter()):
        for child in list(parent):
            if not isinstance(child.tag, str) or local(child.tag) not in SVG_ELEMENTS:
                parent.remove(child)
    for element in root.iter():
        tag = local(element.tag)
        for attribute, value in list(element.attrib.items()):
            if _unsafe_attribute(local(attribute).lower(), value, tag):
                del element.attrib[attribute]
        if tag == "style" and element.text and CSS_URL.search(element.text):
            element.text = CSS_URL.sub("", element.text)
    return ET.tostring(root, encoding="unicode")


MIN_TEXT_OPACITY = 0.7  # the page's text colour at this opacity still contrasts 4.5:1 or more
OPACITY = re.compile(r"(?:^|;)\s*opacity:\s*(?P<value>[0-9.]+)")


def faint_texts(svg: str) -> list[tuple[float, str]]:
    """Each text of a figure drawn so faint that it fails WCAG's 4.5:1 contrast: (its opacity,
    its text). axe does not measure it: a figure is `role="img"`, one image to axe, and text
    over a figure's shapes is at best "incomplete" to it. So the build checks the opacity that
    matplotlib wrote (`alpha=`), its groups' included."""
    found = []

    def walk(element, opacity: float) -> None:
        own = element.get("opacity") or ""
        match = OPACITY.search(element.get("style") or "")
        for value in (own, match["value"] if match else ""):
            with contextlib.suppress(ValueError):
                opacity *= float(value)
        if element.tag.rsplit("}", 1)[-1] == "text" and opacity < MIN_TEXT_OPACITY:
            found.append((round(opacity, 2), "".join(element.itertext()).strip()))
        for child in element:
            walk(child, opacity)

    walk(ET.fromstring(svg), 1.0)
    return found


def _unsafe_attribute(name: str, value: str, tag: str) -> bool:
    if name.startswith("on"):
        return True  # an event handler
    if name == "href":
        return not (value.startswith("#") or (tag == "image" and SAFE_IMAGE.match(value)))
    return name == "style" and bool(CSS_URL.search(value))


def _output_block(text: str) -> str:
    """A program's printed output as an inert HTML block: every character shown as it is. Left
    out of the search index (numbers a reader does not search for), which keeps it lean."""
    return (
        '<div class="language-text highlight" data-search-exclude><span class="filename">Output</span>'
        f"<pre><span></span><code>{html.escape(text)}</code></pre></div>"
    )


def _placeholder(content: str) -> str:
    token = f"SNIPPETBLOCK{len(_blocks)}X{hashlib.sha1(content.encode()).hexdigest()[:8]}"
    _blocks[token] = content
    return token


# --- the build's events ----------------------------------------------------------------------------


class _SafeDirtyBuild(logging.Filter):
    """`make serve` builds with --dirty, and MkDocs warns on every start that a dirty build may
    show inaccurate navigation: an alarm a newcomer cannot act on. Say instead, as information,
    what it means here and what to do (this hook already rebuilds the pages of changed snippets)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "'dirty' build" in record.getMessage():
            log.info(
                "make serve rebuilds only the pages you change; after adding or moving a page "
                "in mkdocs.yml's nav, restart it to refresh the other pages' menus"
            )
            return False
        return True


def on_startup(command, dirty):
    """Remember the hooks as loaded: MkDocs keeps them for the life of `mkdocs serve`."""
    _hook_digests.clear()
    _hook_digests.update({path.name: _digest(path) for path in sorted(HOOKS.glob("*.py"))})
    build_log = logging.getLogger("mkdocs.commands.build")
    if dirty and not any(isinstance(f, _SafeDirtyBuild) for f in build_log.filters):
        build_log.addFilter(_SafeDirtyBuild())


def _warn_if_hooks_changed() -> None:
    changed = [
        name
        for name, digest in _hook_digests.items()
        if not (HOOKS / name).is_file() or _digest(HOOKS / name) != digest
    ]
    if changed:
        log.warning(
            "hooks/%s changed since this process started: MkDocs keeps hooks loaded, so the "
            "change takes effect only after a restart (stop `make serve` with Ctrl-C and run it again)",
            ", hooks/".join(changed),
        )


def executed_snippets(markdown: str) -> set[str]:
    """The snippet files a page runs."""
    found = set()
    for fence in EXEC_FENCE.finditer(markdown):
        for line in fence["body"].splitlines():
            if match := INCLUDE.match(line):
                found.add(match["path"])
    return found


def on_files(files, config):
    """Offer every snippet file for download, check the rules, and run the snippets the pages
    execute (and the project pages)."""
    _warn_if_hooks_changed()
    for path in sorted(SNIPPETS.rglob("*.py")):
        uri = f"snippets/{path.relative_to(SNIPPETS).as_posix()}"
        files.append(File.generated(config, uri, abs_src_path=str(path)))

    layout = []
    for path in sorted(SNIPPETS.rglob("*.py")):
        layout += layout_problems(path, f"snippets/{path.relative_to(SNIPPETS).as_posix()}")
    if layout:
        raise PluginError("\n".join(layout))
    for problem in pairing(DOCS, SNIPPETS):
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
    _blocks.clear()  # placeholders of the previous build (mkdocs serve builds many times)
    errors = []
    for relative, result in sorted(run_snippets(sorted(wanted)).items()):
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
    also be rebuilt when a snippet it includes changed, appeared or disappeared: removing its
    old output makes it so (and a page whose snippet is gone then fails on its include, instead
    of serving the old output)."""
    snippets_now = {
        path.relative_to(SNIPPETS).as_posix(): path.stat().st_mtime_ns
        for path in SNIPPETS.rglob("*.py")
    }
    first_build = not _snippet_mtimes
    changed = {
        name
        for name in set(snippets_now) | set(_snippet_mtimes)
        if _snippet_mtimes.get(name) != snippets_now.get(name)
    }
    _snippet_mtimes.clear()
    _snippet_mtimes.update(snippets_now)
    if first_build or not changed:
        return
    for page in files.documentation_pages():
        twin = Path(page.src_uri).with_suffix(".py").as_posix()
        included = {twin} if twin in changed else set()
        if page.abs_src_path and Path(page.abs_src_path).is_file():
            markdown = Path(page.abs_src_path).read_text(encoding="utf-8")
            included |= {
                m["path"] for line in markdown.splitlines() if (m := ANY_INCLUDE.match(line))
            }
        if included & changed:
            Path(page.abs_dest_path).unlink(missing_ok=True)


def _indent(text: str, indent: str) -> str:
    return "\n".join(indent + line if line else line for line in text.splitlines())


def _where(page_src: str, line: int) -> str:
    """docs/<page>:<line>, or for a page made from a project's snippet, the snippet's own line."""
    twin = SNIPPETS / Path(page_src).with_suffix(".py")
    if not (DOCS / page_src).is_file() and twin.is_file():
        relative = twin.relative_to(SNIPPETS).as_posix()
        return (
            f"snippets/{relative}:{source_line(twin.read_text(encoding='utf-8'), relative, line)}"
        )
    return f"docs/{page_src}:{line}"


def _render_fence(fence: re.Match, page_src: str, line: int) -> str:
    where = _where(page_src, line)
    indent, body = fence["indent"], fence["body"]
    options = {m["key"]: m["value"] for m in OPTION.finditer(fence["options"])}
    stdout, figures, shown = [], [], []
    for text in body.splitlines():
        if not text.strip():
            continue
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
        source = (SNIPPETS / relative).read_text(encoding="utf-8")
        if is_notebook(source):  # a project's cell: its code itself (Snippets knows no cells)
            cell = sections(source)[section].source.strip("\n")
            shown.append("\n".join(indent + line if line else line for line in cell.splitlines()))
        else:  # the include line, which pymdownx.snippets replaces by the section's code
            shown.append(text)
    return render_block(shown, stdout, figures, options, indent, where)


def render_block(shown: list[str], stdout, figures, options: dict, indent: str, where: str) -> str:
    """The Markdown that shows code, then its output and figures (as placeholders)."""
    # A blank line between included sections, so that they do not run together on the page.
    shown = f"\n{indent}\n".join(shown)
    parts = [f"{indent}```python\n{shown}\n{indent}```"] if shown.strip() else []
    printed = "".join(stdout).rstrip()
    if printed:
        parts.append(f"{indent}{_placeholder(_output_block(printed))}")
    if figures and not options.get("alt"):
        raise PluginError(
            f'{where}: this block shows a figure; describe it for readers who cannot see it with alt="..."'
        )
    for number, svg in enumerate(figures, 1):
        alt = options["alt"] + (f" (figure {number} of {len(figures)})" if len(figures) > 1 else "")
        svg = sanitise_svg(svg)
        if faint := faint_texts(svg):
            opacity, text = faint[0]
            raise PluginError(
                f"{where}: figure {number} draws {len(faint)} text(s) too faint to read, such as "
                f"'{text}' at opacity {opacity}: below {MIN_TEXT_OPACITY} the contrast falls under "
                "4.5:1; draw text with alpha of at least 0.7, and fade the shapes instead"
            )
        svg = svg.replace("<svg ", f'<svg role="img" aria-label="{html.escape(alt)}" ', 1)
        token = _placeholder(
            '<figure class="snippet-figure" data-search-exclude>' + svg + "</figure>"
        )
        parts.append(f"{indent}{token}")
    return "\n\n".join(parts)


def run_it_yourself(page_src: str, config) -> str:
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


def check_includes(markdown: str, page_src: str, offset: int = 0) -> None:
    """Every `--8<--` include names a snippet file that exists, and a section that exists in it;
    a snippet whose sections break a rule is reported with that rule, not as a missing section."""
    for number, text in enumerate(markdown.splitlines(), 1):
        match = ANY_INCLUDE.match(text)
        if not match:
            continue
        where = f"docs/{page_src}:{number + offset}"
        relative, section = match["path"], match["section"]
        path = SNIPPETS / relative
        if not path.is_file():
            raise PluginError(f"{where}: includes snippets/{relative}, which does not exist")
        if not section:
            continue
        source = path.read_text(encoding="utf-8")
        pieces, problems = parse(source, f"snippets/{relative}")
        named = {piece.name for piece in pieces if piece.name}
        if section not in named:
            bad = [p for p in problems if repr(section) in p]
            raise PluginError(
                "\n".join(bad)
                if bad
                else f"{where}: snippets/{relative} has no section '{section}'"
            )


def lesson_problems(markdown: str, page_src: str) -> list[str]:
    """The rules a lesson page must follow besides its includes (warnings in the build)."""
    where = f"docs/{page_src}"
    problems = stray_python_fences(markdown, where)
    twin = SNIPPETS / Path(page_src).with_suffix(".py")
    if twin.is_file():
        problems += [
            p.replace(f"{ROOT}/", "") for p in hidden_lines(markdown, twin, SNIPPETS, where)
        ]
        relative = twin.relative_to(SNIPPETS).as_posix()
        printed = "".join(
            s.get("stdout", "") for s in _results.get(relative, {}).get("sections", {}).values()
        )
        problems += unchecked_numbers(markdown, where, twin.read_text(encoding="utf-8"), printed)
    return problems


def on_page_markdown(markdown, page, config, files):
    src = page.file.src_uri
    source = page.file.content_string
    # MkDocs hands over the Markdown without its front matter: count the lines it took away.
    offset = source[: len(source) - len(markdown)].count("\n") if source.endswith(markdown) else 0
    check_includes(markdown, src, offset)
    for problem in lesson_problems(source, src):
        # A page made from a project's snippet: the problem points at the snippet's own line.
        problem = re.sub(rf"docs/{re.escape(src)}:(\d+)", lambda m: _where(src, int(m[1])), problem)
        log.warning(problem)  # `mkdocs build --strict` fails on it

    def render(fence: re.Match) -> str:
        line = markdown.count("\n", 0, fence.start()) + 1 + offset
        return _render_fence(fence, src, line)

    markdown = EXEC_FENCE.sub(render, markdown)
    if (SNIPPETS / Path(src).with_suffix(".py")).is_file():
        if not RUN_IT_YOURSELF.search(markdown):
            raise PluginError(f"docs/{src}: a lesson page needs a '## Run it yourself' section")
        markdown = RUN_IT_YOURSELF.sub(
            lambda _: run_it_yourself(src, config).rstrip("\n"), markdown, count=1
        )
    return markdown


def on_page_content(html_text, page, config, files):
    return PLACEHOLDER.sub(lambda match: _blocks[match[1]], html_text)
