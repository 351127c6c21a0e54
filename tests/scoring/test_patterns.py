"""Word-class patterns (scoring/patterns.py): their notation, where they match, and how a match
counts in the alignment (issue 14: evidence in words a phrase list does not anticipate)."""

from __future__ import annotations

import re

import pytest

from scoring import AlignmentInput, align
from scoring.descriptors import Phrase, fold_case, load_descriptors
from scoring.passages import read
from scoring.patterns import PatternIndex, compile_pattern

CLASSES = {"move": ("send", "sent", "pass"), "person": ("victim", "them"), "help": ("shelter*",)}


def forms(word: str) -> list[str]:
    return [word, word + "s", word + "ed", word + "ing"]


def matches(notation: str, text: str) -> list[str]:
    compiled = compile_pattern(notation, CLASSES, forms)
    index = PatternIndex({"x": [(compiled, Phrase("found", (), 1.0, "pattern"))]})
    low = fold_case(text)
    reading = read(text)
    return [text[a:b] for a, b, _ in index.scan(low, reading.words, reading.starts).get("x", [])]


@pytest.mark.parametrize(
    "notation",
    [
        "",
        "~2 <move>",
        "<move> ~2",
        "<move> ~2 ~3 <person>",
        "<move> ~9 <person>",
        "<nope> to",
        "<move> To",
        "<move> ~0 <person>",
        "<move> a-b",
    ],
)
def test_a_bad_notation_is_refused_with_a_reason(notation):
    with pytest.raises(ValueError):
        compile_pattern(notation, CLASSES, forms)


def test_classes_take_inflections_gaps_are_bounded_and_a_match_stays_in_its_clause():
    notation = "<move> ~2 <person> ~2 to|into ~2 <help>"
    assert matches(notation, "They Sent the two victims on to a Shelter.") == [
        "Sent the two victims on to a Shelter"
    ]
    assert matches(notation, "We passed them to shelters.") == ["passed them to shelters"]
    # three words between verb and person is more than ~2
    assert matches(notation, "We send all of the victims to shelters.") == []
    # no match across a sentence's end or a comma
    assert matches(notation, "We send them. To shelters they go.") == []
    assert matches(notation, "We send them, to shelters.") == []
    # the class's words as words, not inside others
    assert matches(notation, "Resent them to shelters.") == []


def test_the_heavier_pattern_then_the_longer_match_wins_at_one_position():
    light = compile_pattern("<move> <person>", CLASSES, forms)
    heavy = compile_pattern("<move> <person> to ~2 <help>", CLASSES, forms)
    index = PatternIndex(
        {
            "x": [
                (light, Phrase("light", (), 1.0, "pattern")),
                (heavy, Phrase("heavy", (), 1.5, "pattern")),
            ]
        }
    )
    text = "Staff send them to a shelter and pass them on."
    reading = read(text)
    found = index.scan(fold_case(text), reading.words, reading.starts)["x"]
    assert [(text[a:b], p.text) for a, b, p in found] == [
        ("send them to a shelter", "heavy"),
        ("pass them", "light"),
    ]


def test_referral_in_plain_words_is_found_by_the_patterns_and_shown_with_its_offsets():
    """No referral phrase occurs in these sentences; the patterns say who is moved to whom."""
    descriptors = load_descriptors()
    weights = {"referral": 1}
    for text in (
        "Our outreach workers take the women they meet to a lawyer and a doctor within a day.",
        "Children found on the streets are accompanied to a safe house by a social worker.",
    ):
        result = align(AlignmentInput("R", text), descriptors, weights).priority("referral")
        assert result.addressed, text
        assert [m.phrase for m in result.text_matches] == ["a person is sent on to help"]
        match = result.text_matches[0]
        assert re.search(r"take|accompanied", text[match.start : match.end])
    # "direct" before a noun is an adjective: direct help is not a person sent on
    text = "We give direct help to victims with the support of a lawyer."
    assert (
        not align(AlignmentInput("R", text), descriptors, weights).priority("referral").text_matches
    )


def test_a_pattern_match_is_not_matched_phrasing():
    """A pattern spans a clause: its words do not count towards the density of matched
    phrasing or the stuffing test."""
    descriptors = load_descriptors()
    text = "Our staff send every victim they meet on to a shelter within two days."
    result = align(AlignmentInput("D", text), descriptors, {"referral": 1})
    assert result.priority("referral").text_matches
    assert result.density == 0.0


def test_online_means_count_where_the_offence_is_named_not_a_projects_own_website():
    descriptors = load_descriptors()
    weights = {"online": 1}
    own = "The partners will publish the handbook on the project website for all staff."
    result = align(AlignmentInput("O", own), descriptors, weights).priority("online")
    assert [m.matched for m in result.text_matches] == ["website"] and not result.addressed
    used = "Traffickers now recruit young women through a dating app and sell them abroad."
    result = align(AlignmentInput("O", used), descriptors, weights).priority("online")
    assert "the exploitation uses online means" in [m.phrase for m in result.text_matches]
    assert result.addressed
