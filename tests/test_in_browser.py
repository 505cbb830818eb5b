"""The NumPy lessons run in the reader's browser (hooks/in_browser.py, docs/javascripts/run.js):
every block's Run prints what the build printed, the code can be edited, run again and reset, an
endless loop can be stopped, every exercise with a checked solution says right or wrong, nothing
loads before the first Run and nothing from another host, and the files served are the ones the
official lock names (hooks/pyodide_files.py)."""

from __future__ import annotations

import json
import re
import shutil
import sys

import pytest
from conftest import SNIPPETS, find_lessons
from in_browser import exercise, runs_in_browser
from playwright.sync_api import expect
from test_browser import COLOUR_RULES, Watch, axe_violations, toggle_palette

IN_BROWSER = [
    lesson
    for lesson in find_lessons(projects=False)
    if runs_in_browser((SNIPPETS / f"{lesson}.py").read_text())
]
IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+(\w+)|import[ \t]+([\w., \t]+))", re.M)
LOAD_TIMEOUT = 90_000  # ms: Pyodide and its packages, the first time, on a busy machine
# ms: the page's own limit (30 s) is for a reader; a busy test machine needs more
RUN_LIMIT = 60_000


@pytest.fixture
def page(new_context):
    """A page whose runs may take longer than a reader's before they are stopped."""
    context = new_context()
    context.add_init_script(f"window.roadmapRunLimitMs = {RUN_LIMIT};")
    return context.new_page()


def test_the_numpy_lessons_are_the_ones_that_run_in_the_browser():
    """A lesson runs in the browser exactly when its code imports nothing but the standard
    library, NumPy and Matplotlib (read here by a regex of the test's own, not the hook's)."""
    allowed = set(sys.stdlib_module_names) | {"numpy", "matplotlib"}
    expected = []
    for lesson in find_lessons(projects=False):
        source = (SNIPPETS / f"{lesson}.py").read_text()
        modules = set()
        for found_from, found_import in IMPORT.findall(source):
            names = [found_from] if found_from else found_import.split(",")
            modules |= {name.split()[0].split(".")[0] for name in names if name.strip()}
        if modules <= allowed:
            expected.append(lesson)
    assert "01-linear-algebra/vectors" in expected and "04-pytorch/autograd" not in expected
    assert sorted(IN_BROWSER) == sorted(expected)


def finish(page, status) -> str:
    """Wait until a run's status is final, and return it."""
    page.wait_for_function(
        "s => s.textContent && !/^(Loading|Running)/.test(s.textContent)",
        arg=status.element_handle(),
        timeout=LOAD_TIMEOUT,
    )
    return status.inner_text()


def open_all_solutions(page) -> None:
    page.evaluate("document.querySelectorAll('article details').forEach(d => d.open = true)")


@pytest.mark.parametrize("lesson", IN_BROWSER)
def test_every_block_and_checked_exercise_runs_in_the_browser(page, site_url, lesson):
    """Run on every block, in the page's order: each prints exactly the output the build
    printed and draws as many figures, in a browser with Pyodide's Python and NumPy, the
    versions the page states; before the first Run, nothing of Pyodide was loaded. Then every
    exercise whose solution asserts something: an answer that leaves the checked names
    undefined is told which check fails, the solution's own code is right. No console error,
    no request to another host. (One page, one load of Python, for both.)"""
    watch = Watch(page)
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(f"{site_url}/{lesson}/", wait_until="load")
    page.wait_for_load_state("networkidle")
    assert not [u for u in requested if "/pyodide/" in u or "/run/" in u], "loaded before Run"
    open_all_solutions(page)
    anchors = page.locator(".run-anchor")
    assert anchors.count() > 0, "no block with a Run button"
    for number in range(anchors.count()):
        anchor = anchors.nth(number)
        code = anchor.locator("xpath=following-sibling::*[1]")
        build = code.evaluate(BUILD_OUTPUT)
        bar = code.locator("xpath=following-sibling::*[1]")
        bar.get_by_role("button", name="Run").click()
        status = finish(page, bar.locator(".run-status"))
        assert status == "Ran in your browser.", f"{lesson}, block {number}: {status}"
        ran = bar.evaluate(RUN_OUTPUT)
        assert ran == build, f"{lesson}, block {number}: the browser's run differs from the build's"
    page_text = page.locator("article").inner_text()
    python, numpy = (
        page.evaluate(f"document.documentElement.dataset.{key}")
        for key in ("runPython", "runNumpy")
    )
    assert f"Python {python} and NumPy {numpy}" in page_text, (python, numpy)

    panels = page.locator(".run-exercise")
    exercises = page.locator(".run-anchor[data-run-exercise]")
    assert panels.count() == exercises.count(), "an exercise with asserts has no answer box"
    for number in range(panels.count()):
        name = exercises.nth(number).get_attribute("data-run-exercise")
        panel = panels.nth(number)
        answer, asserts = solution_and_asserts(lesson, name)
        box = panel.get_by_role("textbox")
        verdict = panel.locator(".run-verdict")
        box.fill("x = 1\n")  # defines none of the checked names
        panel.get_by_role("button", name="Check").click()
        said = finish(page, verdict)
        assert said.startswith("Not yet. This check fails: ") and asserts[0] in said, said
        box.fill(answer)
        panel.get_by_role("button", name="Check").click()
        said = finish(page, verdict)
        assert said == "✓ Right: every check of the solution passes.", f"{lesson} {name}: {said}"
        expect(panel).to_have_class(re.compile(r"\brun-right\b"))
    assert not watch.problems, "\n".join(watch.problems)


