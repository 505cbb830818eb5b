"""The built site in a real browser: Chromium, driven by Playwright, against the site served on
127.0.0.1 (the `site_url` fixture). One browser for the whole session; each test gets a fresh
context (a fresh profile: empty localStorage), except the sweep of every page, whose tests share
one tab emptied between pages; a failing test leaves screenshots in test-results/. Without Chromium these tests fail, saying what to install: they never skip.
"""

from __future__ import annotations

import http.server
import json
import re
import shutil
import threading
from functools import partial
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from axe_files import axe_script
from conftest import (
    DOCS,
    SNIPPETS,
    chromium_or_fail,
    find_lessons,
    page_sources,
)
from playwright.sync_api import expect

LESSONS = find_lessons()
STORAGE_KEY = "dl-roadmap.progress"


def site_pages() -> list[str]:
    """Every page of the site, as a path below the site's root ("", "01-linear-algebra/vectors/")."""
    pages = []
    for source in page_sources():
        relative = Path(source).with_suffix("")
        folder = relative.parent if relative.name == "index" else relative
        pages.append("" if str(folder) == "." else folder.as_posix() + "/")
    return [*pages, "404.html"]


# --- the browser --------------------------------------------------------------------------------


# --- what every page must pass ---------------------------------------------------------------------


def is_elsewhere(url: str) -> bool:
    """Whether a request goes to another host than 127.0.0.1 (file:, data: and blob: stay here)."""
    parts = urlsplit(url)
    return parts.scheme not in ("file", "data", "blob") and parts.hostname != "127.0.0.1"


class Watch:
    """Collects a page's console errors, uncaught exceptions and requests to other hosts."""

    def __init__(self, page):
        self.problems: list[str] = []
        self.page = page
        page.on("console", self._console)
        page.on("pageerror", self._error)
        page.on("request", self._request)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        """Stop watching (a tab that later tests share)."""
        self.page.remove_listener("console", self._console)
        self.page.remove_listener("pageerror", self._error)
        self.page.remove_listener("request", self._request)

    def _error(self, error):
        self.problems.append(f"uncaught exception: {error}")

    def _console(self, message):
        if message.type == "error":
            self.problems.append(f"console error: {message.text} ({message.location.get('url')})")

    def _request(self, request):
        if is_elsewhere(request.url):
            self.problems.append(f"request to another host: {request.url}")


# The colour checks are what takes axe time, per element, and a long page has thousands of
# elements in a few styles. Two reductions, each of elements that cannot differ in contrast:
# - Pygments wraps each token of code in a span: one span of each class is kept and the others are
#   unwrapped into their text (which then shows in the code block's own colour, also checked).
#   MathML wraps each symbol of a formula in an element: axe checks the first inline and the first
#   display formula (that every formula has a text alternative is checked on each of them, by
#   tests/test_text_alternatives.py).
# - For the colour rules only: of the elements that hold only text, one is measured per
#   combination of tag, colour, font size and weight, text shadow, opacity (with its ancestors')
#   and the element whose background lies behind it (in a figure, its fill and stroke too: axe
#   does not see the shapes an SVG text lies on, only the page behind the figure).
# All the other rules see every element. This keeps the longest page to a few seconds.
AXE_PREPARE = """() => {
    // Code blocks and figures below the screen are not rendered until the reader scrolls near
    // them (content-visibility: auto, site.css), and axe cannot see the colours of what is not
    // rendered: render them all, as each is when the reader reaches it.
    for (const block of document.querySelectorAll(".md-typeset .highlight, .md-typeset .snippet-figure")) {
        block.style.contentVisibility = "visible";
    }
    const seen = new Set();
    for (const span of document.querySelectorAll("pre code span")) {
        if (!seen.has(span.className)) {
            seen.add(span.className);
        } else if (span.attributes.length === 1 && span.hasAttribute("class") && !span.children.length) {
            span.replaceWith(span.textContent);
        }
    }
    for (const selector of ["math[display=block]", "math:not([display=block])"]) {
        document.querySelector(selector)?.setAttribute("data-axe-sample", "");
    }
}"""
SAME_COLOURS = """() => {
    const backgrounds = new Map();
    const signatures = new Set();
    for (const element of document.querySelectorAll("[data-axe-same]")) {
        element.removeAttribute("data-axe-same");
    }
    for (const element of document.body.querySelectorAll("*")) {
        if (element.children.length || element.closest("math") || !element.textContent.trim()) continue;
        const style = getComputedStyle(element);
        let opacity = 1, background = null;
        for (let node = element; node; node = node.parentElement) {
            const own = node === element ? style : getComputedStyle(node);
            opacity *= Number(own.opacity);
            if (background === null && (own.backgroundImage !== "none"
                    || !/^rgba\\(.*, 0\\)$|^transparent$/.test(own.backgroundColor))) {
                background = node;
            }
        }
        if (!backgrounds.has(background)) backgrounds.set(background, backgrounds.size);
        // A single character is too short for axe to judge ("incomplete"), so it cannot stand
        // for longer texts of the same style: those get their own sample.
        const judged = element.textContent.trim().length > 1;
        const signature = [element.tagName, style.color, style.fill, style.stroke, style.fontSize,
            style.fontWeight, style.textShadow, opacity, backgrounds.get(background), judged].join("|");
        if (signatures.has(signature)) element.setAttribute("data-axe-same", "");
        else signatures.add(signature);
    }
}"""
COLOUR_RULES = ["color-contrast", "link-in-text-block"]
AXE_RUN = """async ([context, options]) => {
    const result = await axe.run(context, {resultTypes: ["violations", "incomplete"], ...options});
    return {
        violations: result.violations.map(v =>
            `${v.id} (${v.impact}): ${v.help}: ${v.nodes.map(n => n.target.join(" ")).join(", ")}`),
        incomplete: result.incomplete.filter(v => v.id === "color-contrast").flatMap(v =>
            v.nodes.map(n => [n.target.join(" "), ((n.any[0] || {}).message || "").split(".")[0]])),
    };
}"""


