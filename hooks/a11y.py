"""MkDocs hook: fix the few accessibility defects in Material's HTML that CSS cannot reach.

tests/test_browser.py runs axe-core on every page in both palettes; each fix here answers one of
its findings on Material's own markup:

- the search dialog (`role="dialog"`) has no accessible name;
- with `navigation.indexes`, a section's expand toggle holds only an icon, so the toggle has no
  name and the section's `<nav>`, labelled by that toggle, is a landmark without a name;
- a glossary term (`<abbr title="...">`) shows its definition on hover only: its first use on a
  page is made focusable, so that keyboard users see it too (Material's tooltips open on focus).
"""

from __future__ import annotations

import re

SEARCH_DIALOG = '<div class="md-search" data-md-component="search" role="dialog">'
NAV_TITLE = re.compile(
    r'<label class="md-nav__title" for="(?P<for>[^"]+)">\s*<span class="md-nav__icon md-icon"></span>\s*(?P<title>.*?)\s*</label>',
    re.S,
)
EMPTY_TOGGLE = re.compile(
    r'(?P<open><label class="md-nav__link[^"]*" for="(?P<for>[^"]+)" id="[^"]+_label"[^>]*>)\s*(?P<icon><span class="md-nav__icon md-icon"></span>)\s*</label>'
)


ABBR = re.compile(r'<abbr title="(?P<title>[^"]*)">(?P<term>[^<]*)</abbr>')


def on_page_content(html, page, config, files):
    """Every use of a term shows its definition on hover; the first use of each term on the page
    also takes keyboard focus (one tab stop per term, not one per use)."""
    seen = set()

    def focusable(match: re.Match) -> str:
        if match["title"] in seen:
            return match[0]
        seen.add(match["title"])
        return match[0].replace("<abbr ", '<abbr tabindex="0" ', 1)

    return ABBR.sub(focusable, html)


def on_post_page(output, page, config):
    return fix(output)


def on_post_template(output, template_name, config):
    """404.html is a theme template, not a page."""
    return fix(output) if template_name.endswith(".html") else output


def fix(output: str) -> str:
    output = output.replace(SEARCH_DIALOG, SEARCH_DIALOG[:-1] + ' aria-label="Search">', 1)
    titles = {
        m["for"]: re.sub(r"<[^>]+>", "", m["title"]).strip() for m in NAV_TITLE.finditer(output)
    }

    def name(match: re.Match) -> str:
        title = titles.get(match["for"])
        if not title:
            return match[0]
        return f'{match["open"]}<span class="visually-hidden">{title}</span>{match["icon"]}</label>'

    return EMPTY_TOGGLE.sub(name, output)
