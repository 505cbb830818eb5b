"""Tests of the tests: every check in the suite is shown to fail on a broken example.

A check that cannot fail is a defect. Each case below breaks one thing on purpose and asserts
that the check catches it with a message naming the file.
"""

from __future__ import annotations

import errno
import html
import json
import logging
import os
import re
import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import cache
import dirty
import figures
import pytest
import render
import runs
from checks import build_output, page_output_problems, ruff_problems, run_problems
from conftest import ROOT, build_site, log_records, namespaces_or_skip
from live_target import confinement_problems, host_netns, probe
from mini_site import mini_site, replace, write
from rules import hidden_lines, layout_problems, pairing, stray_python_fences


@pytest.fixture
def build_runner(tmp_path, monkeypatch):
    """The build's runner (fork server, cache) pointed at a temporary snippets/ folder."""
    monkeypatch.setattr(runs, "SNIPPETS", tmp_path / "snippets")
    monkeypatch.setattr(cache, "CACHE", tmp_path / "cache")
    monkeypatch.setattr(runs, "TIMEOUT", 3)  # every snippet of these tests takes well under 1 s

    def run(name: str, source: str) -> tuple[Path, dict | str]:
        path = write(tmp_path / "snippets" / name, source)
        return path, runs.run_snippets([name])[name]

    return run


# --- running snippets -----------------------------------------------------------------------------

BROKEN_SNIPPETS = {
    # case: (source, what the error says)
    "raises": ("print('hello')\nraise ValueError('broken on purpose')\n", "ValueError"),
    "warns": ("import warnings\nwarnings.warn('deprecated on purpose')\n", "stderr"),
    "hangs": ("import time\ntime.sleep(30)\n", "did not finish within 3 s"),
    "prints too much": ("print('x' * 300_000)\n", "printed more than 256 KB"),
    "writes a file over the cap": ("open('big', 'wb').write(b'x' * (65 * 2**20))\n", "64 MB"),
}


@pytest.mark.parametrize("isolation", ["namespaces", "shim"])
@pytest.mark.parametrize("case", sorted(BROKEN_SNIPPETS))
def test_a_broken_snippet_fails_the_build_and_the_plain_run(
    case, isolation, build_runner, monkeypatch
):
    if isolation == "shim":
        monkeypatch.setenv("ROADMAP_ISOLATION", "shim")
    else:
        namespaces_or_skip()
    source, expected = BROKEN_SNIPPETS[case]
    path, result = build_runner("broken.py", source)
    assert isinstance(result, str) and "snippets/broken.py" in result, result
    problems = run_problems(path, None, timeout=3)
    assert problems and str(path) in problems[0], problems
    for message in (result, problems[0]):
        assert expected in message, message


# --- the network is out of reach: proved against a target that is reachable ------------------------

BUILD_PATH = """
import pathlib, sys, tempfile
sys.path[:0] = [{hooks!r}]
import cache, runs
folder = pathlib.Path(tempfile.mkdtemp())
(folder / "snippets").mkdir()
(folder / "snippets" / "probe.py").write_text({probe!r})
runs.SNIPPETS, cache.CACHE = folder / "snippets", folder / "cache"
result = runs.run_snippets(["probe.py"])["probe.py"]
print(result if isinstance(result, str) else result["sections"][""]["stdout"])
"""


@pytest.mark.parametrize("isolation", ["namespaces", "shim"])
@pytest.mark.parametrize("path", ["plain run", "build"])
def test_a_snippet_cannot_reach_a_live_target(live_target, path, isolation, tmp_path):
    """`python FILE` through the sandbox's launcher, and the build's fork server: with its own
    network namespace (ENETUNREACH, in a namespace that is not the host's) or the socket shim
    (its own message), never the target that an unconfined process reaches."""
    env = {**os.environ, **({"ROADMAP_ISOLATION": "shim"} if isolation == "shim" else {})}
    script = write(tmp_path / "probe.py", probe(live_target.port))
    if path == "plain run":
        command = [
            sys.executable,
            str(ROOT / "hooks" / "sandbox.py"),
            "--",
            sys.executable,
            str(script),
        ]
    else:
        code = BUILD_PATH.format(hooks=str(ROOT / "hooks"), probe=script.read_text())
        command = [sys.executable, "-c", code]
    done = live_target.run(command, env=env)
    problems = confinement_problems(done.stdout, isolation, path)
    assert not problems, "\n".join(problems) + done.stderr


