"""A lesson's "Run it yourself" section: the command, the file, its notebook, and what it ran with.

The page leaves `## Run it yourself` empty; the build fills it with the command that runs the
lesson's snippet, a download of the file, its notebook (hooks/notebooks.py) and "Open in Colab",
and a line saying which versions of Python and the libraries printed the page's outputs, and when.
"""

from __future__ import annotations

import re
from pathlib import Path

from notebooks import colab_url, notebook_uri

HEADING = re.compile(r"^## Run it yourself[ \t]*$", re.M)


def run_it_yourself(page_src: str, config, result: dict | str | None) -> str:
    relative = Path(page_src).with_suffix(".py").as_posix()
    name = Path(relative).name
    up = "../" * (len(Path(page_src).parts) - 1)
    result = result if isinstance(result, dict) else {}
    used = ", ".join(f"{label} {version}" for label, version in result.get("versions", {}).items())
    ran_on = result.get("ran_on", "")
    notebook = notebook_uri(relative)
    colab = colab_url(config, relative)
    verified = (
        f'<p class="verified-with" markdown>:material-check-decagram: '
        f"Verified with {used}: every output on this page is what this code printed when the build ran it"
        f"{f' on {ran_on}' if ran_on else ''}.</p>\n"
        if used
        else ""
    )
    return (
        "## Run it yourself\n\n"
        f"The whole lesson is one program, [{name}]({up}snippets/{relative}){{ download }}. "
        "In a clone of this site's repository, after `make serve` or `make test` has set up `.venv`:\n\n"
        f"```bash\n.venv/bin/python snippets/{relative}\n```\n\n"
        f"Or run it cell by cell as a notebook: [{Path(notebook).name}]({up}{notebook}){{ download }}"
        + (f", or [open it in Colab]({colab})" if colab else "")
        + ".\n\n"
        + verified
    )


def fill(markdown: str, page_src: str, config, result) -> str | None:
    """The page with its "Run it yourself" section filled, or None when it has none."""
    if not HEADING.search(markdown):
        return None
    return HEADING.sub(
        lambda _: run_it_yourself(page_src, config, result).rstrip("\n"), markdown, count=1
    )