def axe_violations(
    page,
    rules: list[str] | None = None,
    undecided: list | None = None,
    within: list[str] | None = None,
) -> list[str]:
    """axe-core's violations on the page as it is now (all rules, or only `rules`), one line
    each; on the whole page, or only `within` these selectors. The colour contrasts axe could
    not judge ("incomplete") go to `undecided`, when given, as (element, axe's reason)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(axe_script())
    page.evaluate(AXE_PREPARE)
    maths = ["math:not([data-axe-sample])"]
    scope = {"include": [[selector] for selector in within]} if within else {}
    found = []
    if rules is None:  # every rule that is on by default, the colour rules below
        disabled = {rule: {"enabled": False} for rule in COLOUR_RULES}
        context = {**scope, "exclude": [maths]}
        found += page.evaluate(AXE_RUN, [context, {"rules": disabled}])["violations"]
    elif others := [rule for rule in rules if rule not in COLOUR_RULES]:
        context = {**scope, "exclude": [maths]}
        found += page.evaluate(AXE_RUN, [context, {"runOnly": others}])["violations"]
    if colours := [rule for rule in rules or COLOUR_RULES if rule in COLOUR_RULES]:
        page.evaluate(SAME_COLOURS)
        context = {**scope, "exclude": [maths, ["[data-axe-same]"]]}
        result = page.evaluate(AXE_RUN, [context, {"runOnly": colours}])
        found += result["violations"]
        if undecided is not None:
            undecided += [tuple(item) for item in result["incomplete"]]
    return list(found)


def report_undecided(path: str, undecided: list, tmp_path_factory) -> None:
    """Keep what axe could not judge on a page for the run's summary (conftest.py prints it)."""
    from conftest import _shared_temp

    folder = _shared_temp(tmp_path_factory) / "axe-incomplete"
    folder.mkdir(exist_ok=True)
    name = re.sub(r"[^\w-]+", "_", path) or "home"
    (folder / f"{name}.json").write_text(json.dumps({"page": path, "undecided": undecided}))


def scheme(page) -> str:
    return page.locator("body").get_attribute("data-md-color-scheme")


