"""Every lesson's notebook, as the built site offers it (hooks/notebooks.py): it is its snippet
file cut into cells under the page's headings, the page links it with "Open in Colab", and it
runs top to bottom in a Jupyter kernel (the python3 kernel of this environment's ipykernel)."""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat
import pytest
from checks import cell_output_problems, confined_kernel
from conftest import DOCS, ROOT, SNIPPETS, find_lessons
from live_target import confinement_problems, probe
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError, CellTimeoutError
from run_snippet import imports

LESSONS = find_lessons()
MARKER = re.compile(r"^# --8<-- \[(?P<kind>start|end):(?P<name>[A-Za-z][A-Za-z0-9_]*)\]\s*$")
CELL_TIMEOUT = 60  # seconds; a snippet takes a few


def starts_processes(notebook: nbformat.NotebookNode) -> bool:
    """Whether the notebook's code starts processes of its own (see `confined_kernel`)."""
    code = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    return "multiprocessing" in imports(code)


def run_notebook(notebook: nbformat.NotebookNode, name: str, workdir) -> None:
    """Execute every cell in a fresh kernel; fail naming the notebook, the cell and its section."""
    manager = confined_kernel(Path(workdir), fresh=starts_processes(notebook))
    client = NotebookClient(
        notebook,
        km=manager,
        timeout=CELL_TIMEOUT,
        resources={"metadata": {"path": str(workdir)}},
    )
    try:
        client.execute(env=manager.kernel_env)
    except (CellExecutionError, CellTimeoutError) as error:
        failed = error
    else:
        failed = None
    finally:
        if manager.has_kernel:  # nbclient leaves a kernel it did not create running
            manager.shutdown_kernel(now=True)
    if failed is not None:
        error = failed
        number, cell = next(
            (
                (i, c)
                for i, c in enumerate(notebook.cells)
                if c.cell_type == "code"
                and (
                    any(o.get("output_type") == "error" for o in c.get("outputs", []))
                    or c.get("execution_count") is None
                )
            ),
            (None, None),
        )
        section = cell.metadata.get("section") if cell is not None else None
        what = "timed out" if isinstance(error, CellTimeoutError) else "failed"
        pytest.fail(f"{name}: cell {number} (section '{section}') {what}:\n{error}", pytrace=False)


def code_lines(text: str, marker: str) -> list[str]:
    """The non-blank lines of `text` that are not marker lines (an oracle that shares no code
    with the build: what every notebook's code cells together must hold)."""
    return [line for line in text.splitlines() if line.strip() and not line.startswith(marker)]


def read_notebook(built_site, lesson: str) -> nbformat.NotebookNode:
    path = built_site / "notebooks" / f"{lesson}.ipynb"
    assert path.is_file(), f"the site has no notebook for {lesson}: {path}"
    notebook = nbformat.read(path, as_version=4)
    nbformat.validate(notebook)
    return notebook


@pytest.mark.parametrize("lesson", LESSONS)
def test_notebook_runs_and_prints_what_the_build_printed(
    built_site, build_results, lesson, tmp_path
):
    """Top to bottom in a fresh, confined Jupyter kernel: each cell prints exactly what the
    build's run of its section printed (the third run of the same code, in a third kind of
    process), and nothing on stderr."""
    notebook = read_notebook(built_site, lesson)
    name = f"notebooks/{lesson}.ipynb"
    run_notebook(notebook, name, tmp_path)
    problems = cell_output_problems(notebook, build_results[f"{lesson}.py"], name)
    assert not problems, "\n".join(problems)


KERNEL_PATH = """
import pathlib, sys, tempfile
sys.path[:0] = [{tests!r}, {hooks!r}]
import checks, nbformat
from nbclient import NotebookClient
work = pathlib.Path(tempfile.mkdtemp(prefix="notebook-"))
manager = checks.confined_kernel(work, fresh={fresh!r}, preload=())
notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell({code!r})])
try:
    NotebookClient(notebook, km=manager, timeout=30, resources={{"metadata": {{"path": str(work)}}}}).execute(
        env=manager.kernel_env
    )
finally:
    if manager.has_kernel:
        manager.shutdown_kernel(now=True)
print("".join(output.get("text", "") for output in notebook.cells[0].outputs))
print("workdir", work)
"""


