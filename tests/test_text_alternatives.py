"""Every figure and formula of the built site has a text alternative: each inline SVG figure is
role="img" with an aria-label, each <img> has alt text, and each MathML formula has alttext (its
TeX). The browser tests run axe-core on the pages as well; this checks every element of every
page, where axe samples formulas (see tests/test_browser.py)."""

from __future__ import annotations

import re

import pytest

TAG = re.compile(r"<(?P<name>math|img|svg|figure)\b(?P<attrs>[^>]*)>", re.I)
ATTR = re.compile(r'(?P<key>[\w:-]+)(?:="(?P<value>[^"]*)")?')


def missing_alternatives(page_html: str) -> list[str]:
    """The figures and formulas of a page that have no text alternative."""
    problems = []
    for figure in re.finditer(r"<figure\b[^>]*>(?P<body>.*?)</figure>", page_html, re.S):
        svg = re.search(r"<svg\b([^>]*)>", figure["body"])
        img = re.search(r"<img\b([^>]*)>", figure["body"])
        attrs = (
            dict((m["key"], m["value"]) for m in ATTR.finditer((svg or img)[1]))
            if (svg or img)
            else {}
        )
        if svg and not (attrs.get("role") == "img" and (attrs.get("aria-label") or "").strip()):
            problems.append(
                f'a figure\'s <svg> without role="img" and an aria-label: {svg[0][:120]}'
            )
        if not svg and not img:
            problems.append(f"a figure with neither <svg> nor <img>: {figure[0][:120]}")
    for tag in TAG.finditer(page_html):
        attrs = dict((m["key"], m["value"]) for m in ATTR.finditer(tag["attrs"]))
        if tag["name"] == "math" and not (attrs.get("alttext") or "").strip():
            problems.append(f"a formula without alttext: {tag[0][:120]}")
        if tag["name"] == "img" and attrs.get("alt") is None:
            problems.append(f"an image without alt: {tag[0][:120]}")
    return problems


def test_every_figure_and_formula_has_a_text_alternative(built_site):
    pages = sorted(built_site.rglob("*.html"))
    assert pages
    problems = [
        f"{page.relative_to(built_site)}: {p}"
        for page in pages
        for p in missing_alternatives(page.read_text())
    ]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize(
    "broken",
    [
        '<figure class="snippet-figure"><svg viewBox="0 0 1 1"></svg></figure>',
        '<figure class="snippet-figure"><svg role="img" aria-label=" "></svg></figure>',
        '<p><math display="inline"><mi>x</mi></math></p>',
        '<p><img src="x.png"></p>',
    ],
)
def test_the_check_catches_a_missing_alternative(broken):
    assert missing_alternatives(broken)
    fixed = (
        broken.replace("<svg ", '<svg role="img" aria-label="A line." ', 1)
        .replace('aria-label=" "', "")
        .replace("<math ", '<math alttext="x" ')
        .replace("<img ", '<img alt="" ')
    )
    assert not missing_alternatives(fixed), fixed
