"""Priority alignment: a 0..1 score per weighted priority from evidence, and a 0..100 total.

Two signals find a proposal's text evidence: its passages matching a priority's phrases, and
their closeness in meaning to the priority's own strategy text (scoring.semantic). Evidence counts
fully only in sentences that describe an action; keyword lists, declarations of alignment,
passages copied from the strategy or stuffed with matched phrasing count little, a repeated
passage once, and each further passage less (see scoring/README.md).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from decimal import Decimal
from typing import Any, NamedTuple

from scoring.criteria import count_of, eur, to_decimal
from scoring.descriptors import (
    PROGRAMMES,
    DescriptorSet,
    Phrase,
    PriorityDescriptor,
    TextMatch,
    fold_case,
)
from scoring.passages import (
    QUALITY,
    STUFFED_SHARE,
    Passage,
    covered_in,
    quality,
    read,
)

# The version of the method (formula, settings, passage rules, semantic signal). A stored result
# is keyed by it: change it with any change that changes results, and stored results of the old
# method are computed afresh when next read.
METHOD_VERSION = "2026-12-04.6"

BUDGET_CATEGORIES = ("staff", "travel", "equipment", "subcontracting", "other", "indirect")


@dataclass(frozen=True)
class PriorityClaim:
    """The applicant says the proposal addresses a priority, and why."""

    priority: str
    justification: str = ""


@dataclass(frozen=True)
class BudgetLine:
    """A budget line (EUR), optionally tagged to priorities."""

    category: str  # staff, travel, equipment, subcontracting, other, indirect
    amount: Any  # Decimal
    priorities: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Activity:
    """An activity or work package, optionally tagged to priorities."""

    title: str
    priorities: tuple[str, ...] = ()
    description: str = ""


@dataclass(frozen=True)
class Indicator:
    """An indicator the proposal commits to, with its disaggregations (e.g. "sex", "age")."""

    name: str
    disaggregations: tuple[str, ...] = ()
    target: Any = None


@dataclass(frozen=True)
class AlignmentInput:
    """Everything in a proposal that can show alignment with the call's priorities."""

    proposal_id: str
    text: str = ""
    claims: tuple[PriorityClaim, ...] = ()
    budget: tuple[BudgetLine, ...] = ()
    activities: tuple[Activity, ...] = ()
    target_groups: tuple[str, ...] = ()
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class AlignmentSettings:
    """The constants of the alignment formula (see scoring/README.md)."""

    claim_weight: float = 0.20
    share_weight: float = 0.30
    fit_weight: float = 0.25
    text_weight: float = 0.25
    full_budget_share: float = 0.25  # this share of the budget tagged earns the full budget part
    full_activity_share: float = 0.25
    full_target_groups: int = 2  # fitting target groups for the full target-group part
    full_indicators: int = 2
    full_budget_hint_lines: int = 1
    full_text: float = 1.5  # summed passage evidence (after decay) for the full text part
    passage_decay: float = 0.5  # the n-th best passage of a priority counts decay**(n-1)
    second_phrase: float = 0.25  # what a second distinct phrase adds within one passage
    semantic: bool = True  # compare passages with the strategy text (False: phrases only)
    semantic_low: float = 0.45  # similarity at which a passage starts to count
    semantic_high: float = 0.75  # similarity at which it counts fully
    addressed: float = 0.35  # text part from which the text addresses the priority
    tag_support: float = 0.40  # evidence a tagged item's own text needs for its tag to count
    density_flag: float = 0.35  # share of words in matched phrasing that flags stuffing
    stuffed_flag: int = 2  # or this many stuffed passages
    copied_flag: int = 2  # this many passages copied from the strategy flag copying
    min_justification_chars: int = 40
    min_evidence: float = 0.10  # below this evidence strength a claim is "not evidenced"
    max_text_evidence: int = 8  # passages listed as evidence per priority

    def __post_init__(self) -> None:
        weights = (self.claim_weight, self.share_weight, self.fit_weight, self.text_weight)
        if any(w < 0 for w in weights) or self.share_weight + self.text_weight <= 0:
            raise ValueError("component weights must be non-negative, share + text positive")
        saturations = (
            self.full_budget_share,
            self.full_activity_share,
            self.full_target_groups,
            self.full_indicators,
            self.full_budget_hint_lines,
            self.full_text,
        )
        if any(s <= 0 for s in saturations):
            raise ValueError("the 'full_*' settings must be positive")
        if not 0 < self.passage_decay <= 1 or not 0 <= self.semantic_low < self.semantic_high:
            raise ValueError("passage_decay is in (0, 1]; 0 <= semantic_low < semantic_high")


