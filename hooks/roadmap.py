"""MkDocs hook: the roadmap's lists, counts, times and "next" links, made from the nav.

Nothing here is kept in sync by hand. The nav in mkdocs.yml orders the stages and their lessons;
each lesson's front matter gives its `outcome` (what the reader can do after it) and `minutes`;
each stage's landing page gives its `outcome` and `days` (the guide's time for the whole stage,
reading and exercises included). From those the build writes:

- `<!-- roadmap:stages -->` (the home page): one row per stage, with its lesson count and times;
- `<!-- roadmap:lessons -->` (a stage's landing page): its lessons in order, with outcome and
  time, then the count and the total; a sub-section of the nav (the classic papers) is one row
  that links its own landing page, which lists its lessons the same way;
- at the end of every lesson page, a link to the next page of the road.

The glossary page (`<!-- roadmap:glossary -->`) lists every term of includes/glossary.md, the
file the build appends to every page so that each use of a term shows its definition.

A link in the prose that calls a page "the next lesson" must point at the page the nav puts
next (a warning otherwise, so `mkdocs build --strict` fails).
"""

from __future__ import annotations

import logging
import posixpath
import re
from pathlib import Path

from mkdocs.structure.nav import Section
from mkdocs.structure.pages import Page
from mkdocs.utils import get_relative_url
from mkdocs.utils.meta import get_data

log = logging.getLogger("mkdocs.hooks.roadmap")
STAGE = re.compile(r"^\d\d-[a-z0-9-]+$")
STAGES_MARKER = "<!-- roadmap:stages -->"
LESSONS_MARKER = "<!-- roadmap:lessons -->"
GLOSSARY_MARKER = "<!-- roadmap:glossary -->"
GLOSSARY = Path(__file__).resolve().parent.parent / "includes" / "glossary.md"
SNIPPETS = Path(__file__).resolve().parent.parent / "snippets"
TERM = re.compile(r"^\*\[(?P<term>[^\]]+)\]:\s*(?P<definition>.+)$", re.M)
NEXT_IN_PROSE = re.compile(
    r"\[[^\]]+\]\((?P<a>[^)#\s]+\.md)[^)]*\),? the next lesson"
    r"|the next lesson,? \[[^\]]+\]\((?P<b>[^)#\s]+\.md)[^)]*\)"
)

_nav = {"items": [], "pages": []}


def _meta(page: Page) -> dict:
    source = page.file.content_string
    return get_data(source)[1] if source.startswith("---") else {}


def _title(item) -> str:
    if isinstance(item, Section):
        return item.title
    if item.title:
        return item.title
    match = re.search(r"^# (.+)$", item.file.content_string, re.M)
    return match[1].strip() if match else Path(item.file.src_uri).stem


def _is_index(page) -> bool:
    return isinstance(page, Page) and Path(page.file.src_uri).name == "index.md"


def _is_lesson(page) -> bool:
    """A lesson is a page with its own snippet (a cheat sheet is a page, not a lesson): what the
    stage tables count, and what a reader can mark as done (hooks/progress.py)."""
    twin = SNIPPETS / Path(page.file.src_uri).with_suffix(".py")
    return isinstance(page, Page) and not _is_index(page) and twin.is_file()


def _lessons(section: Section) -> list[Page]:
    """Every lesson below a nav section (landing pages and pages without code excluded), in
    nav order."""
    found = []
    for child in section.children:
        if isinstance(child, Section):
            found += _lessons(child)
        elif _is_lesson(child):
            found.append(child)
    return found


def _minutes(pages: list[Page]) -> int:
    return sum(int(_meta(p).get("minutes") or 0) for p in pages)


def _hours(minutes: int) -> str:
    hours, rest = divmod(minutes, 60)
    if not hours:
        return f"{rest} min"
    return f"{hours} h" + (f" {rest:02d}" if rest else "")


def _count(n: int) -> str:
    return f"{n} lesson" + ("" if n == 1 else "s")


def _link(target: Page, page: Page) -> str:
    return get_relative_url(target.file.src_uri, page.file.src_uri)


def _landing(section: Section) -> Page | None:
    return next((c for c in section.children if _is_index(c)), None)


