"""Shared fixtures: the repository's paths, and the site built once per test session."""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import re
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs"
SNIPPETS = ROOT / "snippets"
MKDOCS = [sys.executable, "-m", "mkdocs"]
sys.path.insert(0, str(ROOT / "hooks"))  # the build's own rules, shared with the tests

pytest_plugins = ["pytester"]  # tests of the tests run a small test session of their own


BUILD_TIMEOUT = 900  # seconds; a build that takes longer fails with its own log so far


def build_site(
    config: Path,
    site_dir: Path,
    timeout: float = BUILD_TIMEOUT,
    env: dict | None = None,
    strict: bool = True,
) -> subprocess.CompletedProcess:
    """`mkdocs build --strict` (never -q: quiet hides warnings from strict's count). A build that
    outlasts `timeout` is stopped and fails with the log it wrote so far, saying so. With
    `strict=False`, the build `make serve` makes."""
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", **(env or {})}
    command = [
        *MKDOCS,
        "build",
        *(["--strict"] if strict else []),
        "--config-file",
        str(config),
        "--site-dir",
        str(site_dir),
    ]
    process = subprocess.Popen(
        command,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env=env,
        cwd=config.parent,
        start_new_session=True,
    )
    try:
        log, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, 9)
        log, _ = process.communicate()
        log = f"{log}\nmkdocs build did not finish within {timeout:g} s: stopped (its log so far is above)"
        return subprocess.CompletedProcess(command, -9, log, "")
    return subprocess.CompletedProcess(command, process.returncode, log, "")


def namespaces_or_skip() -> None:
    """Skip a test of the namespace path where the machine has no user namespaces (the socket
    shim is what runs there), except where ROADMAP_REQUIRE_NAMESPACES=1 (CI): fail there."""
    import sandbox

    if sandbox.isolation() == "namespaces":
        return
    message = "this machine has no user namespaces: the socket shim is what runs here"
    if os.environ.get("ROADMAP_REQUIRE_NAMESPACES") == "1":
        pytest.fail(f"{message}, and ROADMAP_REQUIRE_NAMESPACES=1 requires them", pytrace=False)
    pytest.skip(message)


@pytest.fixture(scope="session")
def live_target():
    """A TCP server on a non-loopback address, in a network namespace of its own
    (tests/live_target.py), that an unconfined process in that namespace reaches (checked here):
    the target every confined run must fail to reach."""
    namespaces_or_skip()
    from live_target import Target, probe

    target = Target()
    try:
        assert target.port, "the live target did not start"
        done = target.run([sys.executable, "-c", probe(target.port)])
        assert "reached: HTTP/1.0 200 OK" in done.stdout, done.stdout + done.stderr
        yield target
    finally:
        target.close()


def _shared_temp(tmp_path_factory) -> Path:
    """A folder all the workers of one test run share (pytest-xdist gives each its own)."""
    base = tmp_path_factory.getbasetemp()
    return base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base


SITE_DIR = ROOT / "site"  # where `make test` builds: the very site the workflow then deploys


def log_records(log: str) -> list[tuple[str, str]]:
    """A build log's records: (level, message with its continuation lines)."""
    records: list[tuple[str, str]] = []
    for line in log.splitlines():
        if match := re.match(r"^(DEBUG|INFO|WARNING|ERROR)\s+-\s+(.*)$", line):
            records.append((match[1], match[2]))
        elif records and not line.startswith("Aborted with"):
            records[-1] = (records[-1][0], records[-1][1] + "\n" + line)
    return records


def build_problems(log: str, lesson: str | None = None) -> tuple[list[str], list[str]]:
    """The warnings and errors of a build log, split into those that name `lesson`'s page or
    snippet and the others ("not yours"). Without a lesson, every problem is the caller's."""
    mine, others = [], []
    for level, message in log_records(log):
        if level not in ("WARNING", "ERROR"):
            continue
        names = lesson is None or re.search(rf"(?<![\w-]){re.escape(lesson)}\.(md|py)\b", message)
        (mine if names else others).append(message)
    return mine, others


def selected_lesson(config) -> str | None:
    """The lesson of `pytest --lesson STAGE/SLUG` (make check LESSON=...), normalised, or None."""
    lesson = config.getoption("--lesson", default=None)
    if not lesson:
        return None
    lesson = lesson.strip("/").removesuffix(".md").removesuffix(".py")
    return lesson.removeprefix("docs/").removeprefix("snippets/")


