"""The real site builds strictly, and what it publishes keeps the site's promises."""

from __future__ import annotations

import importlib.util
import json
import os
import posixpath
import re
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urlparse

from checks import page_output_problems
from conftest import DOCS, ROOT, SNIPPETS, build_problems, page_sources, selected_lesson


def _pages(site):
    return sorted(p for p in site.rglob("*.html") if p.name != "404.html")


def test_site_builds_strictly(built_site, build_log, request):
    """No warning and no error (with --lesson: none that names the lesson)."""
    assert (built_site / "index.html").is_file()
    mine, _ = build_problems(build_log, selected_lesson(request.config))
    assert not mine, "\n".join(mine)


def test_every_lesson_is_published_with_its_download(built_site):
    for snippet in SNIPPETS.rglob("*.py"):
        relative = snippet.relative_to(SNIPPETS).with_suffix("")
        assert (built_site / relative / "index.html").is_file(), f"no page for {snippet}"
        assert (built_site / "snippets" / snippet.relative_to(SNIPPETS)).is_file()


def test_every_executed_block_shows_real_output(built_site, build_results, request):
    """Each executed block of each lesson page shows, as text, exactly the output that the
    build's run of its sections printed, in order; and the page has its "Verified with" stamp."""
    lesson = selected_lesson(request.config)
    for page, markdown in page_sources().items():
        relative = Path(page).with_suffix("")
        if not (SNIPPETS / relative.with_suffix(".py")).is_file():
            continue
        if lesson and relative.as_posix() != lesson:
            continue
        html = (built_site / relative / "index.html").read_text()
        problems = page_output_problems(markdown, html, build_results, str(page))
        assert not problems, "\n".join(problems)
        assert "Verified with Python" in html, f"{page}: its page has no 'verified with' stamp"


def test_maths_is_rendered_at_build_time(built_site):
    for page in _pages(built_site):
        html = page.read_text()
        assert 'class="arithmatex"' not in html, f"{page}: maths left for a script to render"
    assert "<math" in (built_site / "01-linear-algebra" / "vectors" / "index.html").read_text()


def test_figures_have_a_text_alternative(built_site):
    figures = 0
    for page in _pages(built_site):
        for svg in re.findall(r'<figure class="snippet-figure"[^>]*><svg [^>]*>', page.read_text()):
            figures += 1
            assert re.search(r'role="img" aria-label="[^"]{10,}"', svg), (
                f"{page}: figure without alt text"
            )
    assert figures, "no figure found on the site"


def test_pages_load_nothing_from_other_hosts(built_site):
    """No web fonts, CDN scripts or analytics: every script, style, font and image is local."""
    loaded = re.compile(r'<(?:script|img|iframe|source)[^>]+src="([^"]+)"|<link[^>]+href="([^"]+)"')
    for page in _pages(built_site):
        for match in loaded.finditer(page.read_text()):
            url = match[1] or match[2]
            tag = match[0]
            if tag.startswith("<link") and re.search(r'rel="(canonical|alternate|prev|next)"', tag):
                continue  # a plain link, nothing is fetched
            assert not urlparse(url).netloc, f"{page}: loads {url} from another host"


def test_no_script_holds_up_the_first_paint(built_site):
    """Every script is deferred or inline-small: Material's bundle too (hooks/speed.py)."""
    for page in sorted(built_site.rglob("*.html")):
        text = page.read_text()
        assert re.search(
            r'<script src="[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js" defer>', text
        ), (
            f"{page}: Material's bundle is not deferred (hooks/speed.py no longer matches its markup?)"
        )
        for tag in re.findall(r"<script [^>]*src=[^>]*>", text):
            assert re.search(r"\bdefer\b|\basync\b", tag), f"{page}: {tag} blocks the first paint"


def test_search_index_holds_the_prose_and_no_code_blocks(built_site):
    """Every page loads the whole search index: code blocks and printed outputs stay out of it
    (hooks/speed.py, hooks/snippets.py), every page's prose and inline code stay in."""
    index = json.loads((built_site / "search" / "search_index.json").read_text(encoding="utf-8"))
    texts = {doc["location"]: doc["text"] for doc in index["docs"]}
    blocks = [where for where, text in texts.items() if "<pre>" in text]
    assert not blocks, f"code blocks or outputs in the search index: {blocks[:5]}"
    pages = {where.split("#")[0] for where in texts}
    missing = [
        page.parent.relative_to(built_site).as_posix() + "/"
        for page in built_site.rglob("index.html")
        if page.parent != built_site
        and page.parent.relative_to(built_site).as_posix() + "/" not in pages
    ]
    assert not missing, f"pages missing from the search index: {missing}"
    autograd = " ".join(t for w, t in texts.items() if w.startswith("04-pytorch/autograd/"))
    assert "requires_grad" in autograd and "derivative" in autograd