def toggle_palette(page) -> None:
    """Click the palette toggle that is showing, as a reader does."""
    before = scheme(page)
    page.locator("form[data-md-component=palette] label:visible").click()
    expect(page.locator("body")).not_to_have_attribute("data-md-color-scheme", before)
    # A reader's pointer moves on: the toggle's tooltip (content.tooltips) fades away, and axe
    # does not measure the contrast of text that is still fading in.
    page.mouse.move(1, page.viewport_size["height"] - 1)
    expect(page.locator(".md-tooltip--active, .md-tooltip2--active")).to_have_count(0)
    page.wait_for_function(
        "[...document.querySelectorAll('.md-tooltip, .md-tooltip2')]"
        ".every(tip => getComputedStyle(tip).opacity === '0')"
    )


def whole_page_checked(path: str) -> bool:
    """The pages whose every part axe checks: the home page, the glossary, 404.html, every
    landing page (of a stage, of the papers, of the transformers) and one lesson of each stage:
    every template, and the navigation open at each place. On the others it checks what differs
    from page to page: the article and its table of contents (their header, navigation and
    footer are those of the pages above)."""
    landings = {
        Path(source).parent.as_posix() + "/"
        for source in page_sources()
        if source.endswith("index.md")
    }
    if path in landings or path in ("", "./", "glossary/", "404.html"):
        return True
    stage = path.split("/")[0]
    lessons = [p for p in site_pages() if p.startswith(stage + "/") and p not in landings]
    return not lessons or path == lessons[0]


AXE_WITHIN = ["article", ".md-sidebar--secondary"]


@pytest.mark.parametrize("path", site_pages())
def test_page_loads_cleanly_and_passes_axe_in_both_palettes(
    sweep_page, site_url, path, tmp_path_factory
):
    """No console error, no request to another host, no axe violation in either palette. The
    contrasts axe could not judge are reported at the end of the run (not failed: see the
    summary for why axe gives up on each). The profile is emptied between pages (`sweep_page`)."""
    page = sweep_page
    with Watch(page) as watch:
        page.goto(f"{site_url}/{path}", wait_until="load")
        assert scheme(page) == "default", "the page did not start in the light palette"
        within = None if whole_page_checked(path) else AXE_WITHIN
        undecided: list = []
        problems = {"light": axe_violations(page, undecided=undecided, within=within)}
        toggle_palette(page)
        problems["dark"] = axe_violations(page, COLOUR_RULES, undecided, within)  # colours only
        report_undecided(path, sorted(set(undecided)), tmp_path_factory)
        page.wait_for_load_state("networkidle")
    assert not watch.problems, "\n".join(watch.problems)
    assert not problems["light"] and not problems["dark"], json.dumps(problems, indent=2)


# --- the checks fail on a broken page (a check that cannot fail is a defect) ------------------------

BROKEN_PAGE = """<!doctype html>
<html lang="en"><head><title>Broken</title>
<script src="https://example.com/x.js"></script></head>
<body><main><h1>Broken</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7">
<script>console.error("boom"); undefinedFunction();</script>
<p><span>Readable text.</span> <span>More readable text.</span></p>
<div style="background: #222"><span id="dark-on-dark">The same text colour on a dark background.</span></div>
<p><span style="color: #bbb">0</span> and <span id="faint-text" style="color: #bbb">10</span></p>
</main></body></html>
"""


@pytest.fixture
def broken_url(tmp_path):
    (tmp_path / "broken.html").write_text(BROKEN_PAGE)
    handler = partial(http.server.SimpleHTTPRequestHandler, directory=str(tmp_path))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/broken.html"
    server.shutdown()


def test_the_page_checks_catch_a_broken_page(page, broken_url):
    watch = Watch(page)
    page.goto(broken_url, wait_until="load")
    problems = "\n".join(watch.problems)
    assert "request to another host: https://example.com/x.js" in problems
    assert "console error: boom" in problems
    assert "uncaught exception" in problems and "undefinedFunction" in problems
    violations = axe_violations(page)
    assert any(v.startswith("image-alt ") for v in violations), violations
    # Measured although a span of the same colour was measured already: its background differs.
    assert any(v.startswith("color-contrast ") and "#dark-on-dark" in v for v in violations), (
        violations
    )
    # Measured although a text of the same style came first: that one, a single character, is
    # too short for axe to judge ("0"), so it says nothing about the rest.
    assert any(v.startswith("color-contrast ") and "#faint-text" in v for v in violations), (
        violations
    )