@pytest.fixture(scope="session")
def built_site(tmp_path_factory, request) -> Path:
    """The real site, built strictly once per test run into site/ (the first worker builds, the
    others wait for it); the build's log is kept beside the test run's files. With --lesson,
    problems of other lessons do not fail this lesson's checks: they are reported once, at the
    end, as not yours (the build writes every page even when some fail)."""
    from filelock import FileLock

    shared = _shared_temp(tmp_path_factory)
    log, status = shared / "build.log", shared / "build.status"
    with FileLock(str(shared / "build.lock")):
        if not status.exists():
            done = build_site(ROOT / "mkdocs.yml", SITE_DIR)
            log.write_text(done.stdout)
            status.write_text(str(done.returncode))
    if status.read_text() == "0":
        return SITE_DIR
    lesson = selected_lesson(request.config)
    mine, others = build_problems(log.read_text(), lesson)
    if lesson and not mine and (SITE_DIR / lesson / "index.html").is_file():
        (shared / "not-yours.txt").write_text("\n\n".join(others))
        return SITE_DIR
    first = not (shared / "build.reported").exists()
    (shared / "build.reported").touch()
    shown = "\n".join(mine) if first else f"(the first failing test shows them; log: {log})"
    pytest.fail(f"mkdocs build --strict failed:\n{shown}", pytrace=False)


@pytest.fixture(scope="session")
def build_log(built_site, tmp_path_factory) -> str:
    """What the strict build of `built_site` logged."""
    return (_shared_temp(tmp_path_factory) / "build.log").read_text()


@pytest.fixture(scope="session")
def build_results(built_site, request) -> dict[str, dict]:
    """Each snippet's result as the build recorded it (hooks/runs.py, from the cache): what each
    section printed and drew. Keyed by the path below snippets/ (with --lesson, its own only)."""
    from runs import run_snippets

    lesson = selected_lesson(request.config)
    relatives = [p.relative_to(SNIPPETS).as_posix() for p in sorted(SNIPPETS.rglob("*.py"))]
    if lesson:
        relatives = [f"{lesson}.py"]
    results = run_snippets(relatives)
    failed = {name: result for name, result in results.items() if isinstance(result, str)}
    assert not failed, "\n".join(failed.values())
    return results


def pytest_terminal_summary(terminalreporter, config):
    """What axe could not judge; and with --lesson, once, plainly, that other lessons fail the
    site's build."""
    base = config._tmp_path_factory.getbasetemp()
    _report_undecided_contrast(terminalreporter, base / "axe-incomplete")
    if not selected_lesson(config):
        return
    for folder in (base, base.parent):
        note = folder / "not-yours.txt"
        if note.is_file() and note.read_text().strip():
            problems = note.read_text().split("\n\n")
            files: dict[str, list[str]] = {}
            for problem in problems:
                named = re.search(r"(?:docs|snippets)/[\w./-]+\.(?:md|py)", problem)
                files.setdefault(named[0] if named else "the site", []).append(problem)
            terminalreporter.write_sep("-", "not yours")
            terminalreporter.write_line(
                f"Your lesson's checks ran. The site's strict build also has {len(problems)} "
                f"problem(s) in {len(files)} other file(s); `make test` fails until they are "
                "fixed, but they are not yours:"
            )
            for name, found in files.items():
                first = found[0].splitlines()[0].removeprefix(name).lstrip(":0123456789 ")
                terminalreporter.write_line(f"  not yours: {name} ({len(found)}): {first[:100]}")
            return


@pytest.fixture(scope="session")
def site_url(built_site: Path):
    """The built site served on 127.0.0.1 as a static host serves it: under the path of the
    config's site_url (/roadmap/), with 404.html for a missing page. No trailing slash."""
    with serve(built_site) as url:
        yield url


