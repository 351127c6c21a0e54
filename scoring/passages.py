"""A proposal's text as passages (sentences with offsets), and what kind of passage each is.

Evidence counts fully only in a passage that describes an action (who does what for whom). A
line of keywords, a heading, a sentence that declares alignment with the strategy, a passage
copied from the strategy or one stuffed with matched phrasing counts little (see `quality`).
Every decision is taken from the passage alone, so adding text elsewhere never changes it.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Iterator
from itertools import accumulate, islice
from typing import NamedTuple

# A passage ends at a line break or after . ! ? ; followed by a space (so that "x; y" in a
# budget description are two passages, and adding "; more" never changes the first).
_SPLIT = re.compile(r"(?<=[.!?;])\s+|\n+")
_WORD = re.compile(r"[^\W\d_](?:[\w'’-]*\w)?", re.UNICODE)

# Verbs that describe what a project does, in their base form; inflected forms follow the
# usual rules (see _verb_forms). Enough to tell "We run a shelter for women" from
# "Keywords: shelters, women, gender".
_VERBS = [
    "accompany",
    "accommodate",
    "advise",
    "advocate",
    "aim",
    "analyse",
    "apply",
    "arrange",
    "assess",
    "assist",
    "attend",
    "build",
    "campaign",
    "carry",
    "check",
    "claim",
    "coach",
    "collect",
    "combat",
    "compare",
    "conduct",
    "connect",
    "coordinate",
    "counsel",
    "create",
    "deliver",
    "design",
    "detect",
    "develop",
    "disrupt",
    "document",
    "draft",
    "educate",
    "employ",
    "empower",
    "enable",
    "ensure",
    "equip",
    "establish",
    "evaluate",
    "examine",
    "exchange",
    "expand",
    "facilitate",
    "find",
    "focus",
    "follow",
    "form",
    "fund",
    "gather",
    "give",
    "guide",
    "help",
    "host",
    "house",
    "identify",
    "implement",
    "improve",
    "include",
    "increase",
    "inform",
    "interview",
    "introduce",
    "investigate",
    "involve",
    "launch",
    "lead",
    "learn",
    "link",
    "map",
    "meet",
    "mentor",
    "monitor",
    "offer",
    "open",
    "organise",
    "pilot",
    "place",
    "plan",
    "prepare",
    "present",
    "prevent",
    "produce",
    "promote",
    "propose",
    "protect",
    "provide",
    "publish",
    "pursue",
    "raise",
    "reach",
    "recognise",
    "recruit",
    "reduce",
    "refer",
    "reintegrate",
    "release",
    "renovate",
    "report",
    "represent",
    "research",
    "review",
    "run",
    "screen",
    "send",
    "set",
    "share",
    "shelter",
    "show",
    "spot",
    "spread",
    "start",
    "strengthen",
    "study",
    "supervise",
    "support",
    "survey",
    "teach",
    "test",
    "track",
    "train",
    "translate",
    "turn",
    "use",
    "visit",
    "welcome",
    "work",
    "write",
    "buy",
    "purchase",
    "replace",
    "install",
    "agree",
    "answer",
    "call",
    "come",
    "contact",
    "cover",
    "escape",
    "explain",
    "get",
    "go",
    "keep",
    "know",
    "leave",
    "live",
    "make",
    "move",
    "pay",
    "post",
    "practise",
    "put",
    "receive",
    "reply",
    "return",
    "see",
    "stay",
    "take",
    "talk",
    "tell",
    "travel",
    "want",
    "watch",
    "listen",
    "advertise",
    "lure",
    "exploit",
    "sell",
    "force",
    "hold",
    "bring",
    "push",
    "accept",
    "count",
    "record",
    "warn",
    "notice",
    "join",
    "hire",
    "pass",
    "close",
]
# Auxiliaries and pronouns that make a clause; with one of them a passage is a statement.
_CLAUSE_WORDS = frozenset(
    [
        "will",
        "shall",
        "can",
        "could",
        "would",
        "should",
        "may",
        "must",
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
        "we",
        "they",
        "he",
        "she",
        "it",
        "our",
        "their",
        "who",
        "which",
        "that",
    ]
)
# A statement about the proposal's alignment is a claim, not an action.
_DECLARATION = re.compile(
    r"\b(?:(?:fully|strongly|closely)\s+)?(?:aligned|in line|in accordance|consistent|"
    r"compliant|complies|contributes?|contributing|committed|commitment|relevant)\s+"
    r"(?:with|to)\s+(?:the\s+|all\s+|its\s+|their\s+)?(?:eu|european|strategy|priorit|objective|"
    r"aims|goals|call|directive|key actions|dimensions|areas)",
    re.IGNORECASE,
)
# Every match of _DECLARATION contains one of these words: a passage without any needs no search.
_DECLARATION_HINT = re.compile(
    r"aligned|in line|accordance|consistent|complian|complies|contribut|committ|relevant"
)
_HINT_WORDS = _DECLARATION_HINT.pattern.split("|")


def _hint_starts(low: str) -> list[int]:
    """Every offset where one of `_DECLARATION_HINT`'s words starts, in order: each of its
    matches, and also occurrences inside another (a passage with one is searched in full, so
    more starts only search more; none is missed). `str.find` per word is several times faster
    than the alternation's search from every character."""
    out = []
    for word in _HINT_WORDS:
        at = low.find(word)
        while at >= 0:
            out.append(at)
            at = low.find(word, at + 1)
    out.sort()
    return out


