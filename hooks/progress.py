"""MkDocs hook: the reader's progress, kept in their own browser (no account, no server).

A lesson is a page docs/NN-stage/.../slug.md with a twin snippets/NN-stage/.../slug.py; its stable
id is its path without the extension ("01-linear-algebra/vectors"), so it survives a new title or
a new place in the nav. The build knows the stages and their lessons (from the nav, in order) and
writes them into the pages, so the browser script needs no list of its own:

- each lesson page ends with a "Mark as done" button (`data-roadmap-toggle="<lesson id>"`);
- the home page shows every stage's progress, with export and import of the reader's progress;
- each stage's landing page (docs/NN-stage/index.md) shows that stage's progress;
- every link to a lesson in a page's text carries `data-roadmap-lesson="<lesson id>"`, so the
  script can put a done-mark next to it.

Renamed or moved lessons keep their readers' marks: lessons.yml (at the repository's root) lists
every id ever published and maps old ids to new ones; the build resolves each old id to the
current lesson it leads to (`resolve_aliases`, the one place that follows aliases) and writes the
current ids and that map into javascripts/lessons.js, which progress.js reads to move old marks
and check imports. When the
browser blocks storage, the buttons stay hidden and a note says why.

The widgets go into the final HTML (on_post_page), not into the page's content, so that search
does not index them. docs/javascripts/progress.js keeps the state in localStorage and fills them
in on every page, Material's instant navigation included; they stay hidden without the script.
"""

from __future__ import annotations

import html
import json
import logging
import re
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import yaml
from mkdocs.structure.files import File

log = logging.getLogger("mkdocs.hooks.progress")
ROOT = Path(__file__).resolve().parent.parent
SNIPPETS = ROOT / "snippets"
STAGE = re.compile(r"^\d\d-[a-z0-9-]+$")
LINK = re.compile(r'<a (?P<before>[^>]*?)href="(?P<href>[^"]*)"')
ARTICLE_END = re.compile(r"</article>")
LESSONS_FILE = ROOT / "lessons.yml"
LESSONS_JS = "javascripts/lessons.js"
BLOCKED = (
    '<p class="roadmap-blocked" data-roadmap-blocked hidden>Your progress cannot be kept here: '
    "this browser blocks this site's storage (site data is turned off, or a private window "
    "forbids it). Allow site data for this site to mark lessons as done.</p>"
)

_stages: list[dict] = []  # in nav order: {"id", "title", "url", "lessons": [{"id", "url"}]}
_lesson_urls: dict[str, str] = {}  # page url -> lesson id


def lesson_id(src_uri: str) -> str | None:
    """The stable id of the lesson at docs/<src_uri>, or None when that page is no lesson."""
    path = Path(src_uri)
    if path.suffix != ".md" or path.name == "index.md" or len(path.parts) < 2:
        return None
    if not STAGE.match(path.parts[0]) or not (SNIPPETS / path.with_suffix(".py")).is_file():
        return None
    return path.with_suffix("").as_posix()


def known_lessons() -> tuple[list[str], dict[str, str]]:
    """lessons.yml: every lesson id ever published, and the aliases of renamed or moved ones."""
    data = yaml.safe_load(LESSONS_FILE.read_text(encoding="utf-8")) or {}
    return list(data.get("lessons") or []), dict(data.get("aliases") or {})


def on_files(files, config):
    # A placeholder that on_nav fills in, once the current lessons are known.
    files.append(File.generated(config, LESSONS_JS, content=""))
    return files


def resolve_aliases(
    current: list[str], aliases: dict[str, str]
) -> tuple[dict[str, str], list[str]]:
    """Each old id of lessons.yml's aliases mapped straight to the current lesson it leads to,
    through as many renames as it takes; and the problems: an alias that leads to no current
    lesson, or round in a circle. The one place that follows aliases: the browser's script gets
    the resolved map (javascripts/lessons.js), and tests/test_progress.py checks lessons.yml
    with this function."""
    resolved, problems = {}, []
    for old in aliases:
        seen, lesson = [old], aliases[old]
        while lesson in aliases and lesson not in seen:
            seen.append(lesson)
            lesson = aliases[lesson]
        if lesson in seen:
            problems.append(
                f"lessons.yml: aliases go round in a circle: {' -> '.join([*seen, lesson])}"
            )
        elif lesson not in current:
            problems.append(
                f"lessons.yml: alias {old} -> {aliases[old]} leads to no lesson ({lesson})"
            )
        else:
            resolved[old] = lesson
    return resolved, problems


def _write_lessons_js(files) -> None:
    ids = [lesson["id"] for stage in _stages for lesson in stage["lessons"]]
    _, aliases = known_lessons()
    resolved, problems = resolve_aliases(ids, aliases)
    for problem in problems:
        log.error(problem)  # `mkdocs build --strict` fails; the other aliases still work
    data = json.dumps({"lessons": ids, "aliases": resolved}, separators=(",", ":"))
    file = files.get_file_from_path(LESSONS_JS)
    file.content_string = f"window.roadmapLessons = {data};\n"