@contextlib.contextmanager
def serve(site: Path):
    """A built site served on 127.0.0.1 (see `site_url`) while the block runs: its address."""
    handler = functools.partial(_StaticHost, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{SITE_PATH.rstrip('/')}"
    finally:
        server.shutdown()


@pytest.fixture(scope="session")
def renamed_site_url(tmp_path_factory):
    """A small site (tests/mini_site.py) whose lessons.yml moved a lesson: 00-old/renamed is now
    01-demo/lesson, through 00-older/first -> 00-old/renamed. Served like `site_url`."""
    from mini_site import mini_site

    root = tmp_path_factory.mktemp("renamed")
    aliases = {"00-older/first": "00-old/renamed", "00-old/renamed": "01-demo/lesson"}
    config = mini_site(root, lessons=("lesson", "second"), projects=(), aliases=aliases)
    done = build_site(config, root / "site")
    assert done.returncode == 0, done.stdout
    with serve(root / "site") as url:
        yield url


def _site_url() -> str:
    """mkdocs.yml's site_url ("https://deep-learning-roadmap.github.io/roadmap/")."""
    match = re.search(r"^site_url:\s*(\S+)", (ROOT / "mkdocs.yml").read_text(), re.M)
    url = match[1] if match else "http://localhost/"
    return url if url.endswith("/") else url + "/"


SITE_URL = _site_url()
SITE_PATH = urlsplit(SITE_URL).path


class _StaticHost(http.server.SimpleHTTPRequestHandler):
    """Serves the site at SITE_PATH. The sitemap names the pages by their address on the real
    host; here it names them on this one, as it would there (Material's instant navigation only
    follows links to the pages that the sitemap lists, port included)."""

    def translate_path(self, path):
        path = urlsplit(path).path
        if not path.startswith(SITE_PATH):
            return str(Path(self.directory) / "does-not-exist")
        return super().translate_path("/" + path[len(SITE_PATH) :])

    def do_GET(self):
        if urlsplit(self.path).path != SITE_PATH + "sitemap.xml":
            return super().do_GET()
        host, port = self.server.server_address[:2]
        here = f"http://{host}:{port}{SITE_PATH}"
        body = Path(self.translate_path(self.path)).read_text().replace(SITE_URL, here).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/xml")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def send_error(self, code, message=None, explain=None):
        page = Path(self.directory) / "404.html"
        if code != 404 or not page.is_file():
            return super().send_error(code, message, explain)
        body = page.read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def log_message(self, *args):
        pass


def page_sources() -> dict[str, str]:
    """Every page's Markdown by its path under docs/ ("01-linear-algebra/vectors.md"), the
    project pages that hooks/projects.py makes from their snippets included."""
    from projects import page_markdown, project_pages

    pages = {
        p.relative_to(DOCS).as_posix(): p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")
    }
    for uri, relative in project_pages().items():
        pages[uri] = page_markdown((SNIPPETS / relative).read_text(encoding="utf-8"), relative)
    return dict(sorted(pages.items()))


def find_lessons(projects: bool = True) -> list[str]:
    """Every lesson's stable id ("01-linear-algebra/vectors"): a page docs/NN-stage/.../slug.md
    with a twin snippets/NN-stage/.../slug.py (or a project page made from its snippet), in the
    folders' order."""
    from projects import project_pages

    found = []
    for page in sorted(DOCS.glob("[0-9][0-9]-*/**/*.md")):
        relative = page.relative_to(DOCS).with_suffix("")
        if page.name != "index.md" and (SNIPPETS / relative.with_suffix(".py")).is_file():
            found.append(relative.as_posix())
    if projects:
        found += [Path(uri).with_suffix("").as_posix() for uri in project_pages()]
    return sorted(found)


def _report_undecided_contrast(terminalreporter, folder: Path) -> None:
    """The browser tests fail on every contrast axe finds too low; the ones it could not judge
    at all ("incomplete": text over a figure, a single symbol, an element under another) would
    pass silently, so they are counted here, by axe's reason, with a few examples."""
    import json

    reports = (
        [json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))]
        if folder.is_dir()
        else []
    )
    reasons: dict[str, list[str]] = {}
    for report in reports:
        for element, reason in report["undecided"]:
            reasons.setdefault(reason or "no reason given", []).append(
                f"{report['page'] or 'home'}: {element}"
            )
    if not reasons:
        return
    total = sum(len(found) for found in reasons.values())
    terminalreporter.write_sep("-", "contrast axe could not judge")
    terminalreporter.write_line(
        f"{total} element(s) on {len(reports)} page(s) checked; axe could not decide their "
        "contrast (figures' text is checked by the build instead, hooks/figures.py):"
    )
    for reason, found in sorted(reasons.items(), key=lambda item: -len(item[1])):
        terminalreporter.write_line(f"  {len(found):4d}  {reason}: e.g. {found[0][:90]}")


# Headless, and quiet on a closed network: no background requests to Google's hosts.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


RESULTS = Path(os.environ.get("TEST_RESULTS", ROOT / "test-results"))


def find_chromium() -> str | None:
    """A Chromium to drive: $CHROMIUM, or one on the PATH."""
    for candidate in (os.environ.get("CHROMIUM"), "chromium", "chromium-browser", "google-chrome"):
        if candidate and (found := shutil.which(candidate)):
            return found
    return None


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    """Keep each phase's report on the test, so a fixture can tell that its test failed."""
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


# --- one lesson's checks: pytest --lesson 03-deep-learning-basics/pooling (make check LESSON=...) ---

# Whole-site checks that are cheap once the site is built, and that a new lesson can break.
SITE_CHECKS = {
    "test_site_builds_strictly",
    "test_pages_and_snippets_pair_both_ways",
    "test_ruff_check_and_format",
    "test_every_published_lesson_id_still_leads_to_a_lesson",
    "test_every_executed_block_shows_real_output",
    "test_stage_pages_list_the_navs_lessons",
    "test_docs_has_no_orphan_assets",
}