class Evidence(NamedTuple):
    """One piece of evidence for a priority; offsets refer to the text named in `source`.

    A NamedTuple rather than a dataclass: a proposal yields a few hundred of them.
    """

    kind: str  # claim, justification, budget, activity, target-group, indicator, budget-hint,
    # text, unsupported-tag
    detail: str
    source: str = ""  # "text", "claim:<priority>", "budget:<n>", "indicator:<n>" ...
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Components:
    """The four parts of a priority score, each 0..1; fit is None if the priority has no rules."""

    claim: float
    share: float
    fit: float | None
    text: float


@dataclass(frozen=True)
class PriorityAlignment:
    """How strongly a proposal addresses one priority, with the evidence found."""

    priority: str
    label: str
    weight: float  # normalised: the weights of the call's priorities sum to 1
    score: float  # 0..1
    claimed: bool
    components: Components
    evidence_strength: float  # 0..1, the score without the claim part
    claimed_not_evidenced: bool
    evidence: tuple[Evidence, ...]
    text_matches: tuple[TextMatch, ...]
    explanation: str
    addressed: bool = False  # the text part reaches `AlignmentSettings.addressed`
    unsupported_tags: tuple[Evidence, ...] = ()  # tags whose item's own text does not support it


@dataclass(frozen=True)
class AlignmentResult:
    """A proposal's alignment with all priorities the call weights.

    A plain value: `to_dict()` gives JSON-ready data and `AlignmentResult.from_dict` reads it
    back equal, so the result can be stored with the submitted version it was computed from.
    """

    proposal_id: str
    total: float  # 0..100
    priorities: tuple[PriorityAlignment, ...]  # by priority code
    claimed_not_evidenced: tuple[str, ...]
    unweighted_claims: tuple[str, ...]  # claimed priorities the call does not weight
    explanation: str
    density: float = 0.0  # share of the text's words inside matched phrasing
    flags: tuple[str, ...] = ()  # "stuffing", "copied-strategy", "unsupported-tags"
    flagged_passages: tuple[Evidence, ...] = ()  # the stuffed or copied passages, with offsets

    def priority(self, code: str) -> PriorityAlignment:
        for item in self.priorities:
            if item.priority == code:
                return item
        raise KeyError(code)

    def to_dict(self) -> dict[str, Any]:
        """The result as plain data (lists, dicts, numbers, strings, None), JSON-ready."""
        return _plain(asdict(self))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AlignmentResult:
        """The result `to_dict` gave; refuses data of another shape."""

        def evidence(items: Iterable[Sequence[Any]]) -> tuple[Evidence, ...]:
            return tuple(Evidence(*item) for item in items)

        try:
            priorities = tuple(
                PriorityAlignment(
                    **{
                        **p,
                        "components": Components(**p["components"]),
                        "evidence": evidence(p["evidence"]),
                        "text_matches": tuple(TextMatch(*m) for m in p["text_matches"]),
                        "unsupported_tags": evidence(p["unsupported_tags"]),
                    }
                )
                for p in data["priorities"]
            )
            plain = {f.name: data[f.name] for f in fields(cls)}
        except (KeyError, TypeError) as exc:
            raise ValueError(f"not an alignment result: {exc}") from None
        return cls(
            **{
                **plain,
                "priorities": priorities,
                "claimed_not_evidenced": tuple(plain["claimed_not_evidenced"]),
                "unweighted_claims": tuple(plain["unweighted_claims"]),
                "flags": tuple(plain["flags"]),
                "flagged_passages": evidence(plain["flagged_passages"]),
            }
        )


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def _ratio(part: float, full: float) -> float:
    return min(1.0, part / full)


def _percent(share: float) -> str:
    """0.4521 -> '45 %', as the application writes shares to people."""
    return f"{round(share * 100)} %"


def _share(part: Decimal, whole: Decimal) -> float:
    return float(part / whole) if whole > 0 else 0.0


def normalise_weights(weights: Mapping[str, Any]) -> dict[str, float]:
    """Weights as shares summing to 1, in code order; zero weights are left out."""
    exact = {code: to_decimal(w, f"weight of {code}") for code, w in weights.items()}
    if any(w < 0 for w in exact.values()):
        raise ValueError("priority weights cannot be negative")
    total = sum(exact.values(), Decimal(0))
    if total <= 0:
        raise ValueError("at least one priority needs a positive weight")
    return {code: float(exact[code] / total) for code in sorted(exact) if exact[code] > 0}


_new_tuple = tuple.__new__  # builds a NamedTuple without its Python-level __new__


