"""Priority descriptors (phrases and fit rules from seed/) and the compiled phrase matchers."""

from __future__ import annotations

import hashlib
import json
import re
import tomllib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from scoring.patterns import Compiled, Pattern, PatternIndex, compile_pattern

DEFAULT_DESCRIPTORS_PATH = Path(__file__).resolve().parent.parent / "seed" / "descriptors.toml"

KINDS = ("dimension", "area", "key_action")
# Where a phrase comes from: "" = the strategy's own words, "directive" = Directive 2011/36/EU
# Art. 2(3), "plain" = plain words proposals use for the same thing (see seed/descriptors.toml).
PHRASE_SOURCES = ("", "directive", "plain")
# The code under which `DescriptorSet.index(..., programmes=True)` reports funding programmes' names
PROGRAMMES = "_programmes"

# Words that never inflect and are matched exactly.
_STOP_WORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "as",
        "at",
        "by",
        "for",
        "from",
        "in",
        "into",
        "of",
        "on",
        "or",
        "the",
        "their",
        "them",
        "they",
        "to",
        "upon",
        "with",
    }
)
_DASHES = "\\-\u2010\u2011\u2012\u2013"
_BLANKS = " \\t\u00a0"
# A line break that does not open a blank line: a phrase never spans two paragraphs.
_LINE_BREAK = rf"\r?\n(?![{_BLANKS}]*\r?\n)"
# A space in a phrase: spaces, hyphens, slashes or one line break.
_SPACE_SEP = rf"(?:[{_BLANKS}/{_DASHES}]|{_LINE_BREAK})+"
# A hyphen in a phrase: a hyphen (maybe with spaces or a line break after it), spaces, or nothing.
_HYPHEN_SEP = rf"(?:[{_BLANKS}]*[{_DASHES}][{_BLANKS}]*(?:\r?\n)?|[{_BLANKS}]+|{_LINE_BREAK})?"
_PHRASE_SPLIT = re.compile(r"(\s*-\s*|\s+)")
_ISE = re.compile(r"(?<=i)s(?=[eai])")
_LEAD = re.compile(r"\w*")
_WORD = re.compile(r"\w+")
_MAX_HEADS = 4096
_MEMO_LIMIT = 200_000
_PHRASE_START = re.compile(r"^\w", re.UNICODE)
_ALLOWED_PRIORITY_KEYS = frozenset(
    {
        "label",
        "kind",
        "parent",
        "phrases",
        "target_groups",
        "indicator_hints",
        "disaggregations",
        "budget_hints",
        "strategy_text",
        "patterns",
    }
)


@dataclass(frozen=True)
class Phrase:
    """A descriptor phrase; its variants count as the same phrase."""

    text: str
    variants: tuple[str, ...] = ()
    weight: float = 1.0
    source: str = ""  # "" = the strategy's own words; "directive"; "plain" (see PHRASE_SOURCES)

    @property
    def forms(self) -> tuple[str, ...]:
        return (self.text, *self.variants)

    @property
    def lower_case(self) -> bool:
        """Every form written in lower case (no name, acronym or proper adjective)."""
        return all(f == f.lower() for f in self.forms)


class TextMatch(NamedTuple):
    """One passage of a text that matched a descriptor phrase, with its character offsets.

    A NamedTuple rather than a dataclass: a proposal yields about a hundred of them.
    """

    priority: str
    phrase: str
    start: int
    end: int
    matched: str
    weight: float = 1.0

    def context(self, text: str, width: int = 60) -> str:
        """The passage with up to `width` characters either side, for display."""
        left = max(0, self.start - width)
        right = min(len(text), self.end + width)
        prefix = "..." if left else ""
        suffix = "..." if right < len(text) else ""
        return f"{prefix}{text[left : self.start]}[{self.matched}]{text[self.end : right]}{suffix}"


