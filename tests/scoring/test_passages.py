"""Passages: the fast word and coverage counting gives what the plain definition gives."""

from __future__ import annotations

import re

from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.passages import (
    _SPLIT,
    _WORD,
    covered_counts,
    covered_in,
    passages,
    read,
    split_passages,
)

WORDS = ["victims", "anti-trafficking", "victim's", "we", "will", "train", "İstanbul", "x1"]
SEPARATORS = [" ", "  ", "\n", ". ", "; ", ", ", "-", "'"]


def _plain_counts(text, items, spans):
    """The definition: a word counts if some span contains it, or its end is within the
    furthest reach of the spans starting at or before it."""
    words = [m.span() for m in _WORD.finditer(text)]
    out = []
    for p in items:
        inside = 0
        for a, b in words:
            if p.start <= a and b <= p.end:
                reach = max((e for s, e in spans if s <= a), default=-1)
                inside += b <= reach
        out.append(inside)
    return out


texts = st.lists(st.tuples(st.sampled_from(WORDS), st.sampled_from(SEPARATORS)), max_size=30).map(
    lambda parts: "".join(w + s for w, s in parts)
)


@settings(max_examples=200, deadline=None)
@given(texts, st.lists(st.tuples(st.integers(0, 300), st.integers(0, 40)), max_size=8))
def test_covered_counts_follow_the_definition(text, raw):
    spans = [(a, min(len(text), a + n)) for a, n in raw if a <= len(text)]
    items = passages(text)
    assert covered_counts(text, items, spans) == _plain_counts(text, items, spans)
    # the same counts from the word offsets `read` keeps (no second tokenisation)
    assert covered_in(read(text), spans) == _plain_counts(text, items, spans)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_passage_words_are_the_lower_case_words_inside_it(text):
    for p in passages(text):
        assert p.text == text[p.start : p.end] and p.text == p.text.strip()
        assert list(p.words) == [w.lower() for w in _WORD.findall(p.text)]
        assert not re.search(r"[.!?;]\s|\n", p.text)


@settings(max_examples=200, deadline=None)
@given(texts)
def test_read_keeps_each_words_offsets_and_its_passage(text):
    reading = read(text)
    spans = [m.span() for m in _WORD.finditer(text)]
    assert list(zip(reading.starts, reading.ends, strict=True)) == spans
    assert reading.words == [text[a:b].lower() for a, b in spans]
    for p, (i, j) in zip(reading.passages, reading.bounds, strict=True):
        assert p.words == tuple(reading.words[i:j])
        assert all(p.start <= reading.starts[k] < reading.ends[k] <= p.end for k in range(i, j))


def _plain_split(text):
    """The definition: cut at _SPLIT, strip each piece, keep the non-empty ones."""
    out, start = [], 0
    for m in [*_SPLIT.finditer(text), None]:
        end = len(text) if m is None else m.start()
        piece = text[start:end]
        if piece.strip():
            a = start + len(piece) - len(piece.lstrip())
            out.append((a, a + len(piece.strip())))
        if m is not None:
            start = m.end()
    return out


@settings(max_examples=300, deadline=None)
@given(
    st.text(
        st.sampled_from(
            ["a", "b", ".", "!", ";", "?", " ", "\t", "\n", "\r", "\u00a0", "\x1c", ","]
        ),
        max_size=40,
    )
)
def test_split_passages_cuts_and_strips_as_defined(text):
    assert list(split_passages(text)) == _plain_split(text)


def test_irregular_forms_of_the_action_verbs_make_an_action():
    """'sold', 'goes', 'went', 'paid' ... are forms of verbs of the list: a sentence with one
    and a clause word (or eight words) describes an action, as with 'sells' or 'helped'."""
    for sentence in (
        "Most of them had been sold for sex.",
        "Special attention goes to Roma minors without papers.",
        "The outreach workers went to the farms every week.",
        "The employers paid them far less than the law requires.",
    ):
        assert [p.kind for p in passages(sentence)] == ["action"], sentence
