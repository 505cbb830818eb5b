"""Readers' done-marks survive the site changing: every lesson id ever published stays known."""

from __future__ import annotations

from conftest import find_lessons
from progress import known_lessons, resolve_aliases


def progress_problems(current: list[str], listed: list[str], aliases: dict[str, str]) -> list[str]:
    """What breaks readers' marks: a published id that vanished without an alias, an alias to
    nowhere or in a circle (the build's own `resolve_aliases`), or a lesson missing from
    lessons.yml."""
    resolved, problems = resolve_aliases(current, aliases)
    for lesson in listed:
        if lesson not in current and lesson not in resolved and lesson not in aliases:
            problems.append(
                f"lessons.yml: the published lesson {lesson} is gone: add `{lesson}: <its new id>` "
                "under aliases, so that readers keep their done-mark"
            )
    for lesson in current:
        if lesson not in listed:
            problems.append(f"lessons.yml: add the new lesson {lesson} under lessons")
    return problems


def test_every_published_lesson_id_still_leads_to_a_lesson():
    listed, aliases = known_lessons()
    problems = progress_problems(find_lessons(), listed, aliases)
    assert not problems, "\n".join(problems)


def test_the_check_catches_a_lesson_renamed_without_an_alias():
    listed = ["01-a/old", "01-a/kept"]
    assert progress_problems(["01-a/new", "01-a/kept"], listed, {}) == [
        "lessons.yml: the published lesson 01-a/old is gone: add `01-a/old: <its new id>` under "
        "aliases, so that readers keep their done-mark",
        "lessons.yml: add the new lesson 01-a/new under lessons",
    ]
    assert (
        progress_problems(
            ["01-a/new", "01-a/kept"], [*listed, "01-a/new"], {"01-a/old": "01-a/new"}
        )
        == []
    )
    assert progress_problems(["01-a/kept"], ["01-a/kept"], {"01-a/x": "01-a/y"}) == [
        "lessons.yml: alias 01-a/x -> 01-a/y leads to no lesson (01-a/y)"
    ]


def test_aliases_are_followed_through_renames_and_a_circle_is_refused():
    current = ["01-a/c"]
    assert resolve_aliases(current, {"01-a/a": "01-a/b", "01-a/b": "01-a/c"}) == (
        {"01-a/a": "01-a/c", "01-a/b": "01-a/c"},
        [],
    )
    resolved, problems = resolve_aliases(current, {"01-a/a": "01-a/b", "01-a/b": "01-a/a"})
    assert (
        not resolved and len(problems) == 2 and "circle: 01-a/a -> 01-a/b -> 01-a/a" in problems[0]
    )