@pytest.mark.parametrize("isolation", ["namespaces", "shim"])
def test_the_confinement_checks_catch_a_run_that_reaches_the_target(live_target, isolation):
    """The same checks on a run that was not confined at all: they fail it."""
    done = live_target.run([sys.executable, "-c", probe(live_target.port)])
    assert confinement_problems(done.stdout, isolation, "unconfined")
    refused_on_the_host = f"netns {host_netns()}\nrefused {errno.ENETUNREACH} [Errno 101] x\n"
    assert confinement_problems(refused_on_the_host, "namespaces", "x"), "same namespace passed"


def test_a_nondeterministic_snippet_prints_other_output_than_the_build(build_runner):
    path, result = build_runner("dice.py", "import random\nprint(random.random())\n")
    problems = run_problems(path, build_output(result), timeout=10)
    assert problems and "printed something else than the build's run" in problems[0]


def test_a_time_may_differ_between_runs_and_nothing_else(build_runner):
    """A duration the code prints ("0.038 s") changes from run to run; the comparison lets it,
    and only it."""
    from checks import without_durations

    assert without_durations("forward 0.038 s, 12 ms, 3 seconds") == "forward # s, # ms, # seconds"
    assert without_durations("loss 0.038, 3 steps, 2 images") == "loss 0.038, 3 steps, 2 images"
    source = (
        "import time\nt = time.perf_counter()\nprint(f'took {time.perf_counter() - t:.6f} s')\n"
    )
    path, result = build_runner("timed.py", source)
    assert not run_problems(path, build_output(result), timeout=10)


def test_set_order_that_depends_on_the_hash_seed_is_caught(build_runner):
    source = "print(list({'alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta'}))\n"
    path, result = build_runner("sets.py", source)
    outputs = {tuple(run_problems(path, build_output(result), timeout=10)) for _ in range(4)}
    assert any(outputs), "four plain runs all matched the build's set order"


LEFTOVER = """
import subprocess, sys, time
beat = "import sys, time\\nwhile True:\\n    open(sys.argv[1], 'w').write(repr(time.time()))\\n    time.sleep(0.05)"
subprocess.Popen([sys.executable, "-c", beat, {target!r}], start_new_session=True)
time.sleep(0.5)  # the heartbeat has started
print("started a process that would go on beating")
"""


def stopped_beating(heartbeat: Path) -> bool:
    """Whether the heartbeat file exists (the process started) and its time no longer changes."""
    import time

    if not heartbeat.is_file():
        return False
    first = heartbeat.read_text()
    time.sleep(0.3)
    return heartbeat.read_text() == first


@pytest.mark.parametrize("isolation", ["namespaces", "shim"])
def test_nothing_a_snippet_started_survives_it(isolation, tmp_path, build_runner, monkeypatch):
    """A snippet starts a process that writes the time to a file every 50 ms, for ever. After
    the build's run, and after the plain run, the time in the file must have stopped changing."""
    if isolation == "shim":
        monkeypatch.setenv("ROADMAP_ISOLATION", "shim")
        # Under the shim only the process group is killed: a child that left the group (as
        # this one does with a new session) is out of reach. Check the group case there.
        source = LEFTOVER.replace("start_new_session=True", "start_new_session=False")
    else:
        namespaces_or_skip()
        source = LEFTOVER
    heartbeat = tmp_path / "heartbeat.txt"
    path, result = build_runner("leaves.py", source.format(target=str(heartbeat)))
    assert not isinstance(result, str), result
    assert stopped_beating(heartbeat), "a process the snippet started outlived the build's run"
    heartbeat.unlink()
    assert not run_problems(path, build_output(result), timeout=10)
    assert stopped_beating(heartbeat), "a process the snippet started outlived the plain run"


def test_the_survivor_check_sees_a_survivor(tmp_path):
    """The same check on a process nobody stops: it says so."""
    heartbeat = tmp_path / "heartbeat.txt"
    beat = "import sys, time\nwhile True:\n    open(sys.argv[1], 'w').write(repr(time.time()))\n    time.sleep(0.05)"
    process = subprocess.Popen([sys.executable, "-c", beat, str(heartbeat)])
    try:
        import time

        time.sleep(0.5)
        assert not stopped_beating(heartbeat)
    finally:
        process.kill()
        process.wait()


