"""Runs a block of a lesson in the reader's browser (Pyodide), as the build ran it: its output,
its figures, and, for an exercise, which of the solution's asserts the reader's answer fails.

docs/javascripts/run-worker.js loads this module into Pyodide, in a Web Worker, with
hooks/figure_style.py, and calls `run` for each press of Run or Check. Each run starts from a
fresh namespace, as `python FILE` does: the sections the block builds on (the lesson's code above
it, as the page shows it now) run first, silently, then the block itself, whose printed output
and figures come back. Standard library, NumPy and Matplotlib only.
"""

from __future__ import annotations

import ast
import contextlib
import io
import random
import sys
import traceback

from figure_style import FIGURE_STYLE, figure_to_svg

BLOCK = "<this block>"


def _reseed() -> None:
    """What a fresh interpreter has: new random state for `random` and NumPy's global generator."""
    random.seed()
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()


def _explain(statement: ast.Assert, source: str, namespace: dict) -> str:
    """A failed assert in plain words: the line, then what its two sides were, or its value."""
    line = ast.get_source_segment(source, statement) or ast.unparse(statement)
    test = statement.test
    try:
        if isinstance(test, ast.Compare) and len(test.ops) == 1:
            left = eval(compile(ast.Expression(test.left), BLOCK, "eval"), namespace)  # noqa: S307
            right = eval(  # noqa: S307
                compile(ast.Expression(test.comparators[0]), BLOCK, "eval"), namespace
            )
            said = f"the left side is {_short(left)}, the right side {_short(right)}"
        else:
            value = eval(compile(ast.Expression(test), BLOCK, "eval"), namespace)  # noqa: S307
            said = f"it is {_short(value)}"
    except Exception as error:  # noqa: BLE001 - the check itself could not run
        said = f"it could not be evaluated: {type(error).__name__}: {error}"
    return f"This check fails: {line}\n({said})"


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + " ..."


def _error(error: BaseException) -> str:
    """The traceback of the reader's code only (not of this runner)."""
    frames = [
        frame
        for frame in traceback.extract_tb(error.__traceback__)
        if frame.filename in (BLOCK, "<the code above>")
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "Traceback (most recent call last):\n" + "".join(lines)


def run(before: list[str], code: str, asserts: list[str] | None = None) -> dict:
    """Run `before` (silently), then `code`; and, if given, each of `asserts` after them."""
    figures: list[str] = []
    collecting = {"on": False}
    try:
        import matplotlib
    except ModuleNotFoundError:  # a lesson that draws nothing: its page did not load matplotlib
        pass
    else:
        matplotlib.use("agg")
        import matplotlib.pyplot as plt

        plt.close("all")
        plt.rcdefaults()
        plt.rcParams.update(FIGURE_STYLE)

        def show(*args, **kwargs) -> None:
            for number in plt.get_fignums():
                if collecting["on"]:
                    figures.append(figure_to_svg(plt.figure(number), f"run-{len(figures) + 1}"))
            plt.close("all")

        plt.show = show
    _reseed()
    namespace: dict = {"__name__": "__main__"}
    printed = io.StringIO()
    result: dict = {"stdout": "", "figures": figures, "error": None, "check": None}
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            for piece in before:
                exec(compile(piece, "<the code above>", "exec"), namespace)  # noqa: S102
        collecting["on"] = True
        with contextlib.redirect_stdout(printed):
            exec(compile(code, BLOCK, "exec"), namespace)  # noqa: S102
    except BaseException as error:  # noqa: BLE001 - the reader's code may raise anything
        result["error"] = _error(error)
    result["stdout"] = printed.getvalue()
    if asserts is not None and result["error"] is None:
        result["check"] = {"passed": True, "failed": None}
        for source in asserts:
            statement = ast.parse(source).body[0]
            try:
                with contextlib.redirect_stdout(io.StringIO()):
                    exec(compile(source, BLOCK, "exec"), namespace)  # noqa: S102
            except AssertionError:
                result["check"] = {
                    "passed": False,
                    "failed": _explain(statement, source, namespace),
                }
                break
            except Exception as error:  # noqa: BLE001 - a name the answer does not define, say
                said = f"{type(error).__name__}: {error}"
                result["check"] = {
                    "passed": False,
                    "failed": f"This check fails: {source}\n({said})",
                }
                break
    if "matplotlib.pyplot" in sys.modules:
        sys.modules["matplotlib.pyplot"].close("all")
    return result


def versions() -> dict[str, str]:
    """The Python and NumPy that run the reader's code."""
    import numpy

    return {"python": sys.version.split()[0], "numpy": numpy.__version__}