@dataclass(frozen=True, slots=True)
class _Plan:
    """What an Aligner works out once per priority, so that scoring a proposal need not."""

    descriptor: PriorityDescriptor
    weight: float  # normalised
    target_groups: frozenset[str]
    full_target_groups: int  # fitting groups for the full target-group part
    indicator_rule: bool  # the priority has indicator hints or disaggregations
    disaggregations: frozenset[str]
    budget_rule: bool  # the priority has budget hints
    evidence_weight: float  # share + text (+ fit, if the priority has fit rules) weights


class _PassageEvidence(NamedTuple):
    """What one passage of a text shows for one priority."""

    value: float  # 0..1 after the passage's quality
    passage: Passage
    phrases: tuple[str, ...]  # distinct phrases of the priority in it, best first
    similarity: float  # closeness to the priority's strategy text (0 without the semantic signal)
    closest: str  # the strategy sentence it is closest to


@dataclass
class _Text:
    """One text (the proposal's, a justification, an item's description) read for evidence."""

    passages: list[Passage]
    hits: dict[str, list[tuple[int, int, Phrase]]]  # phrase matches per code
    per_passage: dict[str, dict[int, list[Phrase]]]  # code -> passage index -> phrases in it
    similarity: Any  # passages x codes (numpy), or None
    closest: Any
    covered: list[int]  # words of each passage inside matched phrasing

    def evidence(self, aligner: Aligner, code: str) -> list[_PassageEvidence]:
        """Each distinct passage's evidence for `code` (> 0 only), best first."""
        settings = aligner.settings
        column = aligner._semantic_column.get(code)
        rows = self.per_passage.get(code, {})
        candidates = set(rows)
        sims: list[float] = []
        if column is not None and self.similarity is not None:
            values = self.similarity[:, column]
            candidates.update((values > settings.semantic_low).nonzero()[0].tolist())
            sims = values.tolist()  # Python floats: indexing numpy per passage costs more
        low = settings.semantic_low
        span = settings.semantic_high - low
        second = settings.second_phrase
        passages = self.passages
        found_parts = []
        near: list[int] = []  # passages whose closest strategy sentence is asked for
        seen: set[tuple[str, ...]] = set()
        for i in sorted(candidates):
            passage = passages[i]
            key = passage.words
            if not key or key in seen:
                continue  # a repeated passage counts once (its first occurrence)
            seen.add(key)
            found = rows.get(i)
            phrase_part = 0.0
            phrases: tuple[Phrase, ...] = ()
            if found:
                if len(found) == 1:
                    phrases = (found[0],)
                else:
                    phrases = tuple(
                        sorted(
                            {p.text: p for p in found}.values(), key=lambda p: (-p.weight, p.text)
                        )
                    )
                phrase_part = min(1.0, phrases[0].weight / 2)
                if len(phrases) > 1:
                    phrase_part = min(1.0, phrase_part + second * phrases[1].weight / 2)
            sim = 0.0
            semantic_part = 0.0
            if sims:
                sim = sims[i]
                semantic_part = min(1.0, max(0.0, sim - low) / span)
                if semantic_part > 0:
                    near.append(i)
            combined = 1 - (1 - phrase_part) * (1 - semantic_part)
            value = QUALITY[passage.kind] * combined
            if value > 0:
                found_parts.append((round(value, 6), passage, phrases, sim, semantic_part > 0))
        # the closest strategy sentence of every passage that needs one, in one look-up
        closest = iter(
            [
                aligner._closest_sentence(code, k)
                for k in aligner._semantic.closest_many(self.closest, near, code)
            ]
            if near
            else ()
        )
        out = [
            _new_tuple(
                _PassageEvidence,
                (
                    value,
                    passage,
                    tuple([p.text for p in phrases]),
                    sim,
                    next(closest) if close else "",
                ),
            )
            for value, passage, phrases, sim, close in found_parts
        ]
        out.sort(key=lambda e: (-e.value, e.passage.start))
        return out


def _outside_names(
    found: dict[str, list[tuple[int, int, Phrase]]], spans: list[tuple[int, int]]
) -> dict[str, list[tuple[int, int, Phrase]]]:
    """The phrase matches that do not overlap the name of a funding programme (`spans`):
    "Funded by the Prevention of and Fight against Crime programme" says nothing about
    prevention work."""
    if not spans:
        return found
    out = {}
    for code, hits in found.items():
        kept = [h for h in hits if not any(h[0] < b and a < h[1] for a, b in spans)]
        if kept:
            out[code] = kept
    return out


