"""Scaffold a lesson: the page, its snippet and its nav entry, already passing every check.

    make lesson STAGE=03-deep-learning-basics SLUG=softmax-temperature TITLE="Softmax temperature"

writes docs/<STAGE>/<SLUG>.md and snippets/<STAGE>/<SLUG>.py from the templates below (the page
frame of CONTRIBUTING.md: opening sentence, a section of code with its output, Run it yourself,
Summary, Exercises with folded solutions, Further reading), adds the page at the end of its
stage in mkdocs.yml's nav and its id to lessons.yml. Then `make check LESSON=<STAGE>/<SLUG>`.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PAGE = """---
outcome: "say in one line what the reader can do after this lesson"
minutes: 30
---

# {title}

In about half an hour you will be able to say here what this lesson teaches. Replace this
sentence, and every sentence below, with the lesson.

## The idea

Explain the idea in a few sentences, then show the code that makes it concrete. The output under
the code is what the code printed when the site was built.

```python exec="on"
--8<-- "{stage}/{slug}.py:setup"
--8<-- "{stage}/{slug}.py:example"
```

## Run it yourself

## Summary

- One line per thing the reader should remember.

## Exercises

1. A question the reader answers by changing the code.

    ??? success "Solution"

        The answer in words, then the code that checks it.

        ```python exec="on"
        --8<-- "{stage}/{slug}.py:exercise_1"
        ```

2. A question that builds something.

    ??? success "Solution"

        The answer in words, then the code that checks it.

        ```python exec="on"
        --8<-- "{stage}/{slug}.py:exercise_2"
        ```

## Further reading

- The guide's own resource for this idea first, then the site's additions.
"""

SNIPPET = """# --8<-- [start:setup]
import numpy as np

rng = np.random.default_rng(0)
# --8<-- [end:setup]

# --8<-- [start:example]
x = rng.normal(size=3)
print(f"x has shape {{x.shape}}")
assert x.shape == (3,)
# --8<-- [end:example]

# --8<-- [start:exercise_1]
doubled = 2 * x
assert np.allclose(doubled / 2, x)
print("halving the doubled vector gives it back")
# --8<-- [end:exercise_1]

# --8<-- [start:exercise_2]
total = x.sum()
assert np.isclose(total, sum(x))
print("the sum by NumPy equals the sum by Python")
# --8<-- [end:exercise_2]
"""


def add_to_nav(config: str, stage: str, slug: str, title: str) -> str:
    """The nav with `title: stage/slug.md` after the last page of that folder."""
    lines = config.split("\n")
    own = re.compile(rf"(?:^|[\s:]){re.escape(stage)}/[^/\s]+\.md\s*$")
    entries = [i for i, line in enumerate(lines) if own.search(line)]
    if not entries:
        raise SystemExit(f"mkdocs.yml: the nav has no page in {stage}/; add its section first")
    last = entries[-1]
    # After the last page of the folder, but after any sub-section nested below it too.
    indent = re.match(r"^(\s*)", lines[last])[1]
    after = last + 1
    while after < len(lines) and lines[after].startswith(indent + " "):
        after += 1
    quoted = f'"{title}"' if re.search(r"[:#'\"]", title) else title
    lines.insert(after, f"{indent}- {quoted}: {stage}/{slug}.md")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("stage", help="a stage folder, for example 03-deep-learning-basics")
    parser.add_argument(
        "slug", help="the lesson's file name, kebab-case, for example softmax-temperature"
    )
    parser.add_argument("title", help='the lesson\'s title, for example "Softmax temperature"')
    parser.add_argument("--root", type=Path, default=ROOT, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    root, stage, slug, title = args.root, args.stage.strip("/"), args.slug, args.title.strip()
    if not (root / "docs" / stage).is_dir() or not re.match(
        r"^\d\d-[a-z0-9-]+(/[a-z0-9-]+)?$", stage
    ):
        folders = sorted(p.name for p in (root / "docs").glob("[0-9][0-9]-*"))
        raise SystemExit(f"STAGE={stage!r} is not a stage folder; one of: {', '.join(folders)}")
    if not SLUG.match(slug):
        raise SystemExit(f"SLUG={slug!r} must be kebab-case: lower-case words joined by hyphens")
    if not title:
        raise SystemExit('TITLE is empty: give the lesson a title, TITLE="Softmax temperature"')
    page = root / "docs" / stage / f"{slug}.md"
    snippet = root / "snippets" / stage / f"{slug}.py"
    for path in (page, snippet):
        if path.exists():
            raise SystemExit(f"{path.relative_to(root)} exists already; nothing was written")
    config = root / "mkdocs.yml"
    nav = add_to_nav(config.read_text(encoding="utf-8"), stage, slug, title)
    page.write_text(PAGE.format(title=title, stage=stage, slug=slug), encoding="utf-8")
    snippet.parent.mkdir(parents=True, exist_ok=True)
    snippet.write_text(SNIPPET.format(), encoding="utf-8")
    config.write_text(nav, encoding="utf-8")
    lessons = root / "lessons.yml"
    text = lessons.read_text(encoding="utf-8").rstrip("\n")
    lessons.write_text(f"{text}\n  - {stage}/{slug}\n", encoding="utf-8")
    print(f"wrote {page.relative_to(root)} and {snippet.relative_to(root)}; added the page to")
    print(f"mkdocs.yml's nav and {stage}/{slug} to lessons.yml. Now:")
    print(f"  make check LESSON={stage}/{slug}   # this lesson's checks, in well under a minute")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