def test_missing_chromium_fails_with_what_to_install(monkeypatch, tmp_path):
    monkeypatch.delenv("CHROMIUM", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(pytest.fail.Exception, match=r"apt-get install chromium.*CHROMIUM="):
        chromium_or_fail()


def test_axe_is_the_checked_release_and_a_tampered_copy_is_refused(tmp_path):
    import axe_files

    assert not axe_files.problems(), axe_files.problems()
    assert axe_script().startswith(f"/*! axe v{axe_files.VERSION}")
    copy = tmp_path / "axe"
    shutil.copytree(axe_files.FOLDER, copy)
    script = copy / axe_files.SCRIPT
    script.write_text(script.read_text().replace("color-contrast", "colour-contrast", 1))
    assert axe_files.problems(copy) == [
        f"{script}: not the file set-up checked; delete {copy} and run set-up again"
    ]


def test_npm_files_that_are_not_the_pinned_release_are_refused(monkeypatch, tmp_path):
    """hooks/npm_pack.py, which fetches axe-core and Pyodide's core: an `npm` that hands over
    another tarball than the pinned one is refused, naming the package."""
    import io
    import tarfile

    from npm_pack import integrity, npm_pack

    tarball = io.BytesIO()
    with tarfile.open(fileobj=tarball, mode="w:gz") as archive:
        body = b"window.axe = {};\n"
        info = tarfile.TarInfo("package/axe.min.js")
        info.size = len(body)
        archive.addfile(info, io.BytesIO(body))
    (tmp_path / "axe-core-0.0.1.tgz").write_bytes(tarball.getvalue())
    npm = tmp_path / "bin" / "npm"
    npm.parent.mkdir()
    npm.write_text("#!/bin/sh\nexit 0\n")  # "packs" the tarball that is already there
    npm.chmod(0o755)
    monkeypatch.setenv("PATH", f"{npm.parent}:/usr/bin:/bin")
    good = integrity(tarball.getvalue())
    assert npm_pack("axe-core", "0.0.1", good, tmp_path, ["axe.min.js"]) == {"axe.min.js": body}
    with pytest.raises(SystemExit, match=r"axe-core-0\.0\.1\.tgz from npm is not the pinned"):
        npm_pack("axe-core", "0.0.1", "sha512-" + "A" * 86 + "==", tmp_path, ["axe.min.js"])


# --- reader's journeys ---------------------------------------------------------------------------


def search_word() -> tuple[str, str]:
    """A word of some lesson's body that no other page has, and that lesson's path."""
    pages: dict[str, set[str]] = {}
    for source in DOCS.rglob("*.md"):
        relative = source.relative_to(DOCS).with_suffix("").as_posix()
        body = re.sub(
            r"```.*?```|\$.*?\$|\[[^\]]*\]\([^)]*\)|<[^>]+>", " ", source.read_text(), flags=re.S
        )
        body = "\n".join(line for line in body.splitlines() if not line.startswith("#"))
        for word in re.findall(r"\b[a-z]{9,}\b", body):
            pages.setdefault(word, set()).add(relative)
    for lesson in LESSONS:
        unique = sorted(w for w, where in pages.items() if where == {lesson})
        if unique:
            return unique[0], lesson
    raise AssertionError("no lesson has a word of its own to search for")


def test_search_finds_a_lesson_by_a_word_in_its_body_and_opens_it(page, site_url):
    word, lesson = search_word()
    page.goto(f"{site_url}/")
    page.locator(".md-search__input").click()
    page.locator(".md-search__input").press_sequentially(word, delay=30)
    result = page.locator(f'.md-search-result__link[href*="{lesson}/"]').first
    expect(result).to_be_visible()
    result.click()
    expect(page).to_have_url(re.compile(rf"/{re.escape(lesson)}/"))
    expect(page.locator("article.md-content__inner")).to_contain_text(word, ignore_case=True)


def test_palette_toggle_switches_and_persists_across_reload(page, site_url):
    page.goto(f"{site_url}/")
    assert scheme(page) == "default"
    toggle_palette(page)
    assert scheme(page) == "slate"
    page.reload()
    assert scheme(page) == "slate"
    toggle_palette(page)
    page.reload()
    assert scheme(page) == "default"


def test_copy_button_copies_exactly_the_code_shown(new_context, site_url):
    context = new_context(permissions=["clipboard-read", "clipboard-write"])
    page = context.new_page()
    lesson = LESSONS[0]
    page.goto(f"{site_url}/{lesson}/")
    block = page.locator(
        "article div.highlight:has(button.md-code__button[data-md-type=copy])"
    ).first
    block.hover()
    block.locator("button.md-code__button[data-md-type=copy]").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    shown = block.locator("code").inner_text()
    assert copied.rstrip("\n") == shown.rstrip("\n")
    # ... and what is shown is the snippet file's own code, markers left out.
    source = (SNIPPETS / f"{lesson}.py").read_text().splitlines()
    lines = [line for line in copied.splitlines() if line.strip()]
    assert lines and not any("--8<--" in line for line in lines)
    it = iter(source)
    assert all(line in it for line in lines), "the copied code is not the snippet's code, in order"


def first_stage_lesson() -> tuple[str, str]:
    """A lesson whose stage has a landing page, and that stage."""
    for lesson in LESSONS:
        stage = lesson.split("/")[0]
        if (DOCS / stage / "index.md").is_file():
            return lesson, stage
    raise AssertionError("no stage with a landing page holds a lesson")


def stage_lessons(stage: str) -> int:
    return sum(1 for lesson in LESSONS if lesson.startswith(stage + "/"))


def test_marking_a_lesson_done_persists_and_updates_the_stage(page, site_url):
    lesson, stage = first_stage_lesson()
    total = stage_lessons(stage)
    row = f'[data-roadmap-stage="{stage}"]'
    link = f'article a[data-roadmap-lesson="{lesson}"]'

    page.goto(f"{site_url}/{stage}/")
    expect(page.locator(f"{row} .roadmap-progress__count")).to_have_text(
        f"0 of {total} lessons done"
    )

    page.goto(f"{site_url}/{lesson}/")
    button = page.get_by_role("button", name="Mark as done")
    expect(button).to_have_attribute("aria-pressed", "false")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "true")
    page.reload()
    expect(button).to_have_attribute("aria-pressed", "true")
    stored = json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))
    assert list(stored) == [lesson]

    page.goto(f"{site_url}/{stage}/")
    expect(page.locator(f"{row} .roadmap-progress__count")).to_have_text(
        f"1 of {total} lessons done"
    )
    expect(page.locator(f"{row} progress")).to_have_js_property("value", 1)
    expect(page.locator(link).first.locator(".roadmap-mark")).to_contain_text("(done)")

    # The home page shows it too, and its stage link opens the stage page by instant navigation:
    # the progress there is filled in again without a reload.
    page.goto(f"{site_url}/")
    expect(page.locator(f"{row} .roadmap-progress__count")).to_have_text(
        f"1 of {total} lessons done"
    )
    page.evaluate("window.__same_document = true")
    page.locator(f"article {row} a").click()
    expect(page).to_have_url(f"{site_url}/{stage}/")
    assert page.evaluate("window.__same_document === true"), "instant navigation is off"
    expect(page.locator(f"article {row} .roadmap-progress__count")).to_have_text(
        f"1 of {total} lessons done"
    )

    page.goto(f"{site_url}/{lesson}/")
    button.click()
    expect(button).to_have_attribute("aria-pressed", "false")
    page.goto(f"{site_url}/{stage}/")
    expect(page.locator(f"{row} .roadmap-progress__count")).to_have_text(
        f"0 of {total} lessons done"
    )