_LABEL = re.compile(r"^\s*(?:keywords?|key words|tags?|topics?|priorities|themes?)\s*[:\-]", re.I)

ACTION = 1.0
STATEMENT = 0.25  # a heading, a list, a declaration of alignment
QUOTED = 0.1  # copied from the strategy
STUFFED = 0.1  # mostly matched phrasing
SHINGLE = 6  # words per shingle for copy detection
COPIED_SHARE = 0.5  # this share of a passage's shingles found in the strategy: a copy
STUFFED_SHARE = 0.5  # this share of a passage's words inside matched phrases: stuffed


def _verb_forms(verb: str) -> set[str]:
    forms = {verb, verb + "s", verb + "ed", verb + "ing"}
    if verb.endswith("e"):
        forms |= {verb + "d", verb[:-1] + "ing"}
    if verb.endswith(("s", "sh", "ch", "x", "o")):
        forms.add(verb + "es")
    if verb.endswith("y") and verb[-2] not in "aeiou":
        forms |= {verb[:-1] + "ies", verb[:-1] + "ied"}
    if (
        len(verb) >= 3
        and verb[-1] in "bdgklmnprt"
        and verb[-2] in "aeiou"
        and verb[-3] not in "aeiou"
    ):
        forms |= {verb + verb[-1] + "ed", verb + verb[-1] + "ing"}  # refer: referred, planning
    if verb.endswith("ise"):
        forms |= {f.replace("is", "iz") for f in set(forms)}
    irregular = {
        "build": "built",
        "find": "found",
        "give": "gave given",
        "lead": "led",
        "meet": "met",
        "run": "ran",
        "send": "sent",
        "set": "setting",
        "teach": "taught",
        "write": "wrote written",
        "buy": "bought",
        "learn": "learnt",
        "spread": "spreading",
        "spot": "spotted spotting",
        "plan": "planned planning",
        "map": "mapped mapping",
        # the other irregular past forms of the verbs above
        "go": "went gone",
        "sell": "sold",
        "hold": "held",
        "bring": "brought",
        "take": "took taken",
        "get": "got gotten",
        "come": "came",
        "see": "saw seen",
        "pay": "paid",
        "tell": "told",
        "make": "made",
        "keep": "kept",
        "leave": "left",
        "know": "knew known",
        "show": "shown",
    }
    forms |= set(irregular.get(verb, "").split())
    return forms


VERB_FORMS = frozenset(f for v in _VERBS for f in _verb_forms(v))


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__


class Passage(NamedTuple):
    """One sentence (or line) of a text: offsets into the text, its words and what kind it is."""

    start: int
    end: int
    text: str
    words: tuple[str, ...]  # lower-case
    kind: str  # "action", "statement", "quoted", "stuffed" (stuffed is decided with the phrases)


# A passage directly, in one C-level scan: from a non-space character to the last one before a
# cut (whitespace after . ! ? ;, a line break, or the end), stripped as str.strip would strip it
# (tests/scoring/test_passages.py checks it against cutting at _SPLIT and stripping).
_PASSAGE = re.compile(r"\S(?:[^\n]*?\S)??(?=(?<=[.!?;])\s|\s*(?:\n|\Z))")


# Where a cut can be: a sentence mark or a line break, with the whitespace after it. Found in C
# at a small share of the cost of _PASSAGE's search from every character; `_spans` keeps those
# that cut (a line break, or a mark followed by whitespace) and strips the pieces between them.
_CUT = re.compile(r"[.!?;\n]\s*")