BUILD_OUTPUT = """code => { const out = []; let figures = 0;
    for (let n = code.nextElementSibling; n; n = n.nextElementSibling) {
        if (n.matches('.run-bar')) continue;
        if (n.matches('.snippet-figure')) { figures++; continue; }
        const name = n.querySelector(':scope > .filename');
        if (name) { out.push(n.querySelector('code').textContent); continue; }
        break; }
    return [out.join(''), figures]; }"""
RUN_OUTPUT = """bar => { const out = []; let figures = 0;
    for (let n = bar.nextElementSibling; n; n = n.nextElementSibling) {
        if (n.matches('.run-figure')) { figures++; continue; }
        if (n.matches('.run-output')) { out.push(n.querySelector('code').textContent); continue; }
        break; }
    return [out.join(''), figures]; }"""


def solution_and_asserts(lesson: str, name: str) -> tuple[str, list[str]]:
    from sections import sections

    code = sections((SNIPPETS / f"{lesson}.py").read_text())[name].source
    check = exercise(code)
    answer = "\n".join(line for line in code.splitlines() if not line.lstrip().startswith("assert"))
    return answer, check["asserts"]


def test_a_wrong_value_is_explained_and_the_mark_kept(page, site_url):
    """On a lesson reached by instant navigation, an answer that defines the names but gets a
    value wrong: the verdict shows the failing assert and the values of its two sides; a right
    answer is remembered across a reload."""
    lesson = "02-python/values-names-containers"
    if lesson not in IN_BROWSER:
        pytest.fail(f"{lesson} no longer runs in the browser: pick another lesson for this test")
    # The reader arrives from the stage page by Material's instant navigation, which runs none of
    # the new page's scripts: the Run buttons work all the same.
    stage = lesson.split("/")[0]
    page.goto(f"{site_url}/{stage}/", wait_until="load")
    page.evaluate("window.__same_document = true")
    page.locator(f'article a[href$="{lesson.split("/")[1]}/"]').first.click()
    expect(page).to_have_url(f"{site_url}/{lesson}/")
    assert page.evaluate("window.__same_document === true"), "instant navigation is off"
    panel = page.locator(".run-exercise").first
    panel.get_by_role("textbox").fill("best_epoch = 7\n")
    panel.get_by_role("button", name="Check").click()
    said = finish(page, panel.locator(".run-verdict"))
    assert "assert best_epoch == 6" in said and "the left side is 7, the right side 6" in said, said
    answer, _ = solution_and_asserts(lesson, "exercise_1")
    panel.get_by_role("textbox").fill(answer)
    panel.get_by_role("button", name="Check").click()
    finish(page, panel.locator(".run-verdict"))
    page.reload()
    expect(page.locator(".run-exercise .run-verdict").first).to_contain_text("You solved this one")


def test_edit_run_reset_and_stop(page, site_url):
    """Edit a block and run it: its new output replaces the build's; Reset brings back the code
    and the build's output; an endless loop is stopped by Stop, and by the time limit."""
    lesson = IN_BROWSER[0]
    page.goto(f"{site_url}/{lesson}/", wait_until="load")
    bar = page.locator(".run-bar").first
    code = page.locator(".run-anchor").first.locator("xpath=following-sibling::*[1]")
    build_output = code.locator("xpath=following-sibling::*[2]").inner_text()
    bar.get_by_role("button", name="Edit").click()
    editor = page.locator("textarea.run-block-editor")
    editor.fill(editor.input_value() + "\nprint('edited by the reader')\n")
    bar.get_by_role("button", name="Run").click()
    assert finish(page, bar.locator(".run-status")) == "Ran in your browser."
    expect(page.locator(".run-output").first).to_contain_text("edited by the reader")
    bar.get_by_role("button", name="Reset").click()
    expect(page.locator("textarea.run-block-editor")).to_have_count(0)
    expect(code).to_be_visible()
    assert code.locator("xpath=following-sibling::*[2]").inner_text() == build_output

    bar.get_by_role("button", name="Edit").click()
    page.locator("textarea.run-block-editor").fill("while True:\n    pass\n")
    bar.get_by_role("button", name="Run").click()
    bar.get_by_role("button", name="Stop").click()
    assert finish(page, bar.locator(".run-status")).startswith("Stopped.")
    page.evaluate("window.roadmapRunLimitMs = 2000")
    bar.get_by_role("button", name="Run").click()
    assert finish(page, bar.locator(".run-status")).startswith("Stopped after 2 s")
    # the test's limit again: a fresh Python's first run also imports matplotlib
    page.evaluate(f"window.roadmapRunLimitMs = {RUN_LIMIT}")
    page.locator("textarea.run-block-editor").fill("print('alive again')\n")
    bar.get_by_role("button", name="Run").click()
    assert finish(page, bar.locator(".run-status")) == "Ran in your browser."