def lessons_table(section: Section, page: Page) -> str:
    rows = ["| Lesson | You will be able to | Time |", "|---|---|---|"]
    number = 0
    for child in section.children:
        if _is_index(child):
            continue
        number += 1
        if isinstance(child, Section):
            landing, lessons = _landing(child), _lessons(child)
            if landing is None:
                continue
            outcome = _meta(landing).get("outcome", "")
            title = f"{child.title} ({_count(len(lessons))})"
            rows.append(
                f"| {number}. [{title}]({_link(landing, page)}) | {outcome} | "
                f"{_hours(_minutes(lessons))} |"
            )
        elif isinstance(child, Page):
            meta = _meta(child)
            minutes = int(meta.get("minutes") or 0)
            rows.append(
                f"| {number}. [{_title(child)}]({_link(child, page)}) | {meta.get('outcome', '')} | "
                f"{_hours(minutes) if minutes else ''} |"
            )
    lessons = _lessons(section)
    total = f"{_count(len(lessons))}, about {_hours(_minutes(lessons))} in all."
    return "\n".join(rows) + "\n\n" + total


def stages_table(page: Page) -> str:
    rows = [
        "| Stage | You will be able to | Lessons | Lesson time | Days, with reading and exercises |",
        "|---|---|---|---|---|",
    ]
    days = 0.0
    for item in _nav["items"]:
        if not isinstance(item, Section):
            continue
        landing = _landing(item)
        if landing is None or not STAGE.match(landing.file.src_uri.split("/")[0]):
            continue
        meta = _meta(landing)
        lessons = _lessons(item)
        days += float(meta.get("days") or 0)
        rows.append(
            f"| [{item.title}]({_link(landing, page)}) | {meta.get('outcome', '')} | "
            f"{len(lessons)} | {_hours(_minutes(lessons))} | {meta.get('days', '')} |"
        )
    rows.append(f"| **Total** | | | | **{days:g} days** |")
    return "\n".join(rows)


def _section_of(page: Page, items) -> Section | None:
    for item in items:
        if isinstance(item, Section):
            if page in item.children:
                return item
            found = _section_of(page, item.children)
            if found is not None:
                return found
    return None


def glossary() -> dict[str, str]:
    """Each term of includes/glossary.md and its definition, in the file's order."""
    return {m["term"]: m["definition"].strip() for m in TERM.finditer(GLOSSARY.read_text("utf-8"))}


def glossary_list() -> str:
    """The glossary page's body: one entry per term (the plural forms folded into the singular)."""
    terms = glossary()
    entries = []
    for term, definition in sorted(terms.items(), key=lambda item: item[0].lower()):
        if term.endswith("s") and term[:-1] in terms:
            continue
        anchor = re.sub(r"[^a-z0-9]+", "-", term.lower()).strip("-")
        entries.append(f'<dt id="{anchor}">{term}</dt>\n<dd>{definition}</dd>')
    return '<dl class="glossary">\n' + "\n".join(entries) + "\n</dl>"


def on_nav(nav, config, files):
    _nav["items"] = list(nav.items)
    _nav["pages"] = list(nav.pages)
    return nav


def on_page_markdown(markdown, page, config, files):
    where = f"docs/{page.file.src_uri}"
    if GLOSSARY_MARKER in markdown:
        markdown = markdown.replace(GLOSSARY_MARKER, glossary_list())
    if STAGES_MARKER in markdown:
        markdown = markdown.replace(STAGES_MARKER, stages_table(page))
    if LESSONS_MARKER in markdown:
        section = _section_of(page, _nav["items"])
        if section is None:
            log.warning(f"{where}: {LESSONS_MARKER} on a page that is not a section's landing page")
        else:
            markdown = markdown.replace(LESSONS_MARKER, lessons_table(section, page))
    pages = _nav["pages"]
    if page in pages and not _is_index(page) and STAGE.match(page.file.src_uri.split("/")[0]):
        position = pages.index(page)
        following = pages[position + 1] if position + 1 < len(pages) else None
        if re.search(r"^\W*Next lesson:", markdown, re.M):
            log.warning(
                f"{where}: remove its 'Next lesson:' line: the build writes it from the nav"
            )
        for match in NEXT_IN_PROSE.finditer(markdown):
            target = posixpath.normpath(
                posixpath.join(posixpath.dirname(page.file.src_uri), match["a"] or match["b"])
            )
            expected = following.file.src_uri if following is not None else None
            if target != expected:
                log.warning(
                    f"{where}: calls {match['a'] or match['b']} 'the next lesson', but the nav puts "
                    f"{expected or 'nothing'} next"
                )
        if following is not None:
            label = "Next lesson" if not _is_index(following) else "Next"
            markdown = (
                markdown.rstrip("\n")
                + f"\n\n**{label}:** [{_title(following)}]({_link(following, page)})\n"
            )
    return markdown