def _word_forms(word: str) -> list[str]:
    """The concrete inflected forms of one lower-case word (regular rules only)."""
    if word in _STOP_WORDS or len(word) < 3 or not word.isalpha():
        return [word]
    if word[-1] == "y" and len(word) > 3 and word[-2] not in "aeiou":
        forms = [word, word[:-1] + "ies", word[:-1] + "ied", word + "ing"]
    elif word[-1] == "e":
        forms = [word, word + "s", word + "d", word[:-1] + "ing"]
    elif word.endswith(("s", "x", "z", "ch", "sh")):
        forms = [word, word + "es", word + "ed", word + "ing"]
    else:
        forms = [word, word + "s", word + "es", word + "ed", word + "ing"]
    out: list[str] = []
    for form in forms:
        spellings = [form]
        # British and American spelling: organise/organize, labour/labor.
        americanised = _ISE.sub("z", form)
        if americanised != form:
            spellings.append(americanised)
        if len(word) >= 5 and word.endswith("our"):
            cut = len(word) - 2
            spellings += [f[:cut] + f[cut + 1 :] for f in list(spellings)]
        out += spellings
    return out


def _singular(word: str) -> str | None:
    """The singular of a regular plural written in a phrase (victims -> victim), if any."""
    if len(word) < 4 or not word.isalpha() or word in _STOP_WORDS:
        return None
    if word.endswith("ies"):
        return word[:-3] + "y"
    if word.endswith("s") and not word.endswith(("ss", "us", "is")):
        return word[:-1]
    return None


def _forms(word: str, inflections: Mapping[str, tuple[str, ...]]) -> tuple[str, ...]:
    forms: list[str] = []
    singular = _singular(word)
    bases = (word, *inflections.get(word, ()), *((singular,) if singular else ()))
    for base in bases:
        forms += _word_forms(base)
    return tuple(dict.fromkeys(forms))


def _split_phrase(phrase: str) -> tuple[list[str], list[str]]:
    """Lower-case words and the separators between them ("-" or " ")."""
    text = phrase.strip().lower()
    if not text or not _PHRASE_START.match(text):
        raise ValueError(f"descriptor phrase must start with a letter or digit: {phrase!r}")
    parts = _PHRASE_SPLIT.split(text)
    words = parts[0::2]
    seps = ["-" if "-" in sep else " " for sep in parts[1::2]]
    if words[0] in _STOP_WORDS:
        # Every "the" of a text would become a place to try the phrase: slow and vague.
        raise ValueError(f"descriptor phrase must not start with a stop word: {phrase!r}")
    for word in words:
        if word.endswith("*") and (len(word) < 2 or "*" in word[:-1]):
            raise ValueError(f"a stem needs letters before its '*': {phrase!r}")
    return words, seps


def _form_source(
    words: list[str], seps: list[str], inflections: Mapping[str, tuple[str, ...]]
) -> str:
    out: list[str] = []
    for i, word in enumerate(words):
        if i:
            out.append(_HYPHEN_SEP if seps[i - 1] == "-" else _SPACE_SEP)
        if word.endswith("*"):
            out.append(re.escape(word[:-1]) + r"\w*")
        else:
            forms = sorted(_forms(word, inflections), key=lambda f: (-len(f), f))
            alts = "|".join(re.escape(f) for f in forms)
            out.append(alts if len(forms) == 1 else f"(?:{alts})")
    return "".join(out)


def _heads(
    words: list[str], seps: list[str], inflections: Mapping[str, tuple[str, ...]]
) -> set[tuple[str, bool]]:
    """The first word-token a match of the phrase can start with: (token, is_a_stem)."""
    heads: set[tuple[str, bool]] = set()

    def grow(i: int, acc: str) -> None:
        word = words[i]
        stem = word.endswith("*")
        for form in (word[:-1],) if stem else _forms(word, inflections):
            token = acc + form
            lead = _LEAD.match(token).group()
            if len(lead) < len(token):  # punctuation inside the word ends the token
                heads.add((lead, False))
            elif stem:
                heads.add((token, True))
            elif i + 1 < len(words) and seps[i] == "-":
                heads.add((token, False))  # written with a hyphen or a space
                if len(heads) < _MAX_HEADS:
                    grow(i + 1, token)  # written as one word
            else:
                heads.add((token, False))

    grow(0, "")
    return heads


