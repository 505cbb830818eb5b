"""MkDocs hook: pages that are light and quick on a phone.

Code blocks stay out of the search index. Every page loads the whole index (Material's search
runs in the browser), and the lessons' code blocks were nearly half of it: 367 of 791 KB of text,
about 120 KB of each page's 350 KB when compressed. Search still finds every word of the prose,
headings, lists and inline code (`torch.randperm` where the text names it); the printed outputs
were already excluded (hooks/snippets.py). `data-search-exclude` is Material's own attribute.

Material's JavaScript bundle does not hold up the first paint.

Material loads its bundle with a plain `<script src>` at the end of the body, which Lighthouse
counts as render-blocking: on a phone the text waited for about 100 KB of JavaScript to be parsed
and run. Loaded with `defer`, it runs after the page is parsed and before DOMContentLoaded, in
document order before the site's own deferred scripts, exactly as the bundle expects.
`make bench` measures the effect (Lighthouse, mobile preset).
"""

from __future__ import annotations

import re

BUNDLE = re.compile(
    r'<script src="(?P<src>[^"]*assets/javascripts/bundle\.[0-9a-f]+\.min\.js)"></script>'
)


CODE_BLOCK = re.compile(r'<div class="(?P<classes>(?:language-[\w-]+ )?highlight)">')


def exclude_code_from_search(html: str) -> str:
    return CODE_BLOCK.sub(r'<div class="\g<classes>" data-search-exclude>', html)


def on_page_content(html, page, config, files):
    return exclude_code_from_search(html)


def defer_bundle(output: str) -> str:
    return BUNDLE.sub(r'<script src="\g<src>" defer></script>', output, count=1)


def on_post_page(output, page, config):
    return defer_bundle(output)


def on_post_template(output, template_name, config):
    """404.html is a theme template, not a page."""
    return defer_bundle(output) if template_name.endswith(".html") else output