def test_export_then_import_restores_progress_in_a_fresh_profile(new_context, site_url, tmp_path):
    lesson, stage = first_stage_lesson()
    total = stage_lessons(stage)
    count = f'[data-roadmap-stage="{stage}"] .roadmap-progress__count'

    first = new_context(accept_downloads=True).new_page()
    first.goto(f"{site_url}/{lesson}/")
    first.get_by_role("button", name="Mark as done").click()
    first.goto(f"{site_url}/")
    with first.expect_download() as download:
        first.get_by_role("button", name="Export progress").click()
    exported = tmp_path / download.value.suggested_filename
    download.value.save_as(exported)
    assert exported.name == "roadmap-progress.json"
    assert list(json.loads(exported.read_text())["done"]) == [lesson]

    second = new_context().new_page()
    second.goto(f"{site_url}/")
    expect(second.locator(count)).to_have_text(f"0 of {total} lessons done")
    not_progress = tmp_path / "other.json"
    not_progress.write_text('{"hello": "world"}')
    for file in (not_progress, exported):
        with second.expect_file_chooser() as chooser:
            second.get_by_role("button", name="Import progress").click()
        chooser.value.set_files(file)
        expect(second.get_by_role("status")).to_contain_text(file.name)
        if file == not_progress:
            expect(second.get_by_role("status")).to_contain_text("nothing changed")
            expect(second.locator(count)).to_have_text(f"0 of {total} lessons done")
    expect(second.locator(count)).to_have_text(f"1 of {total} lessons done")
    second.goto(f"{site_url}/{lesson}/")
    expect(second.get_by_role("button", name="Mark as done")).to_have_attribute(
        "aria-pressed", "true"
    )


