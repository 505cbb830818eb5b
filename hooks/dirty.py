"""`make serve`'s quick rebuilds: the pages of a changed snippet are rebuilt, edited hooks are named.

`mkdocs serve --dirty` rebuilds only the pages whose Markdown changed. A page must also be rebuilt
when a snippet it includes changed, so `mark_pages_of_changed_snippets` removes such a page's old
output. MkDocs keeps hook modules loaded for the life of `mkdocs serve`: `warn_if_hooks_changed`
says when a hook was edited since, and that a restart is needed.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from includes import included

HOOKS = Path(__file__).resolve().parent
SNIPPETS = HOOKS.parent / "snippets"
log = logging.getLogger("mkdocs.hooks.snippets")

_snippet_mtimes: dict[str, int] = {}  # snippet -> modification time at the previous build
_hook_digests: dict[str, str] = {}  # hook file -> its digest when this process loaded the hooks


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


class _SafeDirtyBuild(logging.Filter):
    """`make serve` builds with --dirty, and MkDocs warns on every start that a dirty build may
    show inaccurate navigation: an alarm a newcomer cannot act on. Say instead, as information,
    what it means here and what to do (the pages of changed snippets are rebuilt already)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if "'dirty' build" in record.getMessage():
            log.info(
                "make serve rebuilds only the pages you change; after adding or moving a page "
                "in mkdocs.yml's nav, restart it to refresh the other pages' menus"
            )
            return False
        return True


def remember_hooks(dirty: bool) -> None:
    """Remember the hooks as loaded: MkDocs keeps them for the life of `mkdocs serve`."""
    _hook_digests.clear()
    _hook_digests.update({path.name: _digest(path) for path in sorted(HOOKS.glob("*.py"))})
    build_log = logging.getLogger("mkdocs.commands.build")
    if dirty and not any(isinstance(f, _SafeDirtyBuild) for f in build_log.filters):
        build_log.addFilter(_SafeDirtyBuild())


def warn_if_hooks_changed() -> None:
    changed = [
        name
        for name, digest in _hook_digests.items()
        if not (HOOKS / name).is_file() or _digest(HOOKS / name) != digest
    ]
    if changed:
        log.warning(
            "hooks/%s changed since this process started: MkDocs keeps hooks loaded, so the "
            "change takes effect only after a restart (stop `make serve` with Ctrl-C and run it again)",
            ", hooks/".join(changed),
        )


def mark_pages_of_changed_snippets(files) -> None:
    """Remove the old output of every page whose snippet changed, appeared or disappeared since
    the previous build (a page whose snippet is gone then fails on its include, instead of
    serving the old output)."""
    snippets_now = {
        path.relative_to(SNIPPETS).as_posix(): path.stat().st_mtime_ns
        for path in SNIPPETS.rglob("*.py")
    }
    first_build = not _snippet_mtimes
    changed = {
        name
        for name in set(snippets_now) | set(_snippet_mtimes)
        if _snippet_mtimes.get(name) != snippets_now.get(name)
    }
    _snippet_mtimes.clear()
    _snippet_mtimes.update(snippets_now)
    if first_build or not changed:
        return
    for page in files.documentation_pages():
        twin = Path(page.src_uri).with_suffix(".py").as_posix()
        includes = {twin} if twin in changed else set()
        if page.abs_src_path and Path(page.abs_src_path).is_file():
            includes |= included(Path(page.abs_src_path).read_text(encoding="utf-8"))
        if includes & changed:
            Path(page.abs_dest_path).unlink(missing_ok=True)