def _in_names(
    found: dict[str, list[tuple[int, int, Phrase]]], text: str
) -> dict[str, list[tuple[int, int, Phrase]]]:
    """The phrase matches that are not words of a name: a phrase the lexicon writes in lower
    case, matched with a capital inside a sentence ("the Center for the Study of Democracy",
    "the Safe Return Network"), names an organisation or a product, not the work."""
    out = {}
    for code, hits in found.items():
        kept = [h for h in hits if not _capitalised_inside(text, h[0], h[2])]
        if kept:
            out[code] = kept
    return out


def _capitalised_inside(text: str, start: int, phrase: Phrase) -> bool:
    if not text[start].isupper() or not phrase.lower_case:
        return False
    before = text[:start]
    gap = len(before) - len(before.rstrip())
    if "\n" in before[len(before) - gap :]:
        return False  # the first word of a line
    before = before[: len(before) - gap]
    return bool(before) and (before[-1].isalnum() or before[-1] == ",")


def _with_patterns(
    found: dict[str, list[tuple[int, int, Phrase]]], extra: dict[str, list]
) -> dict[str, list[tuple[int, int, Phrase]]]:
    """The phrase matches and the pattern matches of each code, left to right. Where a pattern
    match overlaps phrases of the code, the heavier evidence stands: the pattern if it weighs
    more than each of them ("recruit young women through a dating app" rather than "dating
    app"), else the phrases. The same words never count twice."""
    if not extra:
        return found
    out = dict(found)
    for code, hits in extra.items():
        phrases = list(found.get(code, []))
        kept = []
        for hit in hits:
            under = [h for h in phrases if hit[0] < h[1] and h[0] < hit[1]]
            if all(h[2].weight < hit[2].weight for h in under):
                phrases = [h for h in phrases if h not in under]
                kept.append(hit)
        if phrases or kept:
            out[code] = sorted(phrases + kept, key=lambda h: h[0])
    return out


def _stuffed(
    passage: Passage, covered: int, per_passage: dict[str, dict[int, list[Phrase]]], i: int
) -> bool:
    """Mostly matched phrasing: half the words of a statement, or three quarters of an action
    sentence (or half and five distinct phrases), are inside phrases."""
    if passage.kind == "quoted" or not passage.words:
        return False
    share = covered / len(passage.words)
    if passage.kind != "action" or share < STUFFED_SHARE or share >= 0.75:
        return share >= STUFFED_SHARE
    distinct = {(code, p.text) for code, rows in per_passage.items() for p in rows.get(i, ())}
    return len(distinct) >= 5


