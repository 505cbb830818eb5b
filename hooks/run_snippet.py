"""Run snippet files as a reader would, and record what each section prints and shows.

    python hooks/run_snippet.py FILE RESULT.json     # one file (confine it with hooks/sandbox.py)
    python hooks/run_snippet.py --serve --jobs N     # the build's fork server (below)

A file runs top to bottom in one fresh `__main__` namespace, exactly as `python FILE` runs it.
The only difference is bookkeeping: the code is executed one section at a time (hooks/sections.py
cuts it), so that what it prints and the figures it shows (`plt.show()`) can be put under that
section's code on the page. Output is captured at the level of file descriptor 1, so what child
processes and compiled code print lands in its section too. Each piece is compiled with the
file's real name and line numbers: a traceback points at the snippet file itself. On an
exception the traceback goes to stderr and the exit status is 1.

**The fork server.** Importing PyTorch, Matplotlib and scikit-learn takes about 3 s, which would
dominate a build that runs every snippet in its own interpreter. With `--serve`, this program
imports the libraries the snippets use once, then forks one child per snippet: each child is a
fresh copy of that process (new `__main__`, new working folder, re-seeded `random` and NumPy
global state), confined by hooks/sandbox.py exactly as the launcher confines a command (own
namespaces, own process group, a file size cap, a time limit). It reads one JSON request per
line on stdin ({"id", "path", "dir", "timeout"}) and answers one JSON line per finished snippet
({"id", "returncode", "timed_out", "seconds"}); the child writes `result.json`, `stdout` and
`stderr` into the request's "dir". The tests still run every file as `python FILE` in a fresh
interpreter and compare its output with the build's: a difference fails.
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import functools
import importlib
import json
import operator
import os
import select
import signal
import sys
import tempfile
import time
import traceback
import types
from pathlib import Path

import sandbox
from figure_style import FIGURE_STYLE, figure_to_svg
from sections import parse

FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)
)


class _Capture:
    """Everything written to file descriptor 1 while a section runs (its print()s, and what its
    child processes and compiled code write)."""

    def __enter__(self):
        sys.stdout.flush()
        self.file = tempfile.TemporaryFile()
        self.saved = os.dup(1)
        os.dup2(self.file.fileno(), 1)
        return self

    def __exit__(self, *exc):
        sys.stdout.flush()
        os.dup2(self.saved, 1)
        os.close(self.saved)
        self.file.seek(0)
        self.text = self.file.read().decode("utf-8", "replace")
        self.file.close()
        return False


def run(path: Path, root: Path | None = None) -> dict:
    outputs: dict[str, dict] = {}
    current = {"name": None}
    shown: list[str] = []
    source = path.read_text(encoding="utf-8")

    if "matplotlib" in source:
        import matplotlib

        matplotlib.use("agg")
        import matplotlib.pyplot as plt

        plt.rcParams.update(FIGURE_STYLE)

        def show(*args, **kwargs):
            for number in plt.get_fignums():
                salt = f"{path.stem}-{len(shown) + 1}"
                shown.append(figure_to_svg(plt.figure(number), salt))
                outputs.setdefault(current["name"] or "", {}).setdefault("figures", []).append(
                    shown[-1]
                )
            plt.close("all")

        plt.show = show

    module = types.ModuleType("__main__")
    module.__file__ = str(path)
    module.__builtins__ = __builtins__
    sys.modules["__main__"] = module
    sys.argv = [str(path)]
    sys.path[0] = str(path.parent)

    opened: set[str] = set()

    def audit(event: str, args: tuple) -> None:
        if event == "open" and isinstance(args[0], str | bytes | os.PathLike):
            opened.add(os.path.abspath(os.fsdecode(args[0])))

    sys.addaudithook(audit)  # which files the snippet reads: the build's cache follows them
    started = time.perf_counter()
    future_flags = 0  # a `from __future__ import` in one piece applies to the pieces after it
    pieces, _ = parse(source, str(path))
    for piece in pieces:
        if piece.kind != "code":
            continue
        current["name"] = piece.name
        code = compile(
            "\n" * (piece.first_line - 1) + piece.source,
            str(path),
            "exec",
            flags=future_flags,
            dont_inherit=True,
        )
        future_flags |= code.co_flags & FUTURE_FLAGS
        with _Capture() as captured:
            exec(code, module.__dict__)  # noqa: S102 - running the reader's file is the point
        entry = outputs.setdefault(piece.name or "", {})
        entry["stdout"] = entry.get("stdout", "") + captured.text
    seconds = round(time.perf_counter() - started, 3)
    return {
        "seconds": seconds,
        "sections": outputs,
        "versions": versions(path),
        "opened": data_files(opened, path, root or Path(__file__).resolve().parent.parent),
    }


def data_files(opened: set[str], path: Path, root: Path) -> list[str]:
    """The files of the repository (outside its virtual environment and tools) that the snippet
    opened: data it reads, whose content must be part of its cache key."""
    root = root.resolve()
    found = set()
    for name in opened:
        file = Path(name)
        try:
            relative = file.resolve().relative_to(root)
        except ValueError:
            continue
        if (
            relative.parts[0] in {".venv", ".git", "hooks", ".cache"}
            or file.resolve() == path.resolve()
        ):
            continue
        if file.is_file():
            found.add(relative.as_posix())
    return sorted(found)


def versions(path: Path) -> dict[str, str]:
    """The Python version, and the version of each library the snippet imports itself."""
    found = {"Python": sys.version.split()[0]}
    imported = imports(path.read_text(encoding="utf-8"))
    for module, label in (
        ("numpy", "NumPy"),
        ("torch", "PyTorch"),
        ("matplotlib", "Matplotlib"),
        ("sklearn", "scikit-learn"),
    ):
        if module in imported and module in sys.modules:
            found[label] = sys.modules[module].__version__.split("+")[0]
    return found


def imports(source: str) -> set[str]:
    """The top-level packages a file imports."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module.split(".")[0])
    return found