def test_a_snippet_runs_in_a_throwaway_folder(build_runner):
    path, result = build_runner(
        "cwd.py", "import os\nopen('left.txt', 'w').write('x')\nprint('ok')\n"
    )
    assert not isinstance(result, str), result
    assert not run_problems(path, build_output(result))
    assert not (path.parent / "left.txt").exists() and not (ROOT / "left.txt").exists()


def test_the_cache_follows_a_data_file_the_snippet_reads(build_runner, tmp_path):
    data = write(tmp_path / "snippets" / "data.txt", "first\n")
    source = f"print(open({str(data)!r}).read().strip())\n"
    monkeypatch_root = pytest.MonkeyPatch()
    monkeypatch_root.setattr(runs, "ROOT", tmp_path)
    try:
        _, first = build_runner("reads.py", source)
        assert first["sections"][""]["stdout"] == "first\n" and first["data"], first
        data.write_text("second\n")
        _, second = build_runner("reads.py", source)
        assert second["sections"][""]["stdout"] == "second\n", "the cache served a stale result"
    finally:
        monkeypatch_root.undo()


def test_the_cache_key_changes_with_everything_that_changes_a_run(tmp_path, monkeypatch):
    """A library, Python, the platform, the settings or the isolation changed: another key, so
    no result of one is served for another (a shim run never reuses a namespace run's)."""
    snippet = write(tmp_path / "a.py", "print(1)\n")
    env = dict(runs.SNIPPET_ENV)
    versions = dict(cache._versions())
    base = cache.cache_key(snippet, env)
    assert cache.cache_key(snippet, env) == base  # the same run: the same key
    changes = {
        "a library version": lambda: monkeypatch.setitem(
            cache._environment, "value", {**versions, "dist:numpy": "0.0.1"}
        ),
        "Python": lambda: monkeypatch.setitem(
            cache._environment, "value", {**versions, "python": "3.99.0"}
        ),
        "the platform": lambda: monkeypatch.setitem(
            cache._environment, "value", {**versions, "platform": "Other-1.0"}
        ),
        "the isolation": lambda: monkeypatch.setenv("ROADMAP_ISOLATION", "shim"),
    }
    for what, change in changes.items():
        with monkeypatch.context():
            change()
            assert cache.cache_key(snippet, env) != base, f"{what} changed, the key did not"
    assert cache.cache_key(snippet, {**env, "OMP_NUM_THREADS": "2"}) != base, "the settings"
    write(tmp_path / "a.py", "print(2)\n")
    assert cache.cache_key(snippet, env) != base, "the snippet changed, the key did not"


def test_a_truncated_cache_entry_is_a_miss(build_runner, tmp_path):
    _, first = build_runner("fine.py", "print('fine')\n")
    entries = list((tmp_path / "cache").glob("fine-*.json"))
    assert len(entries) == 1, entries
    entries[0].write_text(entries[0].read_text()[:20])
    _, again = build_runner("fine.py", "print('fine')\n")
    assert again["sections"][""]["stdout"] == "fine\n"
    assert json.loads(entries[0].read_text())["sections"], "the truncated entry was not rewritten"


def test_a_figure_with_text_too_faint_to_read_fails_the_build(build_runner):
    """axe does not measure the text of a figure (`role="img"`): the build itself refuses text
    that a reader cannot read (the tensors lesson's broadcasting figure had some)."""
    source = """
        # --8<-- [start:figure]
        import matplotlib.pyplot as plt

        fig, ax = plt.subplots()
        ax.text(0.2, 0.5, "10", alpha=1)
        ax.text(0.6, 0.5, "20", alpha=0.45)
        plt.show()
        # --8<-- [end:figure]
        """
    _, result = build_runner("figure.py", source)
    assert not isinstance(result, str), result
    drawn = result["sections"]["figure"]["figures"]
    problems = []
    render.render_block(["x"], [], drawn, {"alt": "two numbers"}, "", "a.md", problems)
    assert len(problems) == 1, problems
    assert re.search(
        r"a\.md: figure 1 draws 1 text\(s\) too faint.*'20' at opacity 0\.45", problems[0]
    )
    readable = drawn[0].replace("opacity: 0.45", "opacity: 0.8")
    render.render_block(["x"], [], [readable], {"alt": "two numbers"}, "", "a.md", problems)
    assert len(problems) == 1, problems