def on_nav(nav, config, files):
    _stages.clear()
    _lesson_urls.clear()
    by_id: dict[str, dict] = {}
    for page in nav.pages:
        src = page.file.src_uri
        stage_id = src.split("/")[0]
        if not STAGE.match(stage_id):
            continue
        top = page
        while top.parent is not None:
            top = top.parent
        if stage_id not in by_id:
            title = top.title or stage_id  # a page outside any nav section has no title yet
            by_id[stage_id] = {"id": stage_id, "title": title, "url": None, "lessons": []}
            _stages.append(by_id[stage_id])
        stage = by_id[stage_id]
        if src == f"{stage_id}/index.md":
            stage["url"] = page.url
        if lesson := lesson_id(src):
            stage["lessons"].append({"id": lesson, "url": page.url})
            _lesson_urls[page.url] = lesson
    _write_lessons_js(files)
    return nav


def _site_path(href: str, page_url: str) -> str:
    """A link's target as a site path ("01-linear-algebra/vectors/"), from the page's own url."""
    return urlsplit(urljoin("https://site.invalid/" + page_url, href)).path.lstrip("/")


def on_page_content(html_text, page, config, files):
    """Tag each link to a lesson with the lesson's id."""

    def tag(match: re.Match) -> str:
        target = _site_path(html.unescape(match["href"]), page.url)
        lesson = _lesson_urls.get(target)
        if lesson is None or target == page.url or "data-roadmap-lesson" in match["before"]:
            return match[0]
        return f'<a data-roadmap-lesson="{lesson}" {match["before"]}href="{match["href"]}"'

    return LINK.sub(tag, html_text)


def _relative(url: str, page_url: str) -> str:
    from mkdocs.utils import get_relative_url

    return get_relative_url(url or ".", page_url or ".")


def _stage_row(stage: dict, page, link: bool) -> str:
    ids = " ".join(lesson["id"] for lesson in stage["lessons"])
    label = f"roadmap-stage-{stage['id']}"
    title = html.escape(stage["title"])
    if link and stage["url"] is not None:
        name = f'<a id="{label}" href="{_relative(stage["url"], page.url)}">{title}</a>'
    else:
        name = f'<span id="{label}">{title}</span>'
    total = len(stage["lessons"])
    return (
        f'<li class="roadmap-progress__stage" data-roadmap-stage="{stage["id"]}" '
        f'data-roadmap-lessons="{ids}">'
        f'<span class="roadmap-progress__name">{name}</span>'
        f'<progress max="{max(total, 1)}" value="0" aria-labelledby="{label}"></progress>'
        f'<span class="roadmap-progress__count">0 of {total} lessons done</span></li>'
    )


def _progress_panel(stages: list[dict], page, home: bool) -> str:
    rows = "".join(_stage_row(stage, page, link=home) for stage in stages)
    actions = ""
    if home:
        actions = (
            '<p class="roadmap-progress__actions">'
            '<button type="button" class="md-button" data-roadmap-export>Export progress</button> '
            '<button type="button" class="md-button" data-roadmap-import>Import progress</button>'
            '<input type="file" accept=".json,application/json" data-roadmap-import-file hidden '
            'aria-label="Progress file to import"></p>'
        )
    note = "Kept in this browser only, with no account: " + (
        "export it to a file to carry it to another browser."
        if home
        else "the home page exports it to a file for another browser."
    )
    return (
        '<section class="roadmap-progress" aria-label="Your progress" data-roadmap-progress hidden>'
        '<p class="roadmap-progress__title">Your progress</p>'
        f'<ul class="roadmap-progress__stages">{rows}</ul>{actions}'
        f'<p class="roadmap-progress__note">{note}</p>'
        '<p class="roadmap-progress__status" role="status" data-roadmap-status></p></section>'
    )


def _insert_before_first_h2(output: str, block: str) -> str:
    """Put a block in the page's article after the introduction (before its first h2)."""
    start = output.find("<article")
    if start < 0:
        return output
    end = output.find("</article>", start)
    h2 = output.find("<h2", start, end)
    at = h2 if h2 >= 0 else end
    return output[:at] + block + output[at:]


def on_post_page(output, page, config):
    src = page.file.src_uri
    if lesson := lesson_id(src):
        button = (
            '<p class="roadmap-done">'
            f'<button type="button" class="md-button roadmap-done__button" data-roadmap-toggle="{lesson}" '
            'aria-pressed="false" hidden><span class="roadmap-done__check" aria-hidden="true"></span>'
            "Mark as done</button></p>" + BLOCKED
        )
        return ARTICLE_END.sub(lambda _: button + "</article>", output, count=1)
    if page.is_homepage:
        return _insert_before_first_h2(output, BLOCKED + _progress_panel(_stages, page, home=True))
    stage_id = src.split("/")[0]
    if src == f"{stage_id}/index.md":
        stages = [stage for stage in _stages if stage["id"] == stage_id]
        if stages:
            return _insert_before_first_h2(
                output, BLOCKED + _progress_panel(stages, page, home=False)
            )
    return output
