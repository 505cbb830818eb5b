"""`make lesson` makes a lesson that builds and passes its checks before a word is written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import cache
from conftest import ROOT
from mini_site import share_set_up_files

LESSON = "03-deep-learning-basics/softmax-temperature"


def copy_of_the_repository(target):
    files = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    for name in filter(None, files):
        source = ROOT / name.decode()
        if source.is_file():
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name.decode())
    return target


def test_a_scaffolded_lesson_builds_and_passes_its_checks(tmp_path, built_site):
    # built_site: the whole site's snippets are in the cache first, so the copy runs only the new one
    repo = copy_of_the_repository(tmp_path / "repo")
    share_set_up_files(repo)  # for the new lesson's Run buttons and its axe check
    done = subprocess.run(
        [sys.executable, "tools/new_lesson.py", *LESSON.split("/"), "Softmax temperature"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert (repo / "docs" / f"{LESSON}.md").is_file()
    assert (repo / "snippets" / f"{LESSON}.py").is_file()
    assert f"Softmax temperature: {LESSON}.md" in (repo / "mkdocs.yml").read_text()
    assert f"  - {LESSON}\n" in (repo / "lessons.yml").read_text()

    again = subprocess.run(
        [sys.executable, "tools/new_lesson.py", *LESSON.split("/"), "Softmax temperature"],
        cwd=repo,
        capture_output=True,
        text=True,
    )
    assert again.returncode != 0 and "exists already" in again.stderr

    # The lesson's own checks, as `make check LESSON=...` runs them, in the copy (the snippet
    # cache is shared, so only the new snippet runs).
    env = {**os.environ, "ROADMAP_CACHE": str(cache.CACHE)}
    env.pop("PYTEST_XDIST_WORKER", None)
    report = tmp_path / "report.xml"
    checks = subprocess.run(
        [
            *[sys.executable, "-m", "pytest", "-n0", "-q", "-p", "no:cacheprovider"],
            *["--lesson", LESSON, f"--junit-xml={report}"],
        ],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checks.returncode == 0, checks.stdout[-6000:] + checks.stderr[-3000:]
    problems = lesson_check_problems(report.read_text(), LESSON)
    assert not problems, "\n".join(problems) + "\n" + checks.stdout[-2000:]


# The checks that `make check LESSON=...` must run on the lesson's own files, by test function.
LESSON_CHECKS = {
    "test_snippet_runs_as_a_reader_on_another_machine_path_and_its_asserts_hold": "its snippet",
    "test_notebook_runs_and_prints_what_the_build_printed": "its notebook",
    "test_every_number_on_the_page_is_checked_by_its_code": "its numbers",
    "test_lesson_page_says_what_its_code_ran_with": "its stamp",
    "test_page_loads_cleanly_and_passes_axe_in_both_palettes": "its page in the browser",
}


def lesson_check_problems(junit_xml: str, lesson: str) -> list[str]:
    """What a lesson check's JUnit report lacks: each of LESSON_CHECKS run on the lesson and
    passed (not skipped, not failed), and nothing at all skipped or failed."""
    import xml.etree.ElementTree as ET

    cases = ET.fromstring(junit_xml).iter("testcase")
    outcome = {}
    for case in cases:
        result = next(iter(case), None)
        outcome[case.get("name")] = "passed" if result is None else result.tag
    problems = [f"{name}: {result}" for name, result in outcome.items() if result != "passed"]
    for function, what in LESSON_CHECKS.items():
        mine = [name for name in outcome if name.startswith(function + "[") and lesson in name]
        if not mine:
            problems.append(f"{what} was not checked: no {function}[...{lesson}...] ran")
    return problems


def test_the_lesson_check_check_fails_on_a_missing_or_skipped_check():
    lesson = "01-x/y"
    passed = "".join(f'<testcase name="{f}[{lesson}]"/>' for f in LESSON_CHECKS)
    assert not lesson_check_problems(f"<testsuite>{passed}</testsuite>", lesson)
    missing = passed.replace(
        f'<testcase name="test_lesson_page_says_what_its_code_ran_with[{lesson}]"/>', ""
    )
    assert lesson_check_problems(f"<testsuite>{missing}</testsuite>", lesson) == [
        f"its stamp was not checked: no test_lesson_page_says_what_its_code_ran_with[...{lesson}...] ran"
    ]
    skipped = passed + '<testcase name="test_other"><skipped/></testcase>'
    assert lesson_check_problems(f"<testsuite>{skipped}</testsuite>", lesson) == [
        "test_other: skipped"
    ]