def _spans(text: str) -> list[tuple[int, int]]:
    """The spans `_PASSAGE.finditer` gives (tests/scoring/test_passages.py checks it): the text
    cut at each whitespace run that holds a line break or follows . ! ? ; and each piece
    stripped, empty pieces left out."""
    out = []
    append = out.append
    pos = 0
    for m in _CUT.finditer(text):
        a, b = m.span()
        if text[a] != "\n":
            if b - a == 1:
                continue  # a mark not followed by whitespace does not cut
            a += 1  # the mark stays with its passage
        piece = text[pos:a]
        rest = piece.lstrip()
        if rest:
            start = pos + len(piece) - len(rest)
            append((start, start + len(rest.rstrip())))
        pos = b
    piece = text[pos:]
    rest = piece.lstrip()
    if rest:
        start = pos + len(piece) - len(rest)
        append((start, start + len(rest.rstrip())))
    return out


def split_passages(text: str) -> Iterator[tuple[int, int]]:
    """(start, end) of each passage: stripped, non-empty; cut at line breaks and sentence ends."""
    yield from _spans(text)


def shingles(words: Iterable[str], size: int = SHINGLE) -> set[int]:
    """Hashes of each run of `size` words (the unit of copy detection)."""
    words = list(words)
    # zip builds the runs as tuples in C: the same tuples as words[i : i + size]
    return set(map(hash, zip(*(words[i:] for i in range(size)), strict=False)))


class Reading(NamedTuple):
    """A text read once: its passages, and every word's offsets for counting coverage."""

    passages: list[Passage]
    words: list[str]  # every word of the text, lower case, in order
    starts: list[int]  # start offset of each word of the text, in order
    ends: list[int]  # end offset of each word
    bounds: list[tuple[int, int]]  # the range of word indices of each passage


# The words of a text and the gaps between them in one C call: split() with one group gives
# [gap, word, gap, word, ..., gap], so the offsets follow from the lengths (no match objects).
# The same words as _WORD (a letter, then the longest run of word characters, hyphens and
# apostrophes that ends in a word character), written with possessive quantifiers so that the
# engine never backtracks into a word (tests/scoring/test_passages.py checks it against _WORD).
_WORD_SPLIT = re.compile(r"([^\W\d_]\w*+(?:['’-]++\w++)*+)", re.UNICODE)


def read(text: str, quoted: frozenset[int] = frozenset()) -> Reading:
    """The passages of a text and their kind (before the stuffing test, which needs phrases),
    with the offsets of its words; the text is tokenised once."""
    low = text.lower()
    if len(low) == len(text):
        parts = _WORD_SPLIT.split(low)
        offsets = list(accumulate(map(len, parts), initial=0))
        words = parts[1::2]
        starts = offsets[1:-1:2]
        ends = offsets[2::2]
        # passages that may declare alignment: only those get the full declaration search
        hints: list[int] | None = _hint_starts(low)
    else:  # a character's lower case is longer: lower word by word, offsets from the text
        found = [(m.group().lower(), m.start(), m.end()) for m in _WORD.finditer(text)]
        words = [w for w, _, _ in found]
        starts = [a for _, a, _ in found]
        ends = [b for _, _, b in found]
        hints = None
    # the six-word runs of the whole text, hashed once: a passage's runs are those inside it
    runs = (
        list(map(hash, zip(*(islice(words, k, None) for k in range(SHINGLE)), strict=False)))
        if quoted
        else []
    )
    out = []
    bounds = []
    i = 0
    for start, end in _spans(text):
        # no word crosses a passage's bounds (whitespace surrounds them)
        i = bisect_left(starts, start, i)
        j = bisect_left(starts, end, i)
        own = words[i:j]
        piece = text[start:end]
        declared = None
        if hints is not None:
            h = bisect_left(hints, start)
            declared = h < len(hints) and hints[h] < end
        kind = _kind(piece, own, quoted, declared, runs[i : j - SHINGLE + 1] if quoted else None)
        out.append(_new_tuple(Passage, (start, end, piece, tuple(own), kind)))
        bounds.append((i, j))
        i = j
    return Reading(out, words, starts, ends, bounds)


def passages(text: str, quoted: frozenset[int] = frozenset()) -> list[Passage]:
    """The passages of a text and their kind (before the stuffing test, which needs phrases)."""
    return read(text, quoted).passages