@pytest.mark.parametrize("fence", ["```", "~~~", "````"])
def test_output_check_fails_when_the_page_shows_other_output(fence):
    markdown = f'{fence}python exec="on"\n--8<-- "01-x/a.py:hello"\n{fence}\n'
    results = {"01-x/a.py": {"sections": {"hello": {"stdout": "the real output\n"}}}}
    block = '<span class="filename">Output</span><pre><code>{}</code></pre>'
    assert not page_output_problems(markdown, block.format("the real output"), results, "a.md")
    for stale in ("an old output", "the real output\nand more", "the real"):
        problems = page_output_problems(markdown, block.format(stale), results, "a.md")
        assert problems and "a.md" in problems[0], stale
    assert page_output_problems(markdown, "<p>no output block</p>", results, "a.md")


BROKEN_SECTIONS = {
    "code outside a section": "import math\n# --8<-- [start:a]\nx = 1\n# --8<-- [end:a]\n",
    "indented marker": "if True:\n    # --8<-- [start:a]\n    x = 1\n    # --8<-- [end:a]\n",
    "duplicate name": "# --8<-- [start:a]\n# --8<-- [end:a]\n# --8<-- [start:a]\n# --8<-- [end:a]\n",
    "never closed": "# --8<-- [start:a]\nx = 1\n",
    "name with a digit first": "# --8<-- [start:1a]\nx = 1\n# --8<-- [end:1a]\n",
    "name with a hyphen": "# --8<-- [start:a-b]\nx = 1\n# --8<-- [end:a-b]\n",
}


@pytest.mark.parametrize("case", sorted(BROKEN_SECTIONS))
def test_section_check_fails_on(case, tmp_path):
    snippet = write(tmp_path / "lesson.py", BROKEN_SECTIONS[case])
    problems = layout_problems(snippet)
    assert problems and str(snippet) in problems[0], problems


# --- pages ----------------------------------------------------------------------------------------


def test_hidden_line_check_fails_on_a_section_the_page_never_shows(tmp_path):
    snippets = tmp_path / "snippets"
    snippet = write(
        snippets / "01-x" / "lesson.py",
        """
        # --8<-- [start:shown]
        print("shown")
        # --8<-- [end:shown]
        # --8<-- [start:hidden]
        print("runs, but the reader never sees it")
        # --8<-- [end:hidden]
        """,
    )
    page = write(
        tmp_path / "docs" / "01-x" / "lesson.md",
        '```python exec="on"\n--8<-- "01-x/lesson.py:shown"\n```\n',
    )
    problems = hidden_lines(page.read_text(), snippet, snippets, str(page))
    assert len(problems) == 1 and "'hidden'" in problems[0] and str(snippet) in problems[0]


def test_stray_fence_check_fails_on_python_typed_into_a_page(tmp_path):
    page = write(tmp_path / "page.md", "Text.\n\n```python\nprint('typed by hand')\n```\n")
    problems = stray_python_fences(page.read_text(), str(page))
    assert problems and f"{page}:3" in problems[0]


def test_stray_fence_check_finds_fences_nested_in_admonitions(tmp_path):
    page = write(tmp_path / "page.md", '??? note "x"\n\n    ```py\n    x = 1\n    ```\n')
    assert stray_python_fences(page.read_text(), str(page))


