"""The line reader shared by a report's outcomes and recommendations (no database)."""

from __future__ import annotations

import pytest

from grants.projects.line_input import LineProblem, bracketed, checked_text, read_lines


def _parse(line: str, loaded: dict) -> dict:
    text, inside = bracketed(line, "the tags", "A5; women")
    if inside == "bad":
        raise LineProblem("“bad” is not a tag.")
    return {"text": checked_text(text, "the entry is missing.", "an entry"), "tags": inside}


def test_lines_are_read_with_what_was_loaded_once_and_blank_lines_skipped():
    loads = []
    found, problems = read_lines(
        "One [x]\n\n  Two  \n", "entries", _parse, lambda lines: loads.append(lines)
    )
    assert found == [{"text": "One", "tags": "x"}, {"text": "Two", "tags": None}]
    assert problems == [] and loads == [["One [x]", "Two"]]


def test_every_bad_line_is_refused_with_its_number():
    typed = "Good\n[x]\nThree [bad]\nFour [x] [y]\n" + "z" * 2001
    found, problems = read_lines(typed, "entries", _parse, lambda lines: None)
    assert found == [{"text": "Good", "tags": None}]
    assert problems == [
        "Line 2: the entry is missing.",
        "Line 3: “bad” is not a tag.",
        "Line 4: put the tags in one pair of brackets at the end, e.g. “… [A5; women]”.",
        "Line 5: keep an entry under 2000 characters.",
    ]


def test_too_many_lines_are_refused_before_anything_is_loaded():
    def never(lines):
        raise AssertionError("loaded")

    found, problems = read_lines("a\n" * 51, "entries", _parse, never)
    assert found == [] and problems == ["Give at most 50 entries (there are 51)."]


def test_a_lone_closing_bracket_is_refused():
    with pytest.raises(LineProblem, match="one pair of brackets at the end"):
        bracketed("Text ] here", "the priority", "A5")
