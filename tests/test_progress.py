"""Readers' done-marks survive the site changing: every lesson id ever published stays known."""

from __future__ import annotations

from conftest import find_lessons
from progress import known_lessons


def progress_problems(current: list[str], listed: list[str], aliases: dict[str, str]) -> list[str]:
    """What breaks readers' marks: a published id that vanished without an alias, an alias to
    nowhere, or a lesson missing from lessons.yml."""
    problems = []

    def resolve(lesson: str) -> str:
        seen = set()
        while lesson in aliases and lesson not in seen:
            seen.add(lesson)
            lesson = aliases[lesson]
        return lesson

    for lesson in listed:
        if resolve(lesson) not in current:
            problems.append(
                f"lessons.yml: the published lesson {lesson} is gone: add `{lesson}: <its new id>` "
                "under aliases, so that readers keep their done-mark"
            )
    for old, new in aliases.items():
        if resolve(new) not in current:
            problems.append(f"lessons.yml: alias {old} -> {new} leads to no lesson")
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
        "lessons.yml: alias 01-a/x -> 01-a/y leads to no lesson"
    ]