@pytest.mark.parametrize(
    "case", ["snippet without page", "page runs another snippet", "code without twin"]
)
def test_pairing_check_fails_on(case, tmp_path):
    docs, snippets = tmp_path / "docs", tmp_path / "snippets"
    write(snippets / "01-x" / "a.py", "# --8<-- [start:s]\n# --8<-- [end:s]\n")
    write(docs / "01-x" / "a.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    assert not pairing(docs, snippets)
    if case == "snippet without page":
        write(snippets / "01-x" / "b.py", "x = 1\n")
    elif case == "page runs another snippet":
        write(snippets / "01-x" / "b.py", "x = 1\n")
        write(docs / "01-x" / "b.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    else:
        write(docs / "01-x" / "c.md", '```python exec="on"\n--8<-- "01-x/a.py:s"\n```\n')
    assert pairing(docs, snippets)


def test_ruff_check_fails_on_lint_and_format_errors(tmp_path):
    write(tmp_path / "bad.py", "import os\nx = [1,2,\n  3]\n")
    problems = ruff_problems(tmp_path)
    assert len(problems) == 2 and "F401" in problems[0] and "bad.py" in problems[1]


# --- the strict build -----------------------------------------------------------------------------


def test_the_unbroken_mini_site_builds(tmp_path):
    config = mini_site(tmp_path)
    done = build_site(config, tmp_path / "site")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "hello" in (tmp_path / "site" / "01-demo" / "lesson" / "index.html").read_text()
    project = (tmp_path / "site" / "01-demo" / "project" / "index.html").read_text()
    assert "answer=42" in project and "answer</span> <span" in project  # output, and code shown
    assert "The answer is 42." in project  # a value filled in from the run
    solution = project[project.index("<details") : project.index("</details>")]
    assert "<summary>Solution</summary>" in solution and "remainder=0" in solution  # folded
    assert "remainder=0" not in project.replace(solution, "")
    notebook = (tmp_path / "site" / "notebooks" / "01-demo" / "project.ipynb").read_text()
    assert "The answer is 42." in notebook


BREAKAGES = {
    # case: (file to edit, old, new, what a warning or an error of the build must say); each case
    # gets its own lesson (or project) {x}: docs/01-demo/{x}.md, snippets/01-demo/{x}.py
    "a snippet that raises": (
        "snippets/{x}.py",
        "print(greeting)",
        "print(greeting)\nraise RuntimeError('boom')",
        r'snippets/{x}\.py", line 4.*RuntimeError: boom',
    ),
    "a project cell that raises": (
        "snippets/{x}.py",
        'print(f"answer={answer}")',
        'print(f"answer={answer}")\nraise RuntimeError("boom")',
        r'snippets/{x}\.py", line 14.*RuntimeError: boom',
    ),
    "an invented number in a project": (
        "snippets/{x}.py",
        "# A project page.",
        "# A project page with 17 cells.",
        r"snippets/{x}\.py:9: the number 17 is neither printed",
    ),
    "a measured number written as a literal in a project": (
        "snippets/{x}.py",
        "# A project page.",
        "# A project page that prints 42.",
        r"snippets/{x}\.py:9: the number 42 is only printed by the code.*write \{glue\}`answer` instead",
    ),
    "a placeholder that names no printed value in a project": (
        "snippets/{x}.py",
        "# The answer is {glue}`answer`.",
        "# The answer is {glue}`question`.",
        r"snippets/{x}\.py:16: \{glue\}`question`: the code prints no number right after 'question'",
    ),
    "a project figure without alt text": (
        "snippets/{x}.py",
        'print(f"answer={answer}")',
        'print(f"answer={answer}")\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()',
        r"snippets/{x}\.py:11: this block shows a figure.*alt=",
    ),
    "an include of a missing file": (
        "docs/{x}.md",
        "01-demo/{s}.py:hello",
        "01-demo/missing.py:hello",
        r"docs/{x}\.md:4.*missing\.py",
    ),
    "an include of a missing section": (
        "docs/{x}.md",
        "{s}.py:hello",
        "{s}.py:goodbye",
        r"docs/{x}\.md:4.*no section 'goodbye'",
    ),
    "a plain include of a missing file": (
        "docs/{x}.md",
        "## Summary",
        '## Summary\n\n```python\n--8<-- "01-demo/missing.py"\n```',
        r"docs/{x}\.md:12.*missing\.py",
    ),
    "a plain include of a missing section": (
        "docs/{x}.md",
        "## Summary",
        '## Summary\n\n```python\n--8<-- "01-demo/{s}.py:goodbye"\n```',
        r"docs/{x}\.md:12.*no section 'goodbye'",
    ),
    "a broken link": (
        "docs/{x}.md",
        "../index.md#roadmap",
        "../missing.md",
        r"{x}\.md.*missing\.md",
    ),
    "a broken anchor": (
        "docs/{x}.md",
        "../index.md#roadmap",
        "../index.md#nowhere",
        r"{x}\.md.*nowhere",
    ),
    "a page missing from nav": (
        "mkdocs.yml",
        "  - {x}.md\n",
        "",
        r"not included in the \"nav\".*{x}\.md",
    ),
    "a figure without alt text": (
        "snippets/{x}.py",
        "print(greeting)",
        "print(greeting)\nimport matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.show()",
        r"docs/{x}\.md:3.*alt=",
    ),
    "a section name with a hyphen": (
        "snippets/{x}.py",
        "[start:hello]",
        "[start:hello-there]",
        r"snippets/{x}\.py:1: section name 'hello-there' must be snake_case",
    ),
    "a section name with a hyphen, included": (
        "snippets/{x}.py",
        '# --8<-- [start:hello]\ngreeting = "hello"\nprint(greeting)\n# --8<-- [end:hello]',
        '# --8<-- [start:say-hello]\ngreeting = "hello"\nprint(greeting)\n# --8<-- [end:say-hello]',
        r"snippets/{x}\.py:1: section name 'say-hello' must be snake_case",
    ),
    "an invented number": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nThe greeting has 17 letters.",
        r"docs/{x}\.md:11: the number 17 is neither printed",
    ),
    "a placeholder on a lesson that names no printed value": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nThe greeting is {glue}`greeting` letters long.",
        r"docs/{x}\.md:11: \{glue\}`greeting`: the code prints no number right after 'greeting'",
    ),
    "Python typed into a page": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\n```python\nprint('typed')\n```",
        r"docs/{x}\.md:11: Python code must come from snippets/",
    ),
    "a section the page never shows": (
        "snippets/{x}.py",
        "# --8<-- [end:hello]",
        "# --8<-- [end:hello]\n# --8<-- [start:unseen]\nx = 1\n# --8<-- [end:unseen]",
        r"{x}\.py:5: section 'unseen' is never shown",
    ),
    "a hand-written next lesson line": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nNext lesson: [the roadmap](../index.md)",
        r"docs/{x}\.md: remove its 'Next lesson:' line: the build writes it from the nav",
    ),
    "a prose link that calls another page the next lesson": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nGo on with [the fine one](fine.md), the next lesson.",
        r"docs/{x}\.md: calls fine\.md 'the next lesson', but the nav puts 01-demo/\S+ next",
    ),
    "bad TeX": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nThe sum $\\left( x$ is broken.",
        r"docs/{x}\.md: cannot render the formula .*left\( x",
    ),
    "a control character": (
        "docs/{x}.md",
        "## Summary",
        "## Summary\n\nAbout $a \x07pprox b$.",
        r"docs/{x}\.md:11: control character U\+0007",
    ),
    "a project snippet that also has a docs page": (
        "docs/{x}.md",
        "",
        "# A page of its own\n",
        r"snippets/{x}\.py: is a project page \(notebook cells\), so \S*docs/{x}\.md must not exist",
    ),
    "an alias that leads nowhere": (
        "lessons.yml",
        "aliases: {}",
        "aliases:\n  00-old/gone: 01-demo/nowhere",
        r"lessons\.yml: alias 00-old/gone -> 01-demo/nowhere leads to no lesson",
    ),
    "a lesson without its Run it yourself section": (
        "docs/{x}.md",
        "## Run it yourself",
        "## Try it",
        r"docs/{x}\.md.*Run it yourself",
    ),
}


