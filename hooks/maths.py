"""MkDocs hook: render the pages' maths to MathML at build time, so a page needs no maths script.

pymdownx.arithmatex (generic mode) marks `$...$` and `$$...$$` in the Markdown; this hook turns
each marked formula into MathML with latex2mathml. Browsers draw MathML natively, so nothing is
loaded from another host and nothing runs in the reader's browser.
"""

from __future__ import annotations

import html
import logging
import re

from latex2mathml.converter import convert

log = logging.getLogger("mkdocs.hooks.maths")
INLINE = re.compile(r'<span class="arithmatex">\\\((?P<tex>.*?)\\\)</span>', re.S)
BLOCK = re.compile(r'<div class="arithmatex">\\\[(?P<tex>.*?)\\\]</div>', re.S)


def _mathml(match: re.Match, display: str, page) -> str:
    tex = html.unescape(match["tex"]).strip()
    try:
        mathml = convert(tex, display=display)
    except Exception as error:  # latex2mathml raises several types for bad input
        # An error (`mkdocs build --strict` fails), and the page shows the TeX as it is.
        log.error(f"docs/{page.file.src_uri}: cannot render the formula {tex!r}: {error}")
        return f"<code>{html.escape(tex)}</code>"
    # The TeX source stays in the page for screen readers' fallback and for copying.
    mathml = mathml.replace("<math ", f'<math alttext="{html.escape(tex)}" ', 1)
    if display == "block":
        # A wide formula scrolls sideways; tabindex lets a keyboard reach and scroll it.
        return f'<div class="math-block" tabindex="0">{mathml}</div>'
    return mathml


def on_page_content(html_text, page, config, files):
    html_text = BLOCK.sub(lambda m: _mathml(m, "block", page), html_text)
    return INLINE.sub(lambda m: _mathml(m, "inline", page), html_text)