def test_docs_has_no_orphan_assets():
    """Every file in docs/ is Markdown or an asset something uses: mkdocs.yml (extra_css,
    extra_javascript, theme files) or a page's link; code belongs in snippets/, not docs/."""
    config = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    pages = [p.read_text(encoding="utf-8") for p in DOCS.rglob("*.md")]
    # a hook may name an asset, and a script may load another (progress.js loads run.js, which
    # starts run-worker.js)
    hooks = [p.read_text(encoding="utf-8") for p in (ROOT / "hooks").glob("*.py")]
    scripts = {p: p.read_text(encoding="utf-8") for p in DOCS.rglob("*.js")}
    orphans = []
    for asset in sorted(p for p in DOCS.rglob("*") if p.is_file() and p.suffix != ".md"):
        relative = asset.relative_to(DOCS).as_posix()
        used = (
            relative in config
            or any(asset.name in text for text in pages)
            or any(f'{relative}"' in text for text in hooks)
            or any(f'{relative}"' in text for p, text in scripts.items() if p != asset)
        )
        if asset.suffix == ".py" or not used:
            orphans.append(relative)
    assert not orphans, (
        f"files in docs/ that nothing uses (or code that belongs in snippets/): {orphans}"
    )


def test_a_changed_snippet_marks_the_pages_that_include_it_for_rebuild(tmp_path, monkeypatch):
    """`make serve` rebuilds only changed pages (--dirty); a page whose snippet changed counts."""
    monkeypatch.syspath_prepend(str(ROOT / "hooks"))  # as MkDocs loads a hook
    spec = importlib.util.spec_from_file_location("fresh_dirty", ROOT / "hooks" / "dirty.py")
    hook = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(hook)
    monkeypatch.setattr(hook, "SNIPPETS", tmp_path / "snippets")
    pages = []
    for name in ("a", "b"):
        snippet = tmp_path / "snippets" / "01-x" / f"{name}.py"
        snippet.parent.mkdir(parents=True, exist_ok=True)
        snippet.write_text("x = 1\n")
        source = tmp_path / "docs" / f"{name}.md"
        source.parent.mkdir(exist_ok=True)
        source.write_text(f'```python exec="on"\n--8<-- "01-x/{name}.py"\n```\n')
        built = tmp_path / "site" / f"{name}.html"
        built.parent.mkdir(exist_ok=True)
        built.write_text("<html>")
        pages.append(
            SimpleNamespace(
                src_uri=f"{name}.md", abs_src_path=str(source), abs_dest_path=str(built)
            )
        )
    files = SimpleNamespace(documentation_pages=lambda: pages)

    hook.mark_pages_of_changed_snippets(files)  # the first build: nothing to compare with
    assert all(Path(page.abs_dest_path).exists() for page in pages)
    changed = tmp_path / "snippets" / "01-x" / "a.py"
    later = changed.stat().st_mtime_ns + 10**9
    os.utime(changed, ns=(later, later))
    hook.mark_pages_of_changed_snippets(files)
    assert not Path(pages[0].abs_dest_path).exists(), "the page of the changed snippet is kept"
    assert Path(pages[1].abs_dest_path).exists(), "a page whose snippet did not change is rebuilt"
    # A deleted snippet counts as changed: its page is rebuilt, and fails on its include
    # instead of serving the old output.
    Path(pages[1].abs_dest_path).write_text("<html>")
    (tmp_path / "snippets" / "01-x" / "b.py").unlink()
    hook.mark_pages_of_changed_snippets(files)
    assert not Path(pages[1].abs_dest_path).exists(), "the page of a deleted snippet is kept"


