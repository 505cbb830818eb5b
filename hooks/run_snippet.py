"""Run one snippet file as a reader would, and record what each named section prints and shows.

    python hooks/run_snippet.py snippets/01-linear-algebra/vectors.py result.json

The file runs top to bottom in one fresh `__main__` namespace, exactly as `python FILE` runs it.
The only difference is bookkeeping: the code is executed one section at a time, so that what it
prints (stdout) and the figures it shows (`plt.show()`) can be put under that section's code on the
page. Each piece is compiled with the file's real name and line numbers, so a traceback points at
the snippet file itself. On an exception the traceback goes to stderr and the exit status is 1.
"""

from __future__ import annotations
import __future__

import ast
import contextlib
import functools
import io
import json
import operator
import re
import sys
import time
import traceback
import types
from pathlib import Path

# The section markers pymdownx.snippets understands: `# --8<-- [start:name]` ... `# --8<-- [end:name]`.
MARKER = re.compile(r"^# --8<-- \[(?P<kind>start|end):(?P<name>[A-Za-z][A-Za-z0-9_]*)\]\s*$")

FUTURE_FLAGS = functools.reduce(
    operator.or_, (getattr(__future__, name).compiler_flag for name in __future__.all_feature_names)
)

# How a figure looks on the page: transparent, text and axes in a placeholder colour that the
# page turns into `currentColor`, so one inline SVG reads well in both light and dark mode.
INK = "#010203"
FIGURE_STYLE = {
    "figure.facecolor": "none",
    "axes.facecolor": "none",
    "savefig.facecolor": "none",
    "savefig.transparent": True,
    "legend.facecolor": "none",
    "legend.edgecolor": INK,
    "text.color": INK,
    "axes.labelcolor": INK,
    "axes.edgecolor": INK,
    "axes.titlecolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "grid.color": "#888888",
    "svg.fonttype": "none",
    "font.size": 11,
}


def split_sections(lines: list[str]) -> list[tuple[str | None, int, str]]:
    """Cut the file into consecutive pieces: (section name or None, first line number, source)."""
    pieces: list[tuple[str | None, int, str]] = []
    current: str | None = None
    start, buf = 1, []
    for number, line in enumerate(lines, 1):
        match = MARKER.match(line)
        if not match:
            buf.append(line)
            continue
        if buf:
            pieces.append((current, start, "".join(buf)))
        buf, start = [], number + 1
        current = match["name"] if match["kind"] == "start" else None
    if buf:
        pieces.append((current, start, "".join(buf)))
    return pieces


def figure_to_svg(fig, salt: str) -> str:
    """One figure as inline SVG whose ink follows the page's text colour."""
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    with plt.rc_context({"svg.hashsalt": salt, "svg.id": salt}):
        fig.savefig(buf, format="svg", bbox_inches="tight")
    svg = buf.getvalue()
    svg = svg[svg.index("<svg") :]  # drop the XML prolog and doctype
    svg = re.sub(r"<metadata>.*?</metadata>", "", svg, flags=re.S)
    for ink in (INK, "#000000"):
        svg = svg.replace(ink, "currentColor")
    return svg


def run(path: Path) -> dict:
    outputs: dict[str, dict] = {}
    current = {"name": None}
    shown: list[str] = []

    if "matplotlib" in path.read_text(encoding="utf-8"):
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

    started = time.perf_counter()
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    future_flags = 0  # a `from __future__ import` in one piece applies to the pieces after it
    for name, first_line, source in split_sections(lines):
        current["name"] = name
        code = compile(
            "\n" * (first_line - 1) + source,
            str(path),
            "exec",
            flags=future_flags,
            dont_inherit=True,
        )
        future_flags |= code.co_flags & FUTURE_FLAGS
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            exec(code, module.__dict__)  # noqa: S102 - running the reader's file is the point
        entry = outputs.setdefault(name or "", {})
        entry["stdout"] = entry.get("stdout", "") + stdout.getvalue()
    seconds = round(time.perf_counter() - started, 3)
    return {"seconds": seconds, "sections": outputs, "versions": versions(path)}


def versions(path: Path) -> dict[str, str]:
    """The Python version, and the version of each library the snippet imports itself."""
    imported = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            imported.add(node.module.split(".")[0])
    found = {"Python": sys.version.split()[0]}
    for module, label in (
        ("numpy", "NumPy"),
        ("torch", "PyTorch"),
        ("matplotlib", "Matplotlib"),
        ("sklearn", "scikit-learn"),
    ):
        if module in imported and module in sys.modules:
            found[label] = sys.modules[module].__version__.split("+")[0]
    return found


def main() -> int:
    path, result_file = Path(sys.argv[1]), Path(sys.argv[2])
    try:
        result = run(path)
    except BaseException as error:  # noqa: BLE001 - report anything the snippet raises
        if isinstance(error, SystemExit) and not error.code:
            result = {"seconds": 0.0, "sections": {}, "versions": versions(path)}
        else:
            tb = error.__traceback__
            while tb.tb_next and tb.tb_frame.f_code.co_filename == __file__:
                tb = tb.tb_next  # start the traceback at the snippet's own frames
            sys.stderr.write("".join(traceback.format_exception(type(error), error, tb)))
            return 1
    result_file.write_text(json.dumps(result), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