def _kind(
    piece: str,
    words: list[str],
    quoted: frozenset[int],
    declared: bool | None = None,
    runs: list[int] | None = None,
) -> str:
    """The passage's kind; `runs`, if given, are the hashes of its six-word runs."""
    if quoted and len(words) >= SHINGLE:
        own = shingles(words) if runs is None else set(runs)
        if own and len(own & quoted) >= COPIED_SHARE * len(own):
            return "quoted"
    if len(words) < 5 or _LABEL.match(piece):
        return "statement"
    if (declared is None or declared) and _DECLARATION.search(piece):
        return "statement"
    separators = piece.count(",") + piece.count("|") + piece.count("/") + piece.count("·")
    if separators * 3 >= len(words):
        return "statement"  # a list of terms, not a sentence
    has_verb = not VERB_FORMS.isdisjoint(words)
    has_clause = not _CLAUSE_WORDS.isdisjoint(words)
    return "action" if has_verb and (has_clause or len(words) >= 8) else "statement"


def covered_counts(
    text: str, items: list[Passage], covered: Iterable[tuple[int, int]]
) -> list[int]:
    """How many words of each passage lie inside one of the `covered` (start, end) spans.

    A word counts when it ends at or before the furthest end of the spans starting at or
    before it. Only the passages that a span reaches are read word by word.
    """
    starts: list[int] = []
    reach: list[int] = []  # the furthest end among the spans starting at or before starts[i]
    furthest = -1
    for a, b in sorted(covered):
        furthest = max(furthest, b)
        if starts and starts[-1] == a:
            reach[-1] = furthest
        else:
            starts.append(a)
            reach.append(furthest)
    counts = []
    for passage in items:
        i = bisect_right(starts, passage.end - 1) - 1  # the last span starting in or before it
        if i < 0 or reach[i] <= passage.start:
            counts.append(0)  # no span reaches into this passage
            continue
        inside = 0
        for m in _WORD.finditer(text, passage.start, passage.end):
            j = bisect_right(starts, m.start()) - 1
            if j >= 0 and m.end() <= reach[j]:
                inside += 1
        counts.append(inside)
    return counts


def covered_in(reading: Reading, covered: Iterable[tuple[int, int]]) -> list[int]:
    """`covered_counts` of a text already read: from the word offsets kept by `read`, with no
    second tokenisation (the same definition, tested against it)."""
    starts: list[int] = []
    reach: list[int] = []
    furthest = -1
    for a, b in sorted(covered):
        furthest = max(furthest, b)
        if starts and starts[-1] == a:
            reach[-1] = furthest
        else:
            starts.append(a)
            reach.append(furthest)
    # A word counts when its end is within reach[k], k the last span start at or before the
    # word's start. The words starting in [starts[k], starts[k + 1]) are one run of indices,
    # and those of them that count are a prefix of it (ends increase): found by bisection, so
    # the counted words are sorted, disjoint runs of indices [first[k], last[k]).
    word_starts, word_ends = reading.starts, reading.ends
    first: list[int] = []
    last: list[int] = []
    before: list[int] = []  # counted words in the runs before run k
    total = 0
    n = len(starts)
    for k in range(n):
        a = bisect_left(word_starts, starts[k])
        b = bisect_left(word_starts, starts[k + 1]) if k + 1 < n else len(word_starts)
        c = bisect_right(word_ends, reach[k], a, b)
        if c > a:
            first.append(a)
            last.append(c)
            before.append(total)
            total += c - a

    def counted_below(x: int) -> int:
        r = bisect_right(first, x) - 1
        return before[r] + min(x, last[r]) - first[r] if r >= 0 else 0

    return [counted_below(j) - counted_below(i) for i, j in reading.bounds]


QUALITY = {"action": ACTION, "statement": STATEMENT, "quoted": QUOTED, "stuffed": STUFFED}


def quality(kind: str) -> float:
    """How much evidence in a passage of this kind counts (1 in an action sentence)."""
    return QUALITY[kind]


def normalised(passage_text: str) -> str:
    """The passage as compared for repetition: words only, lower case."""
    return " ".join(m.group().lower() for m in _WORD.finditer(passage_text))


def strategy_prose(text: str) -> str:
    """A strategy document's running text: footnotes and page rules left out, markup folded."""
    keep = [
        line
        for line in text.splitlines()
        if not line.startswith(("<sup>", "<https", "[https")) and line.strip() != "---"
    ]
    prose = re.sub(r"<sup>.*?</sup>|</?b>", "", "\n".join(keep)).replace("*", "")
    return re.sub(r"[ \t]+", " ", prose)