def test_stage_pages_list_the_navs_lessons(built_site):
    """Each stage's landing page lists its lessons from the nav (hooks/roadmap.py), in nav order,
    and every lesson page links the next page of the road."""
    from conftest import find_lessons

    config = (ROOT / "mkdocs.yml").read_text()
    in_nav = re.findall(r"(\S+)\.md\s*$", config[config.index("\nnav:") :], re.M)
    lessons = [page for page in in_nav if page in set(find_lessons())]  # in nav order
    for landing in sorted(DOCS.glob("[0-9][0-9]-*/index.md")):
        stage = landing.parent.name
        assert "<!-- roadmap:lessons -->" in landing.read_text(), (
            f"{landing}: write <!-- roadmap:lessons --> where its lesson table goes, not a table"
        )
        html = (built_site / stage / "index.html").read_text()
        table = html[html.index("<table") : html.index("</table>")]
        linked = re.findall(r'href="([^"#]+)/"', table)
        expected = []  # the stage's pages, and each sub-section once (its landing page's folder)
        for page in in_nav:
            parts = page.split("/")
            if parts[0] != stage or page == f"{stage}/index":
                continue
            if parts[1] not in expected:
                expected.append(parts[1])
        shown = [link for link in linked if "/" not in link]
        assert shown == expected, f"{stage}: its table lists {shown}, the nav {expected}"
    assert "<!-- roadmap:stages -->" in (DOCS / "index.md").read_text()
    pages = in_nav  # every page, in the nav's order
    for lesson in lessons:
        html = (built_site / lesson / "index.html").read_text()
        following = pages[pages.index(lesson) + 1] if pages.index(lesson) + 1 < len(pages) else None
        link = re.search(r'<strong>Next( lesson)?:</strong> <a [^>]*href="([^"]+)"', html)
        if following is None:
            assert link is None, f"{lesson}: the last page of the road links a next one"
            continue
        assert link, f"{lesson}: no link to the next page of the road"
        target = posixpath.normpath(posixpath.join(lesson, link[2])).removesuffix("/index.html")
        expected = following.removesuffix("/index")
        assert target.rstrip("/") == expected, (
            f"{lesson}: Next links {target}, the nav has {expected}"
        )


def _minutes_shown(text: str) -> int:
    """A time as the tables show it ("3 h 05", "2 h", "45 min") in minutes."""
    match = re.fullmatch(r"(?:(\d+) h)?\s*(\d+)?(?: min)?", text.strip())
    assert match and (match[1] or match[2]), text
    return int(match[1] or 0) * 60 + int(match[2] or 0)


def test_the_home_pages_stage_table_counts_what_the_nav_holds(built_site):
    """The built home page's stage table: each stage's lesson count and lesson time, against the
    nav and the lessons' own front matter (read here, not with the build's functions)."""
    from conftest import find_lessons

    config = (ROOT / "mkdocs.yml").read_text()
    in_nav = re.findall(r"(\S+)\.md\s*$", config[config.index("\nnav:") :], re.M)
    lessons = [page for page in in_nav if page in set(find_lessons())]
    html = (built_site / "index.html").read_text()
    table = html[html.index("<table") : html.index("</table>")]
    rows = re.findall(r"<tr>(.*?)</tr>", table, re.S)[1:]
    stages = sorted({lesson.split("/")[0] for lesson in lessons})
    shown = {}
    for row in rows:
        cells = [
            re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        ]
        stage = re.search(r'href="([0-9]{2}-[^/"]+)/', row)
        if stage:
            shown[stage[1]] = (int(cells[2]), _minutes_shown(cells[3]))
    assert sorted(shown) == stages, (sorted(shown), stages)
    for stage in stages:
        mine = [lesson for lesson in lessons if lesson.startswith(stage + "/")]
        minutes = 0
        for lesson in mine:
            source = DOCS / f"{lesson}.md"
            text = (
                source.read_text() if source.is_file() else (SNIPPETS / f"{lesson}.py").read_text()
            )
            minutes += int(re.search(r"^(?:# )?minutes:\s*(\d+)", text, re.M)[1])
        assert shown[stage] == (len(mine), minutes), (
            f"{stage}: shows {shown[stage]}, has {(len(mine), minutes)}"
        )


def test_glossary_terms_are_defined_once_and_listed():
    from roadmap import GLOSSARY, TERM, glossary_list

    text = GLOSSARY.read_text()
    terms = [m["term"] for m in TERM.finditer(text)]
    assert len(terms) == len(set(terms)), "a term is defined twice in includes/glossary.md"
    lines = [line for line in text.splitlines() if line.strip()]
    assert len(lines) == len(terms), "includes/glossary.md holds only `*[term]: definition` lines"
    assert terms == sorted(terms, key=str.lower), "keep includes/glossary.md in alphabetical order"
    listed = glossary_list()
    for term in terms:
        assert f">{term}</dt>" in listed or f">{term[:-1]}</dt>" in listed, term
    for term in (
        "epoch",
        "learning rate",
        "gradient",
    ):  # used by Stage 2 before Stage 3 defines them
        assert term in terms