class _Facts:
    """What one proposal says, gathered per priority in one pass over each kind of evidence.

    Budget lines, activities, indicators and budget descriptions are each visited once for
    all priorities (not once per priority), and each evidence string is built once.
    """

    def __init__(self, proposal: AlignmentInput, aligner: Aligner) -> None:
        plans = aligner._plans
        self.proposal = proposal
        amounts = [to_decimal(line.amount, "budget amount") for line in proposal.budget]
        if any(a < 0 for a in amounts):
            raise ValueError(f"{proposal.proposal_id}: budget amounts cannot be negative")
        self.budget_total = sum(amounts, Decimal(0))
        self.claims: dict[str, list[PriorityClaim]] = {}
        for claim in proposal.claims:
            self.claims.setdefault(claim.priority, []).append(claim)

        # every text of the proposal, read at once: its text, the justifications of claims on
        # weighted priorities, the descriptions of tagged budget lines and activities
        claims = [c for c in proposal.claims if c.priority in plans]
        lines = [n for n, line in enumerate(proposal.budget) if line.priorities]
        acts = [n for n, act in enumerate(proposal.activities) if act.priorities]
        own = {
            n: f"{proposal.activities[n].title}\n{proposal.activities[n].description}" for n in acts
        }
        reads = aligner._read_all(
            [(proposal.text, True)]
            + [(c.justification, False) for c in claims]
            + [(proposal.budget[n].description, False) for n in lines]
            + [(own[n], False) for n in acts]
        )
        self.text = reads[0]
        self.claim_texts = {
            id(c): r for c, r in zip(claims, reads[1 : 1 + len(claims)], strict=True)
        }
        line_texts = dict(
            zip(lines, reads[1 + len(claims) : 1 + len(claims) + len(lines)], strict=True)
        )
        act_texts = dict(zip(acts, reads[1 + len(claims) + len(lines) :], strict=True))

        # the density of matched phrasing in the text
        words = sum(len(p.words) for p in self.text.passages)
        inside = sum(self.text.covered)
        self.density = round(inside / words, 4) if words else 0.0

        # (b) budget lines and activities tagged to each weighted priority, in input order;
        # a tag counts only where the item's own text supports the priority
        self.tagged_amount: dict[str, Decimal] = {}
        self.budget_evidence: dict[str, list[Evidence]] = {}
        self.unsupported: dict[str, list[Evidence]] = {}
        for n, line in enumerate(proposal.budget):
            codes = [code for code in dict.fromkeys(line.priorities) if code in plans]
            if not codes:
                continue
            amount = amounts[n]
            support = aligner._support(line.description, line_texts[n], codes, budget=True)
            for code in codes:
                if support[code]:
                    item = Evidence(
                        "budget",
                        f"{line.category} {eur(amount)} tagged; its description {support[code]}",
                        f"budget:{n}",
                    )
                    self.tagged_amount[code] = self.tagged_amount.get(code, Decimal(0)) + amount
                    self.budget_evidence.setdefault(code, []).append(item)
                else:
                    self.unsupported.setdefault(code, []).append(
                        Evidence(
                            "unsupported-tag",
                            f"{line.category} {eur(amount)} tagged {code}, but its description "
                            f"'{line.description[:80]}' does not support it: not counted",
                            f"budget:{n}",
                        )
                    )
        self.activity_evidence: dict[str, list[Evidence]] = {}
        for n, activity in enumerate(proposal.activities):
            codes = [code for code in dict.fromkeys(activity.priorities) if code in plans]
            if not codes:
                continue
            support = aligner._support(own[n], act_texts[n], codes, budget=False)
            for code in codes:
                if support[code]:
                    item = Evidence(
                        "activity",
                        f"activity '{activity.title}' tagged; its text {support[code]}",
                        f"activity:{n}",
                    )
                    self.activity_evidence.setdefault(code, []).append(item)
                else:
                    self.unsupported.setdefault(code, []).append(
                        Evidence(
                            "unsupported-tag",
                            f"activity '{activity.title}' tagged {code}, but its own text does "
                            "not support it: not counted",
                            f"activity:{n}",
                        )
                    )

        # (c) target groups; indicators whose name fits a hint or that are disaggregated as a
        # priority asks; budget lines whose description fits a hint. Each indicator name and
        # budget description is scanned once for all priorities.
        self.groups = set(proposal.target_groups)
        self.indicator_evidence: dict[str, list[Evidence]] = {}
        by_disaggregation = aligner._codes_by_disaggregation
        for n, indicator in enumerate(proposal.indicators):
            hits = aligner._indicator_hints.scan(indicator.name)
            disaggregations = sorted({d.lower() for d in indicator.disaggregations})
            codes = set(hits)
            for d in disaggregations:
                codes.update(by_disaggregation.get(d, ()))
            for code in codes:
                found = hits.get(code)
                if found:
                    why = f"name fits '{found[0][2].text}'"
                else:
                    wanted = plans[code].disaggregations
                    why = f"disaggregated by {', '.join(d for d in disaggregations if d in wanted)}"
                self.indicator_evidence.setdefault(code, []).append(
                    Evidence("indicator", f"indicator '{indicator.name}': {why}", f"indicator:{n}")
                )
        self.budget_hint_evidence: dict[str, list[Evidence]] = {}
        for n, line in enumerate(proposal.budget):
            for code, found in aligner._budget_hints.scan(line.description).items():
                self.budget_hint_evidence.setdefault(code, []).append(
                    Evidence(
                        "budget-hint",
                        f"{line.category} line '{line.description}' fits '{found[0][2].text}'",
                        f"budget:{n}",
                    )
                )