def imported_modules(source: str) -> set[str]:
    """Every module a file imports, by its full name ("torch.nn.functional", "sklearn.datasets")."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.add(node.module)
    return found


def run_to_file(path: Path, result_file: Path, root: Path | None = None) -> int:
    """Run one file; write its result as JSON. The exit status: 0, or 1 after a traceback."""
    try:
        result = run(path, root)
    except BaseException as error:  # noqa: BLE001 - report anything the snippet raises
        if isinstance(error, SystemExit) and not error.code:
            result = {"seconds": 0.0, "sections": {}, "versions": versions(path)}
        else:
            tb = error.__traceback__
            while tb.tb_next and tb.tb_frame.f_code.co_filename == __file__:
                tb = tb.tb_next  # start the traceback at the snippet's own frames
            sys.stderr.write("".join(traceback.format_exception(type(error), error, tb)))
            sys.stderr.flush()
            return 1
    result_file.write_text(json.dumps(result), encoding="utf-8")
    return 0


# --- the fork server -------------------------------------------------------------------------------


def preload(modules: list[str]) -> None:
    """Import what the snippets will import, so that each forked child finds it loaded."""
    os.environ.pop("MPLBACKEND", None)
    for name in modules:
        try:
            if name.split(".")[0] == "matplotlib":
                import matplotlib

                matplotlib.use("agg")
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the snippet itself will report a failing import
            continue
    if "torch" in sys.modules:
        with contextlib.suppress(Exception):
            importlib.import_module("torch._dynamo")  # what the first optimizer would import


def _reseed() -> None:
    """What a fresh interpreter would do: new random state for `random` and NumPy's global."""
    import random

    random.seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()


def _child(request: dict) -> None:
    """In the forked child: confine, then run the snippet as PID 1 of its namespaces."""
    os.setsid()
    work = Path(request["dir"])
    sandbox.limit_files()
    try:
        confined = sandbox.confine()
    except (RuntimeError, OSError) as error:  # namespaces required and refused, or broken
        (work / "stderr").write_text(f"{error}\n")
        os._exit(125)
    if not confined:
        exec(  # noqa: S102 - the socket shim, as `python FILE` would load it from PYTHONPATH
            compile((sandbox.SHIM / "sitecustomize.py").read_text(), "sitecustomize.py", "exec"),
            {"__name__": "sitecustomize"},
        )

    def target() -> int:
        os.chdir(work / "work")
        null = os.open(os.devnull, os.O_RDONLY)
        os.dup2(null, 0)
        for fd, name in ((1, "stdout"), (2, "stderr")):
            out = os.open(work / name, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            os.dup2(out, fd)
            os.close(out)
        _reseed()
        root = Path(request["root"]) if request.get("root") else None
        code = run_to_file(Path(request["path"]), work / "result.json", root)
        sys.stdout.flush()
        sys.stderr.flush()
        return code

    code = sandbox.run_as_pid_one(target) if confined else target()
    os._exit(code)


def serve(jobs: int) -> int:
    """Answer run requests from stdin, `jobs` at a time, until stdin closes and all are done."""
    pending: list[dict] = []
    running: dict[int, tuple[dict, float, float]] = {}  # pid -> (request, started, deadline)
    timed_out: set[int] = set()
    stdin_open = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the build stops us by closing stdin or killing
    while stdin_open or pending or running:
        if stdin_open:
            ready, _, _ = select.select([sys.stdin], [], [], 0.02)
            if ready:
                line = sys.stdin.readline()
                if line:
                    pending.append(json.loads(line))
                else:
                    stdin_open = False
        else:
            time.sleep(0.02)
        while pending and len(running) < jobs:
            request = pending.pop(0)
            (Path(request["dir"]) / "work").mkdir(parents=True, exist_ok=True)
            sys.stdout.flush()
            sys.stderr.flush()
            pid = os.fork()
            if pid == 0:
                try:
                    _child(request)
                finally:
                    os._exit(70)
            started = time.perf_counter()
            running[pid] = (request, started, started + float(request["timeout"]))
        now = time.perf_counter()
        for pid, (request, started, deadline) in list(running.items()):
            finished, status = os.waitpid(pid, os.WNOHANG)
            if finished:
                sandbox.kill_group(pid)  # what the snippet started and left behind, in its group
                del running[pid]
                code = os.waitstatus_to_exitcode(status)
                answer = {
                    "id": request["id"],
                    "returncode": 128 - code if code < 0 else code,
                    "timed_out": pid in timed_out,
                    "seconds": round(now - started, 3),
                }
                sys.stdout.write(json.dumps(answer) + "\n")
                sys.stdout.flush()
            elif now > deadline and pid not in timed_out:
                timed_out.add(pid)
                sandbox.kill_group(pid)
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        jobs = int(argv[argv.index("--jobs") + 1]) if "--jobs" in argv else 2
        modules = argv[argv.index("--preload") + 1].split(",") if "--preload" in argv else []
        preload([m for m in modules if m])
        sys.stdout.write(json.dumps({"ready": True}) + "\n")
        sys.stdout.flush()
        return serve(jobs)
    return run_to_file(Path(argv[0]), Path(argv[1]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