def test_a_renamed_lesson_keeps_its_readers_mark(new_context, renamed_site_url):
    """A mark stored under an old id moves to the lesson's current id, through two renames:
    lessons.yml's aliases, resolved by the build into javascripts/lessons.js, as published."""
    context = new_context()
    context.add_init_script(
        f"localStorage.setItem('{STORAGE_KEY}', JSON.stringify({{'00-older/first': '2026-01-01'}}));"
    )
    page = context.new_page()
    page.goto(f"{renamed_site_url}/01-demo/lesson/")
    expect(page.get_by_role("button", name="Mark as done")).to_have_attribute(
        "aria-pressed", "true"
    )
    stored = json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))
    assert stored == {"01-demo/lesson": "2026-01-01"}


def test_importing_progress_merges_and_follows_old_ids(new_context, renamed_site_url, tmp_path):
    """An import adds to the marks already there, and a mark under an old id lands on the
    lesson it became."""
    page = new_context().new_page()
    page.goto(f"{renamed_site_url}/01-demo/second/")
    page.get_by_role("button", name="Mark as done").click()
    exported = tmp_path / "progress.json"
    exported.write_text(
        json.dumps({"format": "dl-roadmap-progress", "done": {"00-old/renamed": "2026-02-02"}})
    )
    page.goto(f"{renamed_site_url}/")
    with page.expect_file_chooser() as chooser:
        page.get_by_role("button", name="Import progress").click()
    chooser.value.set_files(exported)
    expect(page.get_by_role("status")).to_contain_text("Imported 1 done lessons")
    stored = json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))
    assert set(stored) == {"01-demo/lesson", "01-demo/second"}, stored
    assert stored["01-demo/lesson"] == "2026-02-02"


def test_blocked_storage_hides_the_buttons_and_says_why(new_context, site_url):
    context = new_context()
    context.add_init_script(
        "Object.defineProperty(window, 'localStorage', {get() {"
        " throw new DOMException('The operation is insecure.', 'SecurityError'); }});"
    )
    page = context.new_page()
    lesson, stage = first_stage_lesson()
    for path in (f"{lesson}/", f"{stage}/", ""):
        page.goto(f"{site_url}/{path}")
        widgets = page.locator("[data-roadmap-toggle], [data-roadmap-progress]")
        assert widgets.count() > 0, f"{path}: the page has no progress widgets to hide"
        expect(page.locator("[data-roadmap-blocked]")).to_be_visible()
        expect(page.locator("[data-roadmap-blocked]")).to_contain_text("blocks this site's storage")
        assert (
            page.locator("[data-roadmap-toggle]:visible, [data-roadmap-progress]:visible").count()
            == 0
        )


def test_a_bad_progress_file_is_refused_saying_what_is_wrong(new_context, site_url, tmp_path):
    lesson, stage = first_stage_lesson()
    page = new_context().new_page()
    page.goto(f"{site_url}/")
    cases = {
        "broken.json": ("{not json", "is not JSON"),
        "other.json": ('{"hello": "world"}', "is not a progress file exported from this site"),
        "huge.json": ("[" + " " * 200_000 + "]", "KB, more than a progress file can be"),
        "mixed.json": (
            json.dumps(
                {"format": "dl-roadmap-progress", "done": {lesson: "2026-01-01", "99-x/y": "1"}}
            ),
            "Imported 1 done lessons from mixed.json. Ignored 1 that this site has no lesson for: 99-x/y.",
        ),
    }
    for name, (text, message) in cases.items():
        file = tmp_path / name
        file.write_text(text)
        with page.expect_file_chooser() as chooser:
            page.get_by_role("button", name="Import progress").click()
        chooser.value.set_files(file)
        expect(page.get_by_role("status")).to_contain_text(message)
    stored = json.loads(page.evaluate(f"localStorage.getItem('{STORAGE_KEY}')"))
    assert stored == {lesson: "2026-01-01"}