class Aligner:
    """Scores proposals against one call's weighted priorities; build once, reuse per proposal."""

    def __init__(
        self,
        descriptors: DescriptorSet,
        weights: Mapping[str, Any],
        settings: AlignmentSettings | None = None,
    ) -> None:
        self.descriptors = descriptors
        self.settings = settings or AlignmentSettings()
        self.weights = normalise_weights(weights)
        for code in self.weights:
            descriptors[code]  # raises KeyError for a priority without descriptors
        self.codes = tuple(self.weights)
        self._index = descriptors.index(self.codes, programmes=True)
        self._patterns = descriptors.pattern_index(self.codes)
        self._pattern_labels = frozenset(
            p.label for code in self.codes for p in descriptors[code].patterns
        )
        self._indicator_hints = descriptors.hint_index("indicators", self.codes)
        self._budget_hints = descriptors.hint_index("budget", self.codes)
        self._quoted = descriptors.quoted_shingles()
        self._plans: dict[str, _Plan] = {}
        self._codes_by_disaggregation: dict[str, list[str]] = {}
        settings = self.settings
        for code, weight in self.weights.items():
            descriptor = descriptors[code]
            target_groups = frozenset(descriptor.target_groups)
            indicator_rule = bool(descriptor.indicator_hints or descriptor.disaggregations)
            evidence_weight = settings.share_weight + settings.text_weight
            if target_groups or indicator_rule or descriptor.budget_hints:
                evidence_weight += settings.fit_weight
            self._plans[code] = _Plan(
                descriptor=descriptor,
                weight=weight,
                target_groups=target_groups,
                full_target_groups=min(settings.full_target_groups, len(target_groups)),
                indicator_rule=indicator_rule,
                disaggregations=frozenset(descriptor.disaggregations),
                budget_rule=bool(descriptor.budget_hints),
                evidence_weight=evidence_weight,
            )
            for d in dict.fromkeys(descriptor.disaggregations):
                self._codes_by_disaggregation.setdefault(d, []).append(code)
        self._semantic = descriptors.priority_texts(self.codes) if settings.semantic else None
        self._semantic_column = (
            {code: j for j, code in enumerate(self._semantic.codes)} if self._semantic else {}
        )

    def _closest_sentence(self, code: str, index: int) -> str:
        references = self.descriptors.reference_texts(code)
        return references[index] if 0 <= index < len(references) else ""

    def _read_all(self, texts: Sequence[tuple[str, bool]]) -> list[_Text]:
        """Passages of each (text, test for stuffing), the phrases of each priority in each
        passage, and their similarities: one similarity product for all texts of a proposal."""
        out = []
        words: list[str] = []
        lengths: list[int] = []
        for text, stuffing in texts:
            lowered = fold_case(text)
            found = self._index.scan(text, lowered) if text else {}
            names = found.pop(PROGRAMMES, None)
            if names and found:
                found = _outside_names(found, [(a, b) for a, b, _ in names])
            if found:
                found = _in_names(found, text)
            # what counts as matched phrasing (density, stuffing): the phrases, not patterns
            spans = [(s, e) for hits in found.values() for s, e, _ in hits]
            reading = read(text, self._quoted)
            if self._patterns and text:
                extra = self._patterns.scan(lowered, reading.words, reading.starts)
                found = _with_patterns(found, extra)
            items = reading.passages
            starts = [p.start for p in items]
            per_passage: dict[str, dict[int, list[Phrase]]] = {}
            for code, hits in found.items():
                rows: dict[int, list[Phrase]] = {}
                for start, end, phrase in hits:
                    j = bisect_right(starts, start) - 1
                    if j >= 0 and end <= items[j].end:
                        rows.setdefault(j, []).append(phrase)
                per_passage[code] = rows
            covered = covered_in(reading, spans)
            if stuffing and items:
                items = [
                    p._replace(kind="stuffed") if _stuffed(p, n, per_passage, i) else p
                    for i, (p, n) in enumerate(zip(items, covered, strict=True))
                ]
            out.append(_Text(items, found, per_passage, None, None, covered))
            words += reading.words
            lengths += [j - i for i, j in reading.bounds]
        if self._semantic is not None and lengths:
            best, sims = self._semantic.similarities_flat(words, lengths)
            offset = 0
            for one in out:
                n = len(one.passages)
                one.similarity = best[offset : offset + n]
                one.closest = sims[offset : offset + n]
                offset += n
        return out

    def _support(
        self, text: str, read: _Text, codes: Sequence[str], budget: bool
    ) -> dict[str, str]:
        """For each code, why an item's own text supports its tag ("" where it does not)."""
        out = dict.fromkeys(codes, "")
        if not text.strip():
            return out
        # a description stuffed with several priorities' phrasing supports none of them
        words = sum(len(p.words) for p in read.passages)
        distinct = {(code, ph.text) for code, hits in read.hits.items() for _, _, ph in hits}
        if (
            words
            and sum(read.covered) >= STUFFED_SHARE * words
            and len(distinct) >= 3
            and len({code for code, _ in distinct}) >= 2
        ):
            return out
        hints = self._budget_hints.scan(text) if budget else {}
        for code in codes:
            if code in hints:
                out[code] = f"fits '{hints[code][0][2].text}'"
                continue
            best = max(
                (e for e in read.evidence(self, code) if e.passage.kind != "quoted"),
                key=lambda e: e.value / quality(e.passage.kind),
                default=None,
            )
            if best is None:
                continue
            strength = best.value / quality(best.passage.kind)
            if strength >= self.settings.tag_support:
                out[code] = (
                    f"mentions '{best.phrases[0]}'"
                    if best.phrases
                    else f"is close in meaning ({best.similarity:.2f}) to the strategy's text"
                )
        return out

    def align(self, proposal: AlignmentInput) -> AlignmentResult:
        """Score one proposal; deterministic and independent of the order of its inputs."""
        facts = _Facts(proposal, self)
        results = [self._priority(plan, facts) for plan in self._plans.values()]
        total = round(100 * sum(self.weights[r.priority] * r.score for r in results), 2)
        flagged = tuple(r.priority for r in results if r.claimed_not_evidenced)
        unweighted = tuple(sorted(facts.claims.keys() - set(self.codes)))
        settings = self.settings
        stuffed = [p for p in facts.text.passages if p.kind == "stuffed"]
        quoted = [p for p in facts.text.passages if p.kind == "quoted"]
        flags = []
        if facts.density >= settings.density_flag or len(stuffed) >= settings.stuffed_flag:
            flags.append("stuffing")
        if len(quoted) >= settings.copied_flag:
            flags.append("copied-strategy")
        if any(r.unsupported_tags for r in results):
            flags.append("unsupported-tags")
        marked = tuple(
            Evidence(
                p.kind,
                "mostly matched phrasing: counts little"
                if p.kind == "stuffed"
                else "copied from the strategy: counts little",
                "text",
                p.start,
                p.end,
            )
            for p in sorted(stuffed + quoted, key=lambda p: p.start)
        )
        explanation = f"alignment {total:.2f} / 100 over {len(results)} weighted priorities"
        explanation += f"; {facts.density:.0%} of the text's words are matched phrasing"
        if flagged:
            explanation += f"; claimed but not evidenced: {', '.join(flagged)}"
        if unweighted:
            explanation += (
                f"; claims on priorities the call does not weight: {', '.join(unweighted)}"
            )
        if flags:
            explanation += f"; flagged: {', '.join(flags)}"
        return AlignmentResult(
            proposal.proposal_id,
            total,
            tuple(results),
            flagged,
            unweighted,
            explanation,
            facts.density,
            tuple(flags),
            marked,
        )

    def _justified(self, code: str, read: _Text) -> list[Evidence]:
        """Passages of a justification that describe an action showing the priority."""
        out = []
        for e in read.evidence(self, code):
            if e.passage.kind != "action":
                continue
            why = f"mentions '{e.phrases[0]}'" if e.phrases else "is close in meaning to it"
            out.append(
                Evidence(
                    "justification",
                    f"justification {why}: '{e.passage.text[:120]}'",
                    f"claim:{code}",
                    e.passage.start,
                    e.passage.end,
                )
            )
        return out

    def _priority(self, plan: _Plan, facts: _Facts) -> PriorityAlignment:
        settings = self.settings
        proposal = facts.proposal
        descriptor = plan.descriptor
        code = descriptor.code
        evidence: list[Evidence] = []

        # (a) the claim and its justification
        claims = facts.claims.get(code, ())
        claimed = bool(claims)
        long_enough = matched = False
        for claim in sorted(claims, key=lambda c: c.justification) if claimed else ():
            justification = claim.justification
            if len(justification.strip()) >= settings.min_justification_chars:
                long_enough = True
            shown = self._justified(code, facts.claim_texts[id(claim)])
            matched = matched or bool(shown)
            evidence += shown
        if claimed:
            evidence.insert(0, Evidence("claim", f"the applicant claims {code}", f"claim:{code}"))
        claim_part = (0.4 + 0.3 * long_enough + 0.3 * matched) if claimed else 0.0

        # (b) share of the budget and of the activities tagged to the priority, where the
        # tagged item's own text supports it
        evidence += facts.budget_evidence.get(code, ())
        tagged = facts.tagged_amount.get(code)
        budget_share = 0.0 if tagged is None else _share(tagged, facts.budget_total)
        tagged_activities = facts.activity_evidence.get(code, ())
        evidence += tagged_activities
        activities = len(proposal.activities)
        activity_share = len(tagged_activities) / activities if activities else 0.0
        share_part = 0.5 * _ratio(budget_share, settings.full_budget_share) + 0.5 * _ratio(
            activity_share, settings.full_activity_share
        )

        # (d) passages of the text, best first, each further one counting less
        text = proposal.text
        shown = facts.text.evidence(self, code)
        total_text = 0.0
        factor = 1.0
        for e in shown:
            total_text += e.value * factor
            factor *= settings.passage_decay
        text_part = _ratio(total_text, settings.full_text)
        for e in shown[: settings.max_text_evidence]:
            reasons = []
            if e.phrases:
                said = [p for p in e.phrases[:3] if p not in self._pattern_labels]
                if said:
                    reasons.append("phrasing " + ", ".join(f"'{p}'" for p in said))
                for label in (p for p in e.phrases[:3] if p in self._pattern_labels):
                    reasons.append(f"a clause that says {label}")
            if e.closest:
                reasons.append(f"close in meaning ({e.similarity:.2f}) to '{e.closest[:90]}'")
            kind = {"action": "an action sentence", "statement": "a statement, not an action"}
            why = (
                f"counts {e.value:.2f}: {' and '.join(reasons)}, in "
                f"{kind.get(e.passage.kind, e.passage.kind + ' passage')}"
            )
            evidence.append(Evidence("text", why, "text", e.passage.start, e.passage.end))
        hits = tuple(
            _new_tuple(TextMatch, (code, phrase.text, s, e, text[s:e], phrase.weight))
            for s, e, phrase in facts.text.hits.get(code, ())
        )
        addressed = text_part >= settings.addressed

        # (c) target groups (counted as far as the text addresses the priority), indicators
        # and budget lines that fit the priority
        fit_parts = []
        if plan.target_groups:
            fitting = sorted(facts.groups.intersection(plan.target_groups))
            for group in fitting:
                evidence.append(Evidence("target-group", f"targets {group}", "target_groups"))
            gate = _ratio(text_part, settings.addressed) if settings.addressed > 0 else 1.0
            fit_parts.append(_ratio(len(fitting), plan.full_target_groups) * gate)
        if plan.indicator_rule:
            indicators = facts.indicator_evidence.get(code, ())
            evidence += indicators
            fit_parts.append(_ratio(len(indicators), settings.full_indicators))
        if plan.budget_rule:
            lines = facts.budget_hint_evidence.get(code, ())
            evidence += lines
            fit_parts.append(_ratio(len(lines), settings.full_budget_hint_lines))
        fit_part = sum(fit_parts) / len(fit_parts) if fit_parts else None

        # The same float operations, in the same order, as summing (weight, part) pairs.
        evidence_weight = plan.evidence_weight
        weighted = settings.share_weight * share_part + settings.text_weight * text_part
        if fit_part is not None:
            weighted += settings.fit_weight * fit_part
        strength = weighted / evidence_weight
        score = (settings.claim_weight * claim_part + strength * evidence_weight) / (
            settings.claim_weight + evidence_weight
        )
        score = round(min(1.0, max(0.0, score)), 4)
        strength = round(strength, 4)
        unsupported = claimed and strength < settings.min_evidence
        components = Components(
            round(claim_part, 4),
            round(share_part, 4),
            None if fit_part is None else round(fit_part, 4),
            round(text_part, 4),
        )
        bad_tags = tuple(facts.unsupported.get(code, ()))
        explanation = (
            f"{descriptor.label}: {_percent(score)} from the claim {_percent(components.claim)}"
            f", the budget and activities {_percent(components.share)} (budget "
            f"{_percent(budget_share)}, activities {_percent(activity_share)}), "
            + (
                "no fit rules, "
                if fit_part is None
                else f"the fit with the priority's rules {_percent(components.fit)}, "
            )
            + f"the text {_percent(components.text)} ("
            + count_of(len(shown), "passage counts", "passages count")
            + f", {count_of(len(hits), 'phrase match', 'phrase matches')})"
        )
        if bad_tags:
            explanation += (
                f"; {count_of(len(bad_tags), 'tag is', 'tags are')} not supported by the "
                "item's own text"
            )
        if unsupported:
            explanation += (
                f"; claimed but not evidenced (evidence strength {_percent(strength)}, "
                f"below {_percent(settings.min_evidence)})"
            )
        return PriorityAlignment(
            code,
            descriptor.label,
            round(plan.weight, 6),
            score,
            claimed,
            components,
            strength,
            unsupported,
            tuple(evidence),
            hits,
            explanation,
            addressed,
            bad_tags,
        )


def align(
    proposal: AlignmentInput,
    descriptors: DescriptorSet,
    weights: Mapping[str, Any],
    settings: AlignmentSettings | None = None,
) -> AlignmentResult:
    """Score one proposal; for many proposals build one Aligner and reuse it."""
    return Aligner(descriptors, weights, settings).align(proposal)


def align_many(
    proposals: Iterable[AlignmentInput],
    descriptors: DescriptorSet,
    weights: Mapping[str, Any],
    settings: AlignmentSettings | None = None,
) -> dict[str, AlignmentResult]:
    """Score many proposals with one Aligner: {proposal id: result}."""
    aligner = Aligner(descriptors, weights, settings)
    return {p.proposal_id: aligner.align(p) for p in proposals}
