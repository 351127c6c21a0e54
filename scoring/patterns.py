"""Word-class patterns: evidence a list of phrases cannot anticipate.

A phrase list names what a priority is called; a description often says what happens instead,
in words of its own: "the case worker sends them on to a lawyer", "victims are passed safely to
help in another country", "we pass on his file". A pattern is a sequence of word classes (a
class lists words, each taking the phrases' inflections, or stems written `word*`), literal
alternatives and bounded gaps, matched inside one clause:

    <move> ~4 <person> ~4 <towards> ~4 <help>

`<name>` is a word of the class `name` (seed/descriptors.toml, `[_word_classes]`); `a|b` one of
the words written; `~N` up to N further words. A match stays inside one clause: no comma or end
of sentence (`. ! ? ; :`) between its words. A match counts as
one phrase of the pattern's weight and is shown with its offsets, like a phrase; its words do
not count as matched phrasing for the density and stuffing tests (a pattern spans a whole
clause, and a clause that says who does what for whom is the opposite of stuffing).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

# Words inside one clause are separated by anything but a word character, a comma or an end of
# sentence (the passages cut at the same marks).
_SEP = r"[^\w.!?;:,]+"
_GAP = re.compile(r"~(\d)")
_CLASS = re.compile(r"<([a-z_]+)>")
_LITERAL = re.compile(r"[a-z]+(?:\|[a-z]+)*")
MAX_GAP = 8
_MEMO_LIMIT = 100_000


@dataclass(frozen=True)
class Pattern:
    """One pattern of a priority: `label` says in words what it finds (shown as evidence)."""

    label: str
    notation: str
    weight: float = 1.0


class Compiled(NamedTuple):
    """A pattern's regex (for case-folded text, matched where a word starts), the words it can
    start with and the stems of those it can start with."""

    regex: re.Pattern[str]
    heads: frozenset[str]
    stems: frozenset[str]


def _words(
    words: Sequence[str], forms: Callable[[str], Sequence[str]]
) -> tuple[list[str], set[str], set[str]]:
    """The regex alternatives of a class's words, and its words and stems as written."""
    alternatives: list[str] = []
    exact: set[str] = set()
    stems: set[str] = set()
    for word in words:
        if word.endswith("*"):
            alternatives.append(re.escape(word[:-1]) + r"\w*")
            stems.add(word[:-1])
        else:
            exact.update(forms(word))
            alternatives += [re.escape(f) for f in forms(word)]
    return sorted(dict.fromkeys(alternatives), key=lambda a: (-len(a), a)), exact, stems


def compile_pattern(
    notation: str,
    classes: Mapping[str, Sequence[str]],
    forms: Callable[[str], Sequence[str]],
) -> Compiled:
    """A pattern compiled. Raises ValueError on a bad notation."""
    parts: list[str] = []
    heads: set[str] = set()
    stems: set[str] = set()
    gap = 0
    tokens = notation.split()
    if not tokens or _GAP.fullmatch(tokens[0]) or _GAP.fullmatch(tokens[-1]):
        raise ValueError(f"a pattern starts and ends with words: {notation!r}")
    for token in tokens:
        if m := _GAP.fullmatch(token):
            if gap:
                raise ValueError(f"two gaps in a row: {notation!r}")
            gap = int(m[1])
            if not 1 <= gap <= MAX_GAP:
                raise ValueError(f"a gap is ~1 to ~{MAX_GAP}: {notation!r}")
            continue
        if m := _CLASS.fullmatch(token):
            if m[1] not in classes:
                raise ValueError(f"unknown word class <{m[1]}> in {notation!r}")
            alternatives, exact, stemmed = _words(classes[m[1]], forms)
        elif _LITERAL.fullmatch(token):
            alternatives, exact, stemmed = token.split("|"), set(token.split("|")), set()
        else:
            raise ValueError(f"not a word class, words or gap: {token!r} in {notation!r}")
        if parts:
            parts.append(_SEP + (rf"(?:\w+{_SEP}){{0,{gap}}}?" if gap else ""))
        else:
            heads, stems = exact, stemmed
        parts.append(r"\b(?:" + "|".join(alternatives) + r")\b")
        gap = 0
    return Compiled(re.compile("".join(parts)), frozenset(heads), frozenset(stems))


class PatternIndex:
    """The patterns of several codes, looked up by the word a match can start with (a word of
    the text, or its first letters for a stem): one dictionary look-up per word, then a match
    anchored there."""

    def __init__(self, groups: Mapping[str, Sequence[tuple[Compiled, Any]]]) -> None:
        self.codes = tuple(groups)
        self._by_head: dict[str, list[tuple[str, re.Pattern[str], Any]]] = {}
        self._by_stem: dict[int, dict[str, list[tuple[str, re.Pattern[str], Any]]]] = {}
        for code, patterns in groups.items():
            for compiled, counted in patterns:
                entry = (code, compiled.regex, counted)
                for head in compiled.heads:
                    self._by_head.setdefault(head, []).append(entry)
                for stem in compiled.stems:
                    self._by_stem.setdefault(len(stem), {}).setdefault(stem, []).append(entry)
        self._stem_lengths = tuple(sorted(self._by_stem))
        # what can start at each word met in texts (bounded; shared by threads: a reset only
        # makes a look-up compute again)
        self._memo: dict[str, tuple[tuple[str, re.Pattern[str], Any], ...]] = {}

    def __bool__(self) -> bool:
        return bool(self._by_head or self._by_stem)

    def _at(self, word: str) -> tuple[tuple[str, re.Pattern[str], Any], ...]:
        entries = list(self._by_head.get(word, ()))
        for length in self._stem_lengths:
            entries += self._by_stem[length].get(word[:length], ())
        if len(self._memo) >= _MEMO_LIMIT:
            self._memo.clear()
        found = self._memo[word] = tuple(entries)
        return found

    def scan(
        self, lowered: str, words: Sequence[str], starts: Sequence[int]
    ) -> dict[str, list[tuple[int, int, Any]]]:
        """Non-overlapping matches per code in case-folded text whose words (lower case) start
        at `starts`, left to right: {code: [(start, end, what the match counts as)]}; at one
        position the heavier pattern, then the longer match, wins."""
        raw: dict[str, list[tuple[int, int, Any]]] = {}
        memo = self._memo
        for word, start in zip(words, starts, strict=True):
            entries = memo.get(word)
            if entries is None:
                entries = self._at(word)
            for code, regex, counted in entries:
                m = regex.match(lowered, start)
                if m is not None:
                    raw.setdefault(code, []).append((start, m.end(), counted))
        found = {}
        for code, hits in raw.items():
            hits.sort(key=lambda h: (h[0], -h[2].weight, -h[1]))
            kept: list[tuple[int, int, Any]] = []
            for hit in hits:
                if not kept or hit[0] >= kept[-1][1]:
                    kept.append(hit)
            found[code] = kept
        return found
