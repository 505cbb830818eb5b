"""Each lesson page says, from the build itself, what its code ran with: the versions of Python
and of NumPy and PyTorch (whichever its snippet imports), and the date it ran."""

from __future__ import annotations

import datetime as dt
import html
import platform
import re
from importlib import metadata

import pytest
from conftest import SNIPPETS, find_lessons

LESSONS = find_lessons()
LIBRARIES = {"numpy": ("NumPy", "numpy"), "torch": ("PyTorch", "torch")}  # module: (label, package)


def stamp_problems(page_html: str, source: str) -> list[str]:
    """What is missing or wrong in a lesson page's "Verified with" line."""
    match = re.search(r'<p class="verified-with">(.*?)</p>', page_html, re.S)
    if not match:
        return ["no 'Verified with' line"]
    text = html.unescape(re.sub(r"<[^>]+>", "", match[1]))
    expected = {"Python": platform.python_version()}
    imported = set(re.findall(r"^\s*(?:import|from)\s+(numpy|torch)\b", source, re.M))
    for module in imported:  # read here, not with the build's own function
        label, package = LIBRARIES[module]
        expected[label] = metadata.version(package).split("+")[0]
    problems = []
    for label, version in expected.items():
        shown = re.search(rf"\b{label} (\S+?)[,:]", text)
        if not shown:
            problems.append(f"no {label} version in {text!r}")
        elif shown[1] != version:
            problems.append(f"{label} {shown[1]} shown, but the build has {version}")
    date = re.search(r"\bon (\d{4}-\d{2}-\d{2})\b", text)
    if not date:
        problems.append(f"no date in {text!r}")
    elif dt.date.fromisoformat(date[1]) > dt.datetime.now(dt.UTC).date():
        problems.append(f"the date {date[1]} is in the future")
    return problems


@pytest.mark.parametrize("lesson", LESSONS)
def test_lesson_page_says_what_its_code_ran_with(built_site, lesson):
    page = (built_site / lesson / "index.html").read_text()
    source = (SNIPPETS / f"{lesson}.py").read_text()
    assert not stamp_problems(page, source), stamp_problems(page, source)


def test_the_stamp_check_catches_a_missing_version_and_date():
    source = "import numpy as np\nimport torch.nn as nn\n"
    python = platform.python_version()
    page = f'<p class="verified-with">Verified with Python {python}, NumPy 1.0.0: every output.</p>'
    problems = stamp_problems(page, source)
    assert any("NumPy 1.0.0 shown" in p for p in problems)
    assert any("no PyTorch version" in p for p in problems)
    assert any("no date" in p for p in problems)
    assert stamp_problems("<p>nothing</p>", source) == ["no 'Verified with' line"]