def pytest_addoption(parser):
    parser.addoption(
        "--lesson",
        metavar="STAGE/SLUG",
        help="run only the checks of one lesson (and the cheap whole-site ones), as make check does",
    )


# The tests that need the built site wait for it (the first of them builds it). Those that do
# not run first, so that while one worker builds, the others have work; the scaffold test, the
# longest, leads the ones that wait.
SITE_FIXTURES = {"built_site", "build_results", "site_url"}
FIRST_OF_THE_SITE_TESTS = {"test_a_scaffolded_lesson_builds_and_passes_its_checks"}


def _order(item) -> int:
    if not SITE_FIXTURES & set(getattr(item, "fixturenames", ())):
        return 0
    return 1 if item.originalname in FIRST_OF_THE_SITE_TESTS else 2


def pytest_collection_modifyitems(config, items):
    items.sort(key=_order)  # stable: the files' own order within each group
    lesson = selected_lesson(config)
    if not lesson:
        return
    if lesson not in find_lessons():
        raise pytest.UsageError(
            f"--lesson {lesson}: no such lesson (docs/{lesson}.md with its snippet)"
        )
    keep, drop = [], []
    for item in items:
        params = (
            "/".join(str(v) for v in getattr(item, "callspec", None).params.values())
            if hasattr(item, "callspec")
            else ""
        )
        mine = re.search(rf"(?<![\w-]){re.escape(lesson)}(?![\w-])", params + " " + item.nodeid)
        (keep if mine or item.originalname in SITE_CHECKS else drop).append(item)
    config.hook.pytest_deselected(items=drop)
    items[:] = keep


# --- the browser: one per test session, a fresh context (empty localStorage) per test; the sweep of
# every page shares one tab, emptied between pages -------------------------------------------------


def chromium_or_fail() -> str:
    chromium = find_chromium()
    if chromium is None:
        pytest.fail(
            "The browser tests need Chromium and found none: install it (Debian/Ubuntu: "
            "`apt-get install chromium`) or point CHROMIUM=/path/to/chromium at one.",
            pytrace=False,
        )
    return chromium


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    executable = chromium_or_fail()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _context(browser, **options):
    """A fresh profile: the tests' viewport and time-out, and nothing may leave 127.0.0.1 (a
    request to any other host is cut off, and reported by the tests that watch requests)."""
    options.setdefault("viewport", {"width": 1280, "height": 900})
    context = browser.new_context(**options)
    context.set_default_timeout(10_000)
    context.route(lambda url: urlsplit(url).hostname != "127.0.0.1", lambda route: route.abort())
    return context


def _screenshot_on_failure(request, contexts) -> None:
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        RESULTS.mkdir(exist_ok=True)
        name = re.sub(r"[^\w.-]+", "_", request.node.name)
        for i, context in enumerate(contexts):
            for j, page in enumerate(context.pages):
                path = RESULTS / f"{name}-{i}-{j}.png"
                page.screenshot(path=str(path), full_page=True)
                print(f"screenshot of {page.url}: {path}")


@pytest.fixture
def new_context(browser, request):
    """Make browser contexts (fresh profiles); on failure, screenshot every page they hold."""
    contexts = []

    def make(**options):
        contexts.append(_context(browser, **options))
        return contexts[-1]

    yield make
    _screenshot_on_failure(request, contexts)
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def _sweep_tabs(browser):
    tabs = []
    yield tabs
    for tab in tabs:
        tab.context.close()


@pytest.fixture
def sweep_page(browser, _sweep_tabs, request):
    """One tab that the tests of every page (the sweep) share, one page after the other: it
    keeps its renderer process, which halves the cost of each page load (a new profile per page
    starts a new one). Each test leaves the profile as it found it, empty: storage cleared (the
    palette choice with it), nothing loaded; a failing test leaves a screenshot, and a tab that
    cannot be emptied is closed for a new one."""
    if not _sweep_tabs or _sweep_tabs[-1].is_closed():
        _sweep_tabs.append(_context(browser).new_page())
    tab = _sweep_tabs[-1]
    yield tab
    _screenshot_on_failure(request, [tab.context])
    try:
        tab.evaluate("try { localStorage.clear(); sessionStorage.clear(); } catch (e) {}")
        tab.goto("about:blank")
    except Exception:  # noqa: BLE001 - a crashed or stuck tab: the next test gets a new one
        tab.context.close()


@pytest.fixture
def page(new_context):
    return new_context().new_page()
