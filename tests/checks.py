"""The checks the tests run, as plain functions that return problems (an empty list when all is
well). The rules themselves (sections, pages, numbers) live in hooks/ and are shared with the
build; what is here needs a finished build or a second run: a snippet run as a reader runs it,
compared with the build's own run of it.

tests/test_checks_fail.py calls each check again on broken examples, to show that it can fail.
"""

from __future__ import annotations

import functools
import html as htmllib
import os
import re
import subprocess
import sys
from pathlib import Path

import sandbox
from runs import SNIPPET_ENV

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUTPUT_BLOCK = re.compile(r'<span class="filename">Output</span><pre>(.*?)</pre>', re.S)


def reader_environment(variant: dict[str, str] | None = None) -> dict[str, str]:
    """What `python FILE` sees in the tests: the user's environment without pytest's variables,
    the build's thread setting, a random hash seed (as a reader's), a non-interactive Matplotlib
    backend (a reader's plt.show() would open a window), and the settings of `variant`, another
    machine path than the build's (hooks/variants.py), if given."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PYTEST", "COV_")) and key != "PYTHONHASHSEED"
    }
    env.update({k: v for k, v in SNIPPET_ENV.items() if k != "PYTHONHASHSEED"})
    env.update(variant or {})
    env["MPLBACKEND"] = "agg"
    return env


def run_as_reader(
    path: Path, timeout: float = 60, variant: dict[str, str] | None = None
) -> sandbox.Completed:
    """Run a snippet as a reader would (`python FILE`), in a fresh process, confined."""
    return sandbox.run(
        [sys.executable, str(path)], timeout=timeout, env=reader_environment(variant)
    )


def build_output(result: dict) -> str:
    """Everything the build's run of a snippet printed, in the file's order."""
    return "".join(section.get("stdout", "") for section in result["sections"].values())


NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")


def without_numbers(text: str) -> str:
    """The text with every number replaced by `#`: what must not change on another machine."""
    return NUMBER.sub("#", text)


DURATION = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?= ?(?:s|ms|µs|seconds?)\b)")


def without_durations(text: str) -> str:
    """The text with every duration ("0.038 s", "12 ms") replaced by `#`: a time measured by
    the code differs from one run to the next, even on one machine with one setting; every
    other number must not."""
    return DURATION.sub("#", text)


def run_problems(
    path: Path, expected: str | None, timeout: float = 60, variant: dict[str, str] | None = None
) -> list[str]:
    """One plain run of the snippet: it must exit 0 (its asserts hold), write nothing to stderr,
    and print what the build's run printed (`expected`): exactly, when it runs with the build's
    settings; the same text with other numbers allowed, under another machine's `variant` (a
    measured value may differ in its last digits, nothing else may)."""
    done = run_as_reader(path, timeout, variant)
    if done.problem:
        return [f"{path}: {done.problem}\n{done.stderr[-2000:]}"]
    if done.returncode != 0:
        return [
            f"{path}: exited with {done.returncode} under {variant or 'the build settings'}\n{done.stderr}"
        ]
    if done.stderr.strip():
        return [f"{path}: wrote to stderr (warnings are defects too)\n{done.stderr}"]
    if expected is None:
        return []
    if not variant and without_durations(done.stdout) != without_durations(expected):
        return [
            f"{path}: `python FILE` printed something else than the build's run of it; seed the "
            "randomness at the top, and print nothing that depends on the machine or the time\n"
            + _diff(expected, done.stdout)
        ]
    if variant and without_numbers(done.stdout) != without_numbers(expected):
        return [
            f"{path}: `python FILE` under {variant} printed other text than the build's run, "
            "numbers aside; print nothing that depends on the order of a set, the machine or "
            "the time\n" + _diff(expected, done.stdout)
        ]
    return []


def _diff(expected: str, actual: str) -> str:
    import difflib

    lines = difflib.unified_diff(
        expected.splitlines(), actual.splitlines(), "the build's run", "python FILE", lineterm=""
    )
    return "\n".join(list(lines)[:40])


def shown_output_blocks(html: str) -> list[str]:
    """The text of every "Output" block on a built page, in order."""
    return [htmllib.unescape(re.sub(r"<[^>]+>", "", block)) for block in OUTPUT_BLOCK.findall(html)]


def shown_output_lines(html: str) -> list[str]:
    """The lines of every "Output" block on a built page."""
    return [
        line.rstrip()
        for block in shown_output_blocks(html)
        for line in block.splitlines()
        if line.strip()
    ]


def ruff_problems(*paths: Path) -> list[str]:
    """`ruff check` and `ruff format --check` over the given paths."""
    problems = []
    for command, fix in (
        (
            ["check", "--no-cache"],
            "make format (it runs `ruff check --fix`; fix by hand what remains)",
        ),
        (["format", "--check", "--no-cache"], "make format"),
    ):
        done = subprocess.run(
            [sys.executable, "-m", "ruff", *command, *map(str, paths)],
            capture_output=True,
            text=True,
            cwd=ROOT,
        )
        if done.returncode != 0:
            problems.append(
                f"ruff {' '.join(command[:-1])}:\n{done.stdout}{done.stderr}Fix it with: {fix}"
            )
    return problems


def expected_output_blocks(markdown: str, results: dict) -> list[str]:
    """What each executed block of a page must show: the build's output of its sections. Read
    with a scanner of its own (not the build's pattern): any fence of three or more backticks
    or tildes whose info string is python with exec="on"."""
    blocks, fence, printed = [], None, ""
    for line in markdown.splitlines():
        stripped = line.strip()
        if fence is None:
            opening = re.match(r"(`{3,}|~{3,})\s*python\b(.*)$", stripped)
            if opening and 'exec="on"' in opening[2]:
                fence, printed = opening[1], ""
            continue
        if stripped.startswith(fence[0] * len(fence)) and not stripped.strip(fence[0]):
            if printed.rstrip():
                blocks.append(printed.rstrip())
            fence = None
            continue
        include = re.match(r'--8<-- "([^":]+\.py)(?::([^"]+))?"$', stripped)
        if include:
            sections = results[include[1]]["sections"]
            for name in [include[2]] if include[2] else list(sections):
                printed += sections.get(name, {}).get("stdout", "")
    return blocks


def page_output_problems(markdown: str, html: str, results: dict, where: str) -> list[str]:
    """A built page shows, block by block and as text, exactly what the build's run printed."""
    expected = expected_output_blocks(markdown, results)
    shown = shown_output_blocks(html)
    if not expected:
        return [f"{where}: runs code but shows no output at all"]
    if shown != expected:
        return [
            f"{where}: its output blocks are not what the code printed\n"
            + _diff("\n---\n".join(expected), "\n---\n".join(shown))
        ]
    return []


def kernel_environment() -> dict[str, str]:
    """The notebook kernels' environment: the build's settings exactly (its thread count and
    hash seed, this CPU's kernels), so that each cell prints what the build's run printed."""
    return {**reader_environment(), "PYTHONHASHSEED": SNIPPET_ENV["PYTHONHASHSEED"]}


_servers: dict[tuple, str] = {}


@functools.cache
def snippet_modules() -> tuple[str, ...]:
    """Every module a snippet imports (read once: parsing all 49 files for each notebook cost
    half a second a notebook)."""
    from run_snippet import imported_modules

    found = set()
    for path in (ROOT / "snippets").rglob("*.py"):
        found |= imported_modules(path.read_text(encoding="utf-8"))
    return tuple(sorted(found))


def kernel_server(modules: tuple[str, ...] | None = None) -> str:
    """The socket of this process's kernel fork server (tests/kernel_server.py) that preloads
    `modules` (by default every module a snippet imports), started on first use and stopped when
    the process exits."""
    import atexit
    import tempfile

    if modules is None:
        modules = snippet_modules()
    if modules in _servers:
        return _servers[modules]
    folder = Path(tempfile.mkdtemp(prefix="kernels-"))
    path = str(folder / "server.sock")
    process = subprocess.Popen(
        [
            sys.executable,
            str(HERE / "kernel_server.py"),
            "--serve",
            path,
            "--preload",
            ",".join(modules),
        ],
        stdout=subprocess.PIPE,
        env=kernel_environment(),
        cwd=folder,
        text=True,
        start_new_session=True,
    )
    if process.stdout.readline().strip() != "ready":
        raise RuntimeError("the kernel fork server did not start")

    def stop() -> None:
        sandbox.kill_group(process.pid)
        process.wait()
        sandbox.remove_tree(folder)

    atexit.register(stop)
    _servers[modules] = path
    return path


def confined_kernel(workdir: Path, fresh: bool = False, preload: tuple[str, ...] | None = None):
    """A Jupyter kernel manager whose kernel is forked by the kernel server (or, `fresh`, started
    as a new interpreter through the sandbox's launcher, as a reader's kernel starts), confined
    like every snippet (hooks/sandbox.py), talking to the client over IPC sockets in `workdir`
    (files, which work across network namespaces), with the build's settings
    (`kernel_environment`). A notebook that starts processes of its own needs a fresh kernel:
    forking from a kernel that was itself forked from the server hung 2 times in 12 (measured
    on the two-processes lesson), which a reader's kernel never is."""
    import json

    from jupyter_client import KernelManager
    from jupyter_client.kernelspec import KernelSpecManager

    specs = workdir / "kernels"
    spec = specs / "roadmap-confined"
    spec.mkdir(parents=True, exist_ok=True)
    if fresh:
        launcher = [sys.executable, str(Path(sandbox.__file__).resolve()), "--"]
        launcher += [sys.executable, "-m", "ipykernel_launcher"]
    else:
        server = kernel_server(preload)
        launcher = [sys.executable, str(HERE / "kernel_server.py"), "--connect", server]
    (spec / "kernel.json").write_text(
        json.dumps(
            {
                "argv": [*launcher, "-f", "{connection_file}"],
                "display_name": "Python 3 (confined)",
                "language": "python",
            }
        )
    )
    manager = KernelManager(
        kernel_name="roadmap-confined",
        kernel_spec_manager=KernelSpecManager(kernel_dirs=[str(specs)]),
        transport="ipc",
        ip=str(workdir / "ipc"),
    )
    manager.kernel_env = kernel_environment()
    return manager


def cell_output_problems(notebook, results: dict, name: str) -> list[str]:
    """Each code cell printed exactly what the build's run printed for its section, and wrote
    nothing to stderr."""
    problems = []
    sections = results["sections"]
    for number, cell in enumerate(notebook.cells):
        if cell.cell_type != "code":
            continue
        section = cell.metadata.get("section")
        streams = [o for o in cell.get("outputs", []) if o.get("output_type") == "stream"]
        stderr = "".join(o["text"] for o in streams if o["name"] == "stderr")
        stdout = "".join(o["text"] for o in streams if o["name"] == "stdout")
        if stderr.strip():
            problems.append(f"{name}: cell {number} ('{section}') wrote to stderr:\n{stderr}")
        expected = sections.get(section, {}).get("stdout", "")
        if without_durations(stdout) != without_durations(expected):
            problems.append(
                f"{name}: cell {number} ('{section}') printed something else than the build's "
                f"run of that section\n" + _diff(expected, stdout)
            )
    return problems
