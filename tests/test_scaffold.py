"""`make lesson` makes a lesson that builds and passes its checks before a word is written."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

import cache
from conftest import ROOT

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
    checks = subprocess.run(
        [sys.executable, "-m", "pytest", "-n0", "-q", "-p", "no:cacheprovider", "--lesson", LESSON],
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert checks.returncode == 0, checks.stdout[-6000:] + checks.stderr[-3000:]
    assert " passed" in checks.stdout and "skipped" not in checks.stdout, checks.stdout[-2000:]