@pytest.mark.parametrize("isolation", ["namespaces", "shim"])
@pytest.mark.parametrize("kernel", ["forked", "fresh"])
def test_the_notebook_kernel_cannot_reach_a_live_target(live_target, kernel, isolation):
    """A notebook's kernel, forked by the kernel server or started fresh, is confined like every
    snippet: the live target that an unconfined process reaches stays out of its reach, and it
    runs in the throwaway folder its notebook was given, not in the repository."""
    code = probe(live_target.port) + "print('cwd', os.getcwd())\n"
    driver = KERNEL_PATH.format(
        tests=str(ROOT / "tests"), hooks=str(ROOT / "hooks"), fresh=kernel == "fresh", code=code
    )
    env = {**os.environ, **({"ROADMAP_ISOLATION": "shim"} if isolation == "shim" else {})}
    done = live_target.run([sys.executable, "-c", driver], env=env, timeout=120)
    problems = confinement_problems(done.stdout, isolation, f"{kernel} kernel")
    assert not problems, "\n".join(problems) + done.stderr[-3000:]
    cwd = re.search(r"^cwd (.+)$", done.stdout, re.M)[1]
    workdir = re.search(r"^workdir (.+)$", done.stdout, re.M)[1]
    assert cwd == workdir and not Path(cwd).is_relative_to(ROOT), (cwd, workdir)


@pytest.mark.parametrize("lesson", find_lessons(projects=False))
def test_notebook_is_the_snippet_under_the_pages_headings(built_site, lesson):
    notebook = read_notebook(built_site, lesson)
    cells = [cell for cell in notebook.cells if cell.cell_type == "code"]
    source = (SNIPPETS / f"{lesson}.py").read_text()
    joined = "\n".join(cell.source for cell in cells)
    assert code_lines(joined, "# --8<-- [") == code_lines(source, "# --8<-- ["), (
        "the code cells together are not the snippet file, line for line"
    )
    names = re.findall(r"^# --8<-- \[start:(\w+)\]", source, re.M)
    assert [cell.metadata.get("section") for cell in cells] == names, "one cell per section"

    page = (DOCS / f"{lesson}.md").read_text()
    title = re.search(r"^# (.+)$", page, re.M)[1]
    first = notebook.cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {title}\n")
    assert f"]({site_address()}{lesson}/)" in first.source, "the first cell links back to the page"
    page_headings = set(re.findall(r"^#{2,3} (.+?)\s*$", page, re.M))
    for cell in notebook.cells[1:]:
        if cell.cell_type == "markdown":
            assert cell.source.removeprefix("## ") in page_headings, cell.source


@pytest.mark.parametrize("project", sorted(set(LESSONS) - set(find_lessons(projects=False))))
def test_a_projects_notebook_is_its_own_cells(built_site, project):
    """A project page's notebook holds the snippet's markdown and code cells, in order: its code
    cells together are the file's code, line for line; its prose has every value filled in."""
    notebook = read_notebook(built_site, project)
    source = (SNIPPETS / f"{project}.py").read_text()
    code, kinds, kind = [], [], None
    for line in source.splitlines():
        if line.startswith("# %%"):
            kind = "markdown" if line.startswith("# %% [markdown]") else "code"
            kinds.append([kind, ""])
        elif kind is not None:
            kinds[-1][1] += line
            if kind == "code":
                code.append(line)
    expected_kinds = [k for k, text in kinds if k == "markdown" or text.strip()]
    assert [cell.cell_type for cell in notebook.cells] == expected_kinds
    joined = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "code")
    assert code_lines(joined, "# %%") == code_lines("\n".join(code), "# %%")
    prose = "\n".join(cell.source for cell in notebook.cells if cell.cell_type == "markdown")
    assert "{glue" not in prose, "a value the page fills in is left as its label"


def site_address() -> str:
    return re.search(r"^site_url:\s*(\S+?)/?$", (ROOT / "mkdocs.yml").read_text(), re.M)[1] + "/"


def test_lesson_pages_offer_the_notebook_and_open_in_colab(built_site):
    repository = re.search(
        r"^\s+repository:\s*https://github\.com/(\S+?)/?(\s|$)",
        (ROOT / "mkdocs.yml").read_text(),
        re.M,
    )
    assert repository, "mkdocs.yml needs extra: repository: https://github.com/OWNER/REPO"
    for lesson in LESSONS:
        html = (built_site / lesson / "index.html").read_text()
        depth = "../" * (lesson.count("/") + 1)
        assert f'<a download href="{depth}notebooks/{lesson}.ipynb">' in html, lesson
        colab = f"https://colab.research.google.com/github/{repository[1]}/blob/notebooks/notebooks/{lesson}.ipynb"
        assert f'href="{colab}"' in html, f"{lesson}: no Open in Colab link to {colab}"


def test_a_failing_cell_is_reported_with_its_notebook_and_section(tmp_path):
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_code_cell("x = 1", id="setup"),
            nbformat.v4.new_code_cell("assert x == 2, 'x is not 2'", id="boom"),
        ]
    )
    notebook.cells[1].metadata["section"] = "boom"
    with pytest.raises(
        pytest.fail.Exception,
        match=r"broken\.ipynb: cell 1 \(section 'boom'\) failed:(.|\n)*x is not 2",
    ):
        run_notebook(notebook, "broken.ipynb", tmp_path)