def phrase_pattern(phrase: str, inflections: Mapping[str, tuple[str, ...]] | None = None) -> str:
    """Stand-alone regex source for a phrase, to be used on lower-cased text."""
    words, seps = _split_phrase(phrase)
    return rf"(?<!\w){_form_source(words, seps, inflections or {})}(?!\w)"


def fold_case(text: str) -> str:
    """Lower-case `text` keeping every character at its offset."""
    lowered = text.lower()
    if len(lowered) == len(text):
        return lowered
    # Rare: a character whose lower case is longer (e.g. a dotted capital I); keep it as is.
    return "".join(c if len(c.lower()) != 1 else c.lower() for c in text)


_Entry = tuple[str, "re.Pattern[str]", tuple["Phrase", ...]]


def _trie_source(words: Iterable[str]) -> str:
    """Regex source matching exactly `words`, shaped as a trie (one branch per character).

    Python's regex engine tries the alternatives of a group one after the other, but skips an
    alternative at once when its first character is a literal that does not match. A flat
    alternation of two thousand words costs two thousand tries at every position; the trie
    costs at most one try per distinct character per level.
    """
    trie: dict[str, Any] = {}
    for word in words:
        node = trie
        for char in word:
            node = node.setdefault(char, {})
        node[""] = {}  # a word ends here

    def emit(node: dict[str, Any]) -> str:
        alternatives = [re.escape(char) + emit(node[char]) for char in sorted(node) if char]
        if "" in node and alternatives:
            alternatives.append("")
        if len(alternatives) == 1:
            return alternatives[0]
        return f"(?:{'|'.join(alternatives)})" if alternatives else ""

    return emit(trie)


def _heads_regex(exact: Iterable[str], stems: Iterable[str]) -> re.Pattern[str] | None:
    r"""One regex that finds every word-token where a phrase can start, or None if none can.

    It runs on the text with one space put in front: each match is a non-word character
    followed by a head token (group 1). Starting with `\W` rather than a look-behind lets the
    engine jump over word characters in C; the space in front covers a token at offset 0.
    Only heads made of word characters can equal a token, so other heads are left out.
    """
    exact = sorted(h for h in exact if _WORD.fullmatch(h))
    stems = sorted(h for h in stems if _WORD.fullmatch(h))
    parts = []
    if exact:
        parts.append(rf"{_trie_source(exact)}(?!\w)")  # the whole token
    if stems:
        parts.append(rf"{_trie_source(stems)}\w*")  # a token starting with the stem
    if not parts:
        return None
    return re.compile(rf"\W((?:{'|'.join(parts)}))")


