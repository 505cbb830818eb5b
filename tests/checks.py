"""The project's checks as plain functions: each returns a list of problems (empty when all is well).

The tests call them on the real pages and snippets, and call them again on broken examples to show
that each check can fail (tests/test_checks_fail.py).
"""

from __future__ import annotations

import html as htmllib
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
NO_NETWORK = HERE / "no_network"

MARKER = re.compile(r"^(?P<indent>\s*)# --8<-- \[(?P<kind>start|end):(?P<name>[^\]]*)\]\s*$")
SECTION_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
INCLUDE = re.compile(r'--8<-- "(?P<path>[^":]+)(?::(?P<section>[^"]+))?"')
OUTPUT_BLOCK = re.compile(r'<span class="filename">Output</span><pre>(.*?)</pre>', re.S)
FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<ticks>`{3,}|~{3,})(?P<info>[^\n]*)$")


# --- snippets -------------------------------------------------------------------------------------


def snippet_sections(path: Path) -> tuple[dict[str, tuple[int, int]], list[str]]:
    """Section name -> (first, last) line numbers of its code, and the problems with the markers.

    Rules: markers at column 0 (top level), names snake_case starting with a letter and unique,
    no nesting, every start closed, and no code outside a section (blank lines may sit between).
    """
    sections: dict[str, tuple[int, int]] = {}
    problems: list[str] = []
    current: tuple[str, int] | None = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        where = f"{path}:{number}"
        match = MARKER.match(line)
        if not match:
            if current is None and line.strip():
                problems.append(f"{where}: code outside any section is never shown on the page")
            continue
        name, kind = match["name"], match["kind"]
        if match["indent"]:
            problems.append(f"{where}: section marker must start at column 0 (top level)")
        if not SECTION_NAME.match(name):
            problems.append(
                f"{where}: section name {name!r} must be snake_case, starting with a letter"
            )
        if kind == "start":
            if current is not None:
                problems.append(f"{where}: section {name!r} starts inside section {current[0]!r}")
            if name in sections:
                problems.append(f"{where}: section {name!r} is defined twice")
            current = (name, number + 1)
        else:
            if current is None or current[0] != name:
                problems.append(f"{where}: end of section {name!r} that is not open")
            else:
                sections[name] = (current[1], number - 1)
            current = None
    if current is not None:
        problems.append(f"{path}: section {current[0]!r} is never closed")
    return sections, problems


@dataclass
class Run:
    returncode: int
    stdout: str
    stderr: str


def run_snippet(path: Path, timeout: float = 60) -> Run:
    """Run a snippet as a reader would (`python FILE`), in a fresh process, with no network."""
    env = {
        key: value for key, value in os.environ.items() if not key.startswith(("PYTEST", "COV_"))
    }
    env["PYTHONPATH"] = str(NO_NETWORK)
    env["MPLBACKEND"] = "agg"
    env.setdefault("OMP_NUM_THREADS", "1")
    try:
        done = subprocess.run(
            [sys.executable, str(path)],
            capture_output=True,
            text=True,
            env=env,
            cwd=path.parent,
            timeout=timeout,
        )
    except subprocess.TimeoutExpired as error:
        return Run(-1, str(error.stdout or ""), f"{path}: did not finish within {timeout} s")
    return Run(done.returncode, done.stdout, done.stderr)


def shown_output_lines(html: str) -> list[str]:
    """The lines of every "Output" block on a built page."""
    lines = []
    for block in OUTPUT_BLOCK.findall(html):
        text = htmllib.unescape(re.sub(r"<[^>]+>", "", block))
        lines += [line.rstrip() for line in text.splitlines() if line.strip()]
    return lines


def output_mismatch(printed: str, html: str, path: Path) -> list[str]:
    """The page shows exactly what the program prints: every printed line, and nothing else."""
    printed_lines = [line.rstrip() for line in printed.splitlines() if line.strip()]
    shown = shown_output_lines(html)
    problems = [
        f"{path}: prints {line!r}, which its page does not show"
        for line in printed_lines
        if line not in shown
    ]
    problems += [
        f"{path}: its page shows {line!r}, which the program does not print"
        for line in shown
        if line not in printed_lines
    ]
    return problems


def snippet_run_problems(
    path: Path, timeout: float = 60, page_html: str | None = None
) -> list[str]:
    """Run twice: each run must exit 0, warn about nothing, and print the same as the other.

    Given the built page, also check that the page shows exactly what the program printed.
    """
    first = run_snippet(path, timeout)
    if first.returncode != 0:
        return [f"{path}: exited with {first.returncode}\n{first.stderr}"]
    if first.stderr.strip():
        return [f"{path}: wrote to stderr (warnings are defects too)\n{first.stderr}"]
    second = run_snippet(path, timeout)
    if second.returncode != 0:
        return [f"{path}: second run exited with {second.returncode}\n{second.stderr}"]
    if first.stdout != second.stdout:
        return [
            f"{path}: two runs printed different output; seed the randomness at the top\n"
            f"--- first run\n{first.stdout}\n--- second run\n{second.stdout}"
        ]
    if page_html is not None:
        return output_mismatch(first.stdout, page_html, path)
    return []


# --- pages ----------------------------------------------------------------------------------------


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


def stray_python_fences(page: Path) -> list[str]:
    """Python code written in a page instead of included from snippets/."""
    problems = []
    for line, info, body in fences(page.read_text(encoding="utf-8")):
        if is_python(info):
            code = [text for text in body if text.strip()]
            if not code or not all(
                INCLUDE.search(text) and text.strip().startswith("--8<--") for text in code
            ):
                problems.append(
                    f"{page}:{line}: Python code must come from snippets/ (--8<-- lines only)"
                )
    return problems


def includes(page: Path) -> list[tuple[int, str, str | None, bool]]:
    """(line, snippet path, section or None, executed?) for each include in a Python fence."""
    found = []
    for line, info, body in fences(page.read_text(encoding="utf-8")):
        if is_python(info):
            for text in body:
                if match := INCLUDE.search(text):
                    found.append((line, match["path"], match["section"], 'exec="on"' in info))
    return found


def hidden_lines(page: Path, snippet: Path, snippet_root: Path) -> list[str]:
    """Code in the snippet that its page never shows (nothing may run that the reader cannot see)."""
    sections, problems = snippet_sections(snippet)
    relative = snippet.relative_to(snippet_root).as_posix()
    shown = {section for _, path, section, _ in includes(page) if path == relative}
    if None in shown:
        return problems  # the whole file is included
    for name, (first, _last) in sections.items():
        if name not in shown:
            problems.append(f"{snippet}:{first}: section {name!r} is never shown on {page}")
    return problems


def pairing(docs: Path, snippets: Path) -> list[str]:
    """Pages and snippet files pair both ways: docs/X/slug.md <-> snippets/X/slug.py.

    Every snippet has its page. A page that runs code runs its own twin, and only it. A page
    with no twin (a stage's index.md, a cheat sheet) runs no code.
    """
    problems = []
    for snippet in sorted(snippets.rglob("*.py")):
        page = docs / snippet.relative_to(snippets).with_suffix(".md")
        if not page.is_file():
            problems.append(f"{snippet}: has no page (expected {page})")
    for page in sorted(docs.rglob("*.md")):
        twin = snippets / page.relative_to(docs).with_suffix(".py")
        twin_relative = twin.relative_to(snippets).as_posix()
        executed = {path for _, path, _, run in includes(page) if run}
        if not twin.is_file() and executed:
            problems.append(f"{page}: runs code but has no snippet file (expected {twin})")
        for other in sorted(executed - {twin_relative}):
            problems.append(f"{page}: runs snippets/{other}; a page runs only its own snippet")
        if twin.is_file() and twin_relative not in executed:
            problems.append(f"{page}: never runs its snippet {twin}")
    return problems


def ruff_problems(*paths: Path) -> list[str]:
    """`ruff check` and `ruff format --check` over the given paths."""
    problems = []
    for command in (["check", "--no-cache"], ["format", "--check", "--no-cache"]):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *map(str, paths)],
            capture_output=True,
            text=True,
            cwd=HERE.parent,
        )
        if done.returncode != 0:
            problems.append(f"ruff {' '.join(command)}:\n{done.stdout}{done.stderr}")
    return problems