def test_progress_works_from_files_with_no_server(new_context, built_site):
    """Offline, with no server at all: the saved site opened from disk (file://)."""
    context = new_context()
    context.unroute_all()  # with a route set, Chromium refuses file: pages (net::ERR_FAILED)
    page = context.new_page()
    lesson, stage = first_stage_lesson()
    page.goto((built_site / lesson / "index.html").as_uri())
    page.get_by_role("button", name="Mark as done").click()
    page.goto((built_site / stage / "index.html").as_uri())
    count = page.locator(f'[data-roadmap-stage="{stage}"] .roadmap-progress__count')
    expect(count).to_have_text(f"1 of {stage_lessons(stage)} lessons done")


def test_keyboard_alone_reaches_and_toggles_mark_as_done(page, site_url):
    lesson = LESSONS[0]
    page.goto(f"{site_url}/{lesson}/")
    button = page.locator("[data-roadmap-toggle]")
    for _ in range(400):
        page.keyboard.press("Tab")
        if button.evaluate("b => b === document.activeElement"):
            break
    else:
        pytest.fail("400 presses of Tab never reached the Mark as done button")
    assert button.evaluate("b => b.matches(':focus-visible')")
    outline = button.evaluate("b => getComputedStyle(b).outlineStyle")
    assert outline not in ("", "none"), "the focused button shows no outline"
    page.keyboard.press("Enter")
    expect(button).to_have_attribute("aria-pressed", "true")
    page.keyboard.press("Space")
    expect(button).to_have_attribute("aria-pressed", "false")


def test_phone_viewport_shows_the_navigation_drawer(new_context, site_url):
    page = new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    ).new_page()
    page.goto(f"{site_url}/")
    drawer = page.locator(".md-sidebar--primary")
    expect(drawer).not_to_be_in_viewport()
    page.locator("label.md-header__button[for=__drawer]").click()
    expect(drawer).to_be_in_viewport()
    # The drawer lists the stages: a link to another page, not a heading of this one.
    expect(drawer.locator("a.md-nav__link:not([href*='#']):visible").first).to_be_in_viewport()


FAILING_TEST = """
def test_fails_on_purpose(new_context):
    page = new_context().new_page()
    page.set_content("<h1>Failing on purpose</h1>")
    assert False
"""


def test_a_failing_test_leaves_a_screenshot(pytester, tmp_path, monkeypatch):
    results = tmp_path / "results"
    monkeypatch.setenv("TEST_RESULTS", str(results))
    monkeypatch.setenv("PYTHONPATH", str(Path(__file__).parent))
    pytester.makepyfile(test_inner=FAILING_TEST)
    run = pytester.runpytest_subprocess("-p", "conftest", "-p", "test_browser", "-q")
    run.assert_outcomes(failed=1)
    shots = list(results.glob("test_fails_on_purpose-*.png"))
    assert shots and shots[0].read_bytes().startswith(b"\x89PNG")


def test_a_glossary_term_shows_its_definition_on_focus_and_hover(page, site_url):
    """includes/glossary.md is appended to every page: a term's uses show its definition."""
    from roadmap import glossary

    terms = glossary()
    page.goto(f"{site_url}/02-python/control-flow/")
    first = page.locator("article abbr[tabindex='0']").first
    term = first.inner_text()
    assert first.get_attribute("title") == terms[term]
    first.focus()
    expect(page.get_by_role("tooltip").filter(has_text=terms[term])).to_be_visible()
    other = page.locator("article abbr").nth(1)
    other.hover()
    expect(page.get_by_role("tooltip").filter(has_text=terms[other.inner_text()])).to_be_visible()
    page.goto(f"{site_url}/glossary/")
    for term in ("epoch", "learning rate", "gradient"):
        expect(page.locator("dl.glossary dt", has_text=term).first).to_be_visible()