class PhraseIndex:
    """Phrases of several priorities, indexed by the word a match can start with.

    Scanning a text costs one `finditer` of a regex that finds, in C, only the tokens where a
    phrase can start (the "heads": all inflected forms of first words, hyphen-joined
    prefixes, stems), and an anchored regex `match` per priority at each of them. What can
    start at a head token is worked out the first time the token is met and memoised (up to
    a bound). Safe to share between threads: a memo reset makes a lookup recompute, never
    fail.
    """

    def __init__(
        self,
        groups: Mapping[str, Sequence[Phrase]],
        inflections: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        inflections = inflections or {}
        self.codes = tuple(groups)
        self._exact: dict[str, list[tuple[str, str, str, Phrase]]] = {}
        self._stems: dict[int, dict[str, list[tuple[str, str, str, Phrase]]]] = {}
        for code, phrases in groups.items():
            for phrase in phrases:
                for form in phrase.forms:
                    words, seps = _split_phrase(form)
                    item = (code, form.lower(), _form_source(words, seps, inflections), phrase)
                    for head, is_stem in _heads(words, seps, inflections):
                        if is_stem:
                            self._stems.setdefault(len(head), {}).setdefault(head, []).append(item)
                        else:
                            self._exact.setdefault(head, []).append(item)
        self._stem_lengths = tuple(sorted(self._stems))
        self._head_finder = _heads_regex(
            self._exact, (stem for by_length in self._stems.values() for stem in by_length)
        )
        # Memo of head tokens met in texts, with what can start there.
        self._memo: dict[str, tuple[_Entry, ...]] = {}
        self._compiled: dict[tuple[str, ...], re.Pattern[str]] = {}

    def _entries(self, word: str) -> tuple[_Entry, ...]:
        """What can start at a token `word`: per code, one regex of the code's forms."""
        items = list(self._exact.get(word, ()))
        for length in self._stem_lengths:
            items += self._stems[length].get(word[:length], ())
        by_code: dict[str, dict[str, tuple[str, Phrase]]] = {}
        for code, form, source, phrase in items:
            by_code.setdefault(code, {}).setdefault(form, (source, phrase))
        entries = []
        for code in self.codes:
            forms = by_code.get(code)
            if not forms:
                continue
            # Longer forms first: at one position the longer phrase wins over its prefix.
            ordered = sorted(forms.items(), key=lambda kv: (-len(kv[0]), kv[0]))
            sources = tuple(source for _, (source, _) in ordered)
            pattern = self._compiled.get(sources)
            if pattern is None:
                pattern = re.compile("|".join(rf"({s}(?!\w))" for s in sources))
                self._compiled[sources] = pattern
            entries.append((code, pattern, tuple(phrase for _, (_, phrase) in ordered)))
        return tuple(entries)

    def scan(
        self, text: str, lowered: str | None = None
    ) -> dict[str, list[tuple[int, int, Phrase]]]:
        """Non-overlapping matches per code, left to right: {code: [(start, end, phrase)]}."""
        found: dict[str, list[tuple[int, int, Phrase]]] = {}
        if self._head_finder is None:
            return found
        low = fold_case(text) if lowered is None else lowered
        memo = self._memo
        last_end: dict[str, int] = {}
        for head in self._head_finder.finditer(" " + low):
            word = head[1]
            # The non-word character before the token, in " " + low, sits at the offset the
            # token has in low.
            start = head.start()
            entries = memo.get(word)
            if entries is None:
                entries = self._entries(word)
                if len(memo) >= _MEMO_LIMIT:
                    memo.clear()
                memo[word] = entries
            for code, pattern, phrases in entries:
                if start < last_end.get(code, 0):
                    continue  # inside the previous match of this code
                m = pattern.match(low, start)
                if m is not None:
                    end = m.end()
                    found.setdefault(code, []).append((start, end, phrases[m.lastindex - 1]))
                    last_end[code] = end
        return found


class PhraseMatcher:
    """One set of phrases (a priority's, or its indicator or budget hints)."""

    def __init__(
        self,
        phrases: Sequence[Phrase],
        inflections: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.phrases = tuple(phrases)
        self._index = PhraseIndex({"": self.phrases}, inflections)

    def finditer(self, text: str, lowered: str | None = None) -> Iterator[tuple[int, int, Phrase]]:
        """Yield (start, end, phrase) for non-overlapping matches, left to right."""
        yield from self._index.scan(text, lowered).get("", ())

    def search(self, text: str) -> Phrase | None:
        """The phrase of the first match in `text`, or None."""
        return next((phrase for _, _, phrase in self.finditer(text)), None)


@dataclass(frozen=True)
class PriorityDescriptor:
    """What a priority looks like in a proposal: phrases and fit rules."""

    code: str
    label: str
    kind: str
    phrases: tuple[Phrase, ...]
    target_groups: tuple[str, ...] = ()
    indicator_hints: tuple[str, ...] = ()
    disaggregations: tuple[str, ...] = ()
    budget_hints: tuple[str, ...] = ()
    parent: str | None = None
    strategy_text: tuple[str, ...] = ()  # the strategy's own sentences about the priority
    patterns: tuple[Pattern, ...] = ()  # word-class patterns (scoring/patterns.py)


@dataclass(frozen=True)
class DescriptorSet:
    """All priority descriptors of a strategy, with matchers compiled once and cached."""

    priorities: Mapping[str, PriorityDescriptor]
    inflections: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    version: int = 1
    source: str = ""
    corpus: tuple[str, ...] = ()  # the strategy's prose, one passage per line ("strategy_file")
    # sha256 of everything the set was parsed from (the file's data and the strategy's prose):
    # any edit of a phrase, weight or sentence changes it, so results stored under another
    # digest are known to be stale even if nobody bumped `version`
    digest: str = ""
    # names of funding programmes ("Prevention of and Fight against Crime"): a phrase matched
    # inside one names the funder, not what the project does, so it is not evidence
    programme_names: tuple[str, ...] = ()
    word_classes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _cache: dict[Any, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(self.priorities)

    def __getitem__(self, code: str) -> PriorityDescriptor:
        try:
            return self.priorities[code]
        except KeyError:
            raise KeyError(f"no descriptors for priority {code!r}") from None

    def index(self, codes: Iterable[str], programmes: bool = False) -> PhraseIndex:
        """The phrase index of several priorities, built once per set of codes and reused.
        With `programmes`, it also finds the `programme_names`, under the code `PROGRAMMES`
        (in the same scan, so at almost no cost)."""
        key = ("index", tuple(sorted(set(codes))), programmes and bool(self.programme_names))
        found = self._cache.get(key)
        if found is None:
            groups = {c: self[c].phrases for c in key[1]}
            if key[2]:
                groups[PROGRAMMES] = tuple(Phrase(name) for name in self.programme_names)
            found = PhraseIndex(groups, self.inflections)
            self._cache[key] = found
        return found

    def pattern_index(self, codes: Iterable[str]) -> PatternIndex:
        """The patterns of the codes, each match counting as a phrase of the pattern's label
        and weight (its source "pattern"). Built once per set of codes."""
        key = ("patterns", tuple(sorted(set(codes))))
        found = self._cache.get(key)
        if found is None:
            found = PatternIndex(
                {
                    code: [
                        (self.compile(p.notation), Phrase(p.label, (), p.weight, "pattern"))
                        for p in self[code].patterns
                    ]
                    for code in key[1]
                    if self[code].patterns
                }
            )
            self._cache[key] = found
        return found

    def compile(self, notation: str) -> Compiled:
        """A pattern compiled with this set's word classes and inflections."""
        return compile_pattern(notation, self.word_classes, lambda w: _forms(w, self.inflections))

    def hint_index(self, what: str, codes: Iterable[str]) -> PhraseIndex:
        """Index of several priorities' indicator hints (`what="indicators"`) or budget hints."""
        if what not in ("indicators", "budget"):
            raise ValueError("what is 'indicators' or 'budget'")
        key = (what, tuple(sorted(set(codes))))
        found = self._cache.get(key)
        if found is None:
            attribute = "indicator_hints" if what == "indicators" else "budget_hints"
            groups = {
                code: tuple(Phrase(h) for h in getattr(self[code], attribute)) for code in key[1]
            }
            found = PhraseIndex({c: p for c, p in groups.items() if p}, self.inflections)
            self._cache[key] = found
        return found

    def _matcher(self, code: str, what: str, phrases: Iterable[Phrase]) -> PhraseMatcher:
        key = ("matcher", what, code)
        found = self._cache.get(key)
        if found is None:
            found = PhraseMatcher(tuple(phrases), self.inflections)
            self._cache[key] = found
        return found

    def matcher(self, code: str) -> PhraseMatcher:
        """The compiled matcher of a priority's text phrases."""
        return self._matcher(code, "phrases", self[code].phrases)

    def indicator_matcher(self, code: str) -> PhraseMatcher:
        """The compiled matcher of a priority's indicator hints."""
        return self._matcher(code, "indicators", (Phrase(h) for h in self[code].indicator_hints))

    def budget_matcher(self, code: str) -> PhraseMatcher:
        """The compiled matcher of a priority's budget hints."""
        return self._matcher(code, "budget", (Phrase(h) for h in self[code].budget_hints))

    def strategy_passages(self) -> tuple[tuple[str, ...], ...]:
        """The strategy's passages as lower-case words (its text, or its quoted sentences)."""
        found = self._cache.get("corpus")
        if found is None:
            from scoring.passages import passages

            lines = self.corpus or tuple(
                s for d in self.priorities.values() for s in d.strategy_text
            )
            found = tuple(p.words for line in lines for p in passages(line) if len(p.words) >= 3)
            self._cache["corpus"] = found
        return found

    def quoted_shingles(self) -> frozenset[int]:
        """Six-word runs of the strategy's text: a passage made of them is copied, not written."""
        found = self._cache.get("shingles")
        if found is None:
            from scoring.passages import shingles

            found = frozenset().union(*(shingles(words) for words in self.strategy_passages()))
            self._cache["shingles"] = found
        return found

    def reference_texts(self, code: str) -> tuple[str, ...]:
        """What the semantic signal compares passages with: the priority's strategy sentences
        (an area's also its key actions' bullets) and the forms of its phrases."""
        found = self._cache.get(("references", code))
        if found is None:
            from scoring.passages import passages

            sentences = list(self[code].strategy_text)
            for other in self.priorities.values():
                if other.kind == "key_action" and other.parent == code:
                    sentences += other.strategy_text
            texts = [p.text for s in sentences for p in passages(s) if p.words]
            texts += [form.replace("*", "") for p in self[code].phrases for form in p.forms]
            found = tuple(dict.fromkeys(texts))
            self._cache[("references", code)] = found
        return found

    def priority_texts(self, codes: Iterable[str]) -> Any:
        """The semantic model's vectors of each priority's reference texts, once per code set."""
        key = ("semantic", tuple(sorted(set(codes))))
        found = self._cache.get(key)
        if found is None:
            from scoring.passages import passages
            from scoring.semantic import PriorityTexts

            texts = {
                code: [
                    tuple(w for p in passages(t) for w in p.words)
                    for t in self.reference_texts(code)
                ]
                for code in key[1]
            }
            found = PriorityTexts(texts, self.strategy_passages())
            self._cache[key] = found
        return found

    def find(self, code: str, text: str) -> tuple[TextMatch, ...]:
        """All passages of `text` that match one priority's phrases, with offsets."""
        return self.find_all([code], text).get(code, ())

    def find_all(self, codes: Iterable[str], text: str) -> dict[str, tuple[TextMatch, ...]]:
        """Passages of `text` matching each priority's phrases: {code: matches}, one scan."""
        found = self.index(codes).scan(text)
        return {
            code: tuple(
                TextMatch(code, phrase.text, start, end, text[start:end], phrase.weight)
                for start, end, phrase in hits
            )
            for code, hits in found.items()
        }


def _strings(value: Any, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ValueError(f"{where} must be a list of non-empty strings")
    return tuple(v.strip() for v in value)


def _phrase(value: Any, where: str) -> Phrase:
    if isinstance(value, str):
        phrase = Phrase(value.strip())
    elif isinstance(value, Mapping):
        unknown = set(value) - {"phrase", "variants", "weight", "source"}
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        text = value.get("phrase")
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}: 'phrase' must be a non-empty string")
        weight = value.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise ValueError(f"{where}: 'weight' must be a positive number")
        variants = _strings(value.get("variants", []), f"{where} variants")
        source = value.get("source", "")
        if source not in PHRASE_SOURCES:
            raise ValueError(f"{where}: 'source' must be one of {PHRASE_SOURCES[1:]}")
        phrase = Phrase(text.strip(), variants, float(weight), source)
    else:
        raise ValueError(f"{where}: a phrase is a string or a table")
    for form in phrase.forms:
        phrase_pattern(form)  # validates
    return phrase


def _patterns(value: Any, where: str, check: Any) -> tuple[Pattern, ...]:
    if not isinstance(value, list):
        raise ValueError(f"{where}: 'patterns' must be a list of tables")
    out = []
    for i, item in enumerate(value):
        here = f"{where} pattern {i}"
        if not isinstance(item, Mapping) or set(item) - {"pattern", "label", "weight"}:
            raise ValueError(f"{here}: a table of pattern, label and weight")
        notation, label = item.get("pattern"), item.get("label")
        if not all(isinstance(v, str) and v.strip() for v in (notation, label)):
            raise ValueError(f"{here}: 'pattern' and 'label' must be non-empty strings")
        weight = item.get("weight", 1.0)
        if isinstance(weight, bool) or not isinstance(weight, int | float) or weight <= 0:
            raise ValueError(f"{here}: 'weight' must be a positive number")
        try:
            check(notation)
        except ValueError as exc:
            raise ValueError(f"{here}: {exc}") from None
        out.append(Pattern(label.strip(), notation.strip(), float(weight)))
    return tuple(out)


def parse_descriptors(data: Mapping[str, Any]) -> DescriptorSet:
    """Build a DescriptorSet from the parsed TOML document (see seed/descriptors.toml)."""
    corpus = data.get("_corpus", ())
    inflections: dict[str, tuple[str, ...]] = {}
    for word, forms in dict(data.get("_inflections", {})).items():
        inflections[word.lower()] = tuple(
            f.lower() for f in _strings(forms, f"_inflections.{word}")
        )
    classes = {
        name: tuple(w.lower() for w in _strings(words, f"_word_classes.{name}"))
        for name, words in dict(data.get("_word_classes", {})).items()
    }

    def check(notation: str) -> None:
        compile_pattern(notation, classes, lambda w: _forms(w, inflections))

    priorities: dict[str, PriorityDescriptor] = {}
    for code, table in data.items():
        if code.startswith("_") or not isinstance(table, Mapping):
            continue
        where = f"[{code}]"
        unknown = set(table) - _ALLOWED_PRIORITY_KEYS
        if unknown:
            raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
        kind = table.get("kind", "dimension")
        if kind not in KINDS:
            raise ValueError(f"{where}: kind must be one of {KINDS}")
        raw_phrases = table.get("phrases")
        if not isinstance(raw_phrases, list) or not raw_phrases:
            raise ValueError(f"{where}: 'phrases' must be a non-empty list")
        phrases = tuple(_phrase(p, f"{where} phrase {i}") for i, p in enumerate(raw_phrases))
        hints = {
            key: _strings(table.get(key, []), f"{where}.{key}")
            for key in ("target_groups", "indicator_hints", "disaggregations", "budget_hints")
        }
        for key in ("indicator_hints", "budget_hints"):
            for hint in hints[key]:
                phrase_pattern(hint)
        parent = table.get("parent")
        if parent is not None and not isinstance(parent, str):
            raise ValueError(f"{where}: parent must be a string")
        priorities[code] = PriorityDescriptor(
            code=code,
            label=str(table.get("label", code)),
            kind=kind,
            phrases=phrases,
            target_groups=hints["target_groups"],
            indicator_hints=hints["indicator_hints"],
            disaggregations=tuple(d.lower() for d in hints["disaggregations"]),
            budget_hints=hints["budget_hints"],
            parent=parent,
            strategy_text=_strings(table.get("strategy_text", []), f"{where}.strategy_text"),
            patterns=_patterns(table.get("patterns", []), where, check),
        )
    for descriptor in priorities.values():
        if descriptor.parent is not None and descriptor.parent not in priorities:
            raise ValueError(f"[{descriptor.code}]: unknown parent {descriptor.parent!r}")
    if not priorities:
        raise ValueError("no priority tables in the descriptor file")
    plain = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str)
    return DescriptorSet(
        priorities=priorities,
        inflections=inflections,
        version=int(data.get("version", 1)),
        source=str(data.get("source", "")),
        corpus=tuple(corpus),
        digest=hashlib.sha256(plain.encode("utf-8")).hexdigest(),
        programme_names=_strings(data.get("programme_names", []), "programme_names"),
        word_classes=classes,
    )


def load_descriptors(path: str | Path = DEFAULT_DESCRIPTORS_PATH) -> DescriptorSet:
    """Load and validate a descriptor file (TOML) such as seed/descriptors.toml.

    Its `strategy_file` (a path relative to the file) is the strategy's text, read for the
    semantic signal's centre and for telling passages copied from the strategy.
    """
    path = Path(path)
    with open(path, "rb") as fh:
        data = tomllib.load(fh)
    name = data.get("strategy_file")
    if name is not None:
        from scoring.passages import strategy_prose

        text = (path.parent / str(name)).read_text(encoding="utf-8")
        data = {**data, "_corpus": [line for line in strategy_prose(text).splitlines() if line]}
    return parse_descriptors(data)