def _slug(case: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", case.lower()).strip("-")


@pytest.fixture(scope="module")
def broken_build(tmp_path_factory):
    """One strict build of a mini site where every case of BREAKAGES breaks its own page."""
    root = tmp_path_factory.mktemp("broken")
    projects = [_slug(c) for c in BREAKAGES if "project" in c]
    lessons = [_slug(c) for c in BREAKAGES if _slug(c) not in projects]
    config = mini_site(root, lessons=["fine", *lessons], projects=projects)
    for case, (target, old, new, _) in BREAKAGES.items():
        slug = _slug(case)
        fill = {"{x}": f"01-demo/{slug}", "{s}": slug}
        for key, value in fill.items():
            target, old, new = (t.replace(key, value) for t in (target, old, new))
        replace(root / target, old, new)
    done = build_site(config, root / "site")
    return done, log_records(done.stdout + done.stderr), root


@pytest.mark.parametrize("case", sorted(BREAKAGES))
def test_strict_build_fails_naming_the_file_on(case, broken_build):
    done, records, _ = broken_build
    assert done.returncode != 0, "the build passed despite every breakage"
    expected = BREAKAGES[case][3].replace("{x}", f"01-demo/{_slug(case)}")
    said = [message for level, message in records if level in ("WARNING", "ERROR")]
    assert any(re.search(expected, message, re.S) for message in said), (
        f"no warning or error of the build says /{expected}/ for {case}:\n" + "\n".join(said)
    )


def test_one_build_reports_every_problem_and_still_writes_every_page(broken_build):
    """One broken lesson does not stop the build: every case above was reported by the same
    build, and every page was written (a page whose code failed shows the failure)."""
    done, records, root = broken_build
    assert "Aborted with" in done.stdout and "in strict mode" in done.stdout
    fine = (root / "site" / "01-demo" / "fine" / "index.html").read_text()
    assert "hello" in fine and "snippet-failure" not in fine
    raises = (root / "site" / "01-demo" / _slug("a snippet that raises") / "index.html").read_text()
    assert "This code failed when the site was built" in raises and "RuntimeError: boom" in raises


def test_a_failing_snippet_leaves_the_rest_of_the_site_served(tmp_path):
    """As `make serve` builds (not strict): the site builds, the failing lesson's page shows
    its traceback in place of its output, and the other lesson is untouched."""
    config = mini_site(tmp_path, lessons=("broken", "fine"), projects=())
    replace(
        tmp_path / "snippets/01-demo/broken.py", "print(greeting)", "raise RuntimeError('boom')"
    )
    done = build_site(config, tmp_path / "site", strict=False)
    assert done.returncode == 0, done.stdout
    broken = html.unescape((tmp_path / "site" / "01-demo" / "broken" / "index.html").read_text())
    assert 'broken.py", line 3' in broken and "RuntimeError: boom" in broken
    assert "hello" in (tmp_path / "site" / "01-demo" / "fine" / "index.html").read_text()


HOSTILE = """
# --8<-- [start:hello]
import matplotlib.pyplot as plt

print("before")
print("```")
print('<img src="x" onerror="alert(1)"><script>alert(2)</script>')
print("``` and after")
fig, ax = plt.subplots()
ax.plot([1, 2])
fig.text(0.5, 0.5, "click", url="javascript:alert(3)")
ax.set_title("title", url="https://example.com/x")
plt.show()
# --8<-- [end:hello]
"""


def markup_of(html: str) -> list[tuple[str, list]]:
    """Every element of an HTML fragment: (tag, [(attribute, value), ...])."""
    from html.parser import HTMLParser

    found = []

    class Collect(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    Collect().feed(html)
    return found


def test_what_a_snippet_prints_or_draws_never_becomes_markup(tmp_path):
    config = mini_site(tmp_path)
    write(tmp_path / "snippets" / "01-demo" / "lesson.py", HOSTILE)
    replace(
        tmp_path / "docs" / "01-demo" / "lesson.md",
        '```python exec="on"',
        '```python exec="on" alt="A line with a link that must not survive."',
    )
    done = build_site(config, tmp_path / "site")
    assert done.returncode == 0, done.stdout
    page = (tmp_path / "site" / "01-demo" / "lesson" / "index.html").read_text()
    article = page[page.index("<article") : page.index("</article>")]
    elements = markup_of(article)
    assert not [tag for tag, _ in elements if tag in {"script", "img", "foreignobject"}], elements
    attributes = [name for _, attrs in elements for name, _ in attrs]
    assert not [name for name in attributes if name.startswith("on")], attributes
    links = [value for _, attrs in elements for name, value in attrs if name.endswith("href")]
    assert not [v for v in links if "javascript" in v or "example.com" in v], links
    assert "<figure" in article and "click" in article  # the figure is still there
    from checks import shown_output_blocks

    shown = shown_output_blocks(article)
    assert shown == [
        'before\n```\n<img src="x" onerror="alert(1)"><script>alert(2)</script>\n``` and after'
    ], shown


def test_sanitising_keeps_drawing_and_drops_everything_else():
    svg = (
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" '
        'onload="alert(1)"><script>alert(2)</script><foreignObject><p>x</p></foreignObject>'
        '<a xlink:href="javascript:alert(3)"><text>t</text></a><a href="#ok"><path d="M0 0"/></a>'
        '<image xlink:href="data:image/png;base64,AAAA"/><image href="https://example.com/i.png"/>'
        "<style>@import url(https://example.com/a.css); .x{fill:red}</style>"
        '<rect style="fill:url(https://example.com/p)" onclick="x()"/></svg>'
    )
    clean = figures.sanitise_svg(svg)
    for banned in ("alert", "script", "foreignObject", "javascript", "example.com", "onclick"):
        assert banned not in clean, (banned, clean)
    for kept in ('href="#ok"', "data:image/png;base64,AAAA", "<path", "<text", ".x{fill:red}"):
        assert kept in clean, (kept, clean)


def test_two_builds_at_once_share_one_cache_and_both_succeed(tmp_path):
    """`make serve` while `make test` runs: two builds of one checkout, one cache, at once."""
    config = mini_site(tmp_path)
    cache = tmp_path / "shared-cache"
    env = {"ROADMAP_CACHE": str(cache)}
    with ThreadPoolExecutor(2) as pool:
        builds = list(
            pool.map(lambda n: build_site(config, tmp_path / f"site{n}", env=env), (1, 2))
        )
    for done in builds:
        assert done.returncode == 0, done.stdout + done.stderr
    first, second = (
        (tmp_path / f"site{n}" / "01-demo" / "lesson" / "index.html").read_text() for n in (1, 2)
    )
    assert "hello" in first and first == second
    assert not list(cache.glob("*.tmp*")), "a temporary cache file was left behind"


def test_a_build_that_outlasts_its_time_fails_with_its_own_log(tmp_path):
    config = mini_site(tmp_path)
    replace(
        tmp_path / "snippets/01-demo/lesson.py",
        "print(greeting)",
        "print(greeting)\nimport time\ntime.sleep(60)",
    )
    done = build_site(config, tmp_path / "site", timeout=8)  # mkdocs starts in about 2 s
    assert done.returncode != 0
    assert "did not finish within 8 s" in done.stdout and "Building documentation" in done.stdout


def test_an_edited_hook_says_that_make_serve_needs_a_restart(monkeypatch, tmp_path):
    hooks = tmp_path / "hooks"
    shutil.copytree(ROOT / "hooks", hooks)
    monkeypatch.setattr(dirty, "HOOKS", hooks)
    dirty.remember_hooks(dirty=True)
    dirty.warn_if_hooks_changed()  # nothing changed: nothing said
    (hooks / "maths.py").write_text((hooks / "maths.py").read_text() + "\n# edited\n")
    records = []
    handler = logging.Handler()
    handler.emit = records.append
    dirty.log.addHandler(handler)
    try:
        dirty.warn_if_hooks_changed()
    finally:
        dirty.log.removeHandler(handler)
    assert [r.levelname for r in records] == ["WARNING"]
    assert "hooks/maths.py changed" in records[0].getMessage()
    assert "restart" in records[0].getMessage()


def test_a_run_anchor_without_its_code_block_fails_naming_the_page():
    """hooks/in_browser.py writes a Run bar after the code block that follows each anchor; if
    none follows, the build fails naming the page, and publishes no bar with no code. A block
    whose code failed shows its error there instead: no bar, and no second message."""
    import in_browser
    import render

    blocks = [{"data-run-block": "0", "data-run-sections": "setup"}]
    html_text, problems = in_browser.with_controls(
        "<p>RUNANCHOR0X</p>\n<p>No code here.</p>", blocks, "docs/01-x/y.md"
    )
    assert problems == [
        "docs/01-x/y.md: block 0 with a Run button has no code block after its anchor"
    ]
    assert "run-bar" not in html_text and "RUNANCHOR" not in html_text
    failed = "<p>RUNANCHOR0X</p>\n" + render.failure_block("boom")
    html_text, problems = in_browser.with_controls(failed, blocks, "docs/01-x/y.md")
    assert not problems and "run-bar" not in html_text and "RUNANCHOR" not in html_text
    fine = '<p>RUNANCHOR0X</p>\n<div class="highlight"><pre><code>x = 1</code></pre></div>'
    html_text, problems = in_browser.with_controls(fine, blocks, "docs/01-x/y.md")
    assert not problems and in_browser.RUN_BAR in html_text
    # Two blocks in one folded solution, the second an exercise: each block keeps its bar, and
    # the answer box goes before the solution.
    code = '<div class="highlight"><pre><code>{}</code></pre></div>'
    two = f"<details><p>RUNANCHOR0X</p>{code.format('a = 1')}<p>RUNANCHOR1X</p>{code.format('b = a')}</details>"
    exercise = {"data-run-block": "1", "data-run-sections": "exercise_1"}
    exercise |= {"data-run-exercise": "exercise_1", "data-run-needs": "b"}
    html_text, problems = in_browser.with_controls(two, [blocks[0], exercise], "docs/01-x/y.md")
    assert not problems
    assert html_text.startswith('<div class="run-exercise">') and html_text.count("<details>") == 1
    bar = in_browser.RUN_BAR
    assert html_text.index("a = 1") < html_text.index(bar) < html_text.index("b = a")
    assert html_text.endswith(f"b = a</code></pre></div>{bar}</details>")