def test_the_run_panel_passes_axe_in_both_palettes(page, site_url):
    """With a block edited and run, and an exercise checked, in both palettes."""
    lesson = next(x for x in IN_BROWSER if "exercise" in (SNIPPETS / f"{x}.py").read_text())
    watch = Watch(page)
    page.goto(f"{site_url}/{lesson}/", wait_until="load")
    bar = page.locator(".run-bar").first
    bar.get_by_role("button", name="Edit").click()
    bar.get_by_role("button", name="Run").click()
    finish(page, bar.locator(".run-status"))
    panel = page.locator(".run-exercise").first
    panel.get_by_role("button", name="Check").click()
    finish(page, panel.locator(".run-verdict"))
    problems = {"light": axe_violations(page)}
    toggle_palette(page)
    problems["dark"] = axe_violations(page, COLOUR_RULES)
    assert not problems["light"] and not problems["dark"], json.dumps(problems, indent=2)
    assert not watch.problems, "\n".join(watch.problems)


def test_the_controls_are_in_the_page_as_built_and_hidden_without_javascript(
    new_context, site_url, built_site
):
    """The build writes every Run bar and answer box into the page (made by a script after
    the first paint, they would push the text below them down); they need JavaScript, so
    without it none is shown."""
    lesson = next(
        lesson
        for lesson in IN_BROWSER
        if "data-run-exercise" in (built_site / lesson / "index.html").read_text()
    )
    page = new_context(java_script_enabled=False).new_page()
    page.goto(f"{site_url}/{lesson}/")
    assert page.evaluate("document.documentElement.className") == "no-js"
    bars, boxes = page.locator(".run-bar"), page.locator(".run-exercise")
    assert bars.count() == page.locator(".run-anchor").count() + boxes.count() and boxes.count()
    shown = "[...document.querySelectorAll('.run-bar, .run-exercise')].filter(e => getComputedStyle(e).display !== 'none').length"
    assert page.evaluate(shown) == 0, "a control that needs JavaScript shows without it"


def test_pages_that_need_pytorch_say_why_they_have_no_run_button(built_site):
    for lesson in find_lessons():
        html = (built_site / lesson / "index.html").read_text()
        if lesson in IN_BROWSER:
            assert 'class="run-anchor"' in html and "In your browser." in html, lesson
        else:
            assert 'class="run-anchor"' not in html and "Why no Run button." in html, lesson


# --- the supply chain -----------------------------------------------------------------------------


def test_the_served_files_are_the_ones_the_official_lock_names(built_site):
    import pyodide_files

    assert not pyodide_files.problems(), pyodide_files.problems()
    lock = json.loads((pyodide_files.FOLDER / "pyodide-lock.json").read_text())
    for package in pyodide_files.needed(lock):
        entry = lock["packages"][package]
        served = built_site / "pyodide" / entry["file_name"]
        assert pyodide_files.sha256(served.read_bytes()) == entry["sha256"], served


def test_a_tampered_file_is_refused(tmp_path):
    import pyodide_files

    copy = tmp_path / "pyodide"
    shutil.copytree(pyodide_files.FOLDER, copy)
    assert not pyodide_files.problems(copy)
    wheel = next(copy.glob("numpy-*.whl"))
    data = bytearray(wheel.read_bytes())
    data[1000] ^= 0xFF
    wheel.write_bytes(bytes(data))
    assert pyodide_files.problems(copy) == [
        f"{wheel}: not the file set-up checked against the official lock"
    ]
    lock = json.loads((copy / "pyodide-lock.json").read_text())
    entry = lock["packages"]["numpy"]
    with pytest.raises(
        SystemExit, match=r"numpy-.*from the carrier has sha256 .*official lock says"
    ):
        pyodide_files.check_wheel(entry, bytes(data), "the carrier")
