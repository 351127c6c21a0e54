"""Reference copy of scoring/criteria.py as it was before the fast path (main at ad9c2c2): award
criteria and a call's scoring rules: maxima, steps, thresholds, aggregation, tie-breaks.

Kept only so that tests/scoring/test_properties.py can check that the fast path gives exactly
these results; do not change it, and do not import it from the application.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

AGGREGATIONS = ("mean", "median")
DEFAULT_TIE_BREAKS = ("criterion:relevance", "criterion:impact", "alignment", "eu_contribution_asc")

POINTS = Decimal("0.01")  # aggregated scores are kept to the hundredth of a point
SHARE = Decimal("0.0001")  # shares (0..1) are kept to four decimals


def to_decimal(value: Any, what: str = "value") -> Decimal:
    """Convert an int, str, float or Decimal to Decimal (a float through its repr)."""
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, bool):
        raise TypeError(f"{what} must be a number, not a bool")
    elif isinstance(value, int | str):
        try:
            result = Decimal(value)
        except InvalidOperation:
            raise ValueError(f"{what} is not a number: {value!r}") from None
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise TypeError(f"{what} must be a number, not {type(value).__name__}")
    if not result.is_finite():
        raise ValueError(f"{what} must be finite: {value!r}")
    return result


def quantize(value: Decimal, unit: Decimal = POINTS) -> Decimal:
    """Round half up to `unit`: one rounding rule everywhere, so results are reproducible."""
    return value.quantize(unit, rounding=ROUND_HALF_UP)


def fmt(value: Decimal) -> str:
    """A score for explanations: two decimals."""
    return f"{quantize(value):.2f}"


def eur(value: Decimal) -> str:
    """An amount for explanations, as the application shows money: EUR 1 234 567.89 (the
    thousands separated by a narrow no-break space)."""
    return f"EUR {value:,.2f}".replace(",", "\u202f")


@dataclass(frozen=True)
class Criterion:
    """An award criterion: points from 0 to `max_points` in steps of `step`, with a threshold."""

    code: str
    label: str
    max_points: Decimal
    threshold: Decimal = Decimal(0)
    step: Decimal = Decimal("0.5")

    def __post_init__(self) -> None:
        for name in ("max_points", "threshold", "step"):
            object.__setattr__(self, name, to_decimal(getattr(self, name), f"{self.code}.{name}"))
        if not self.code:
            raise ValueError("a criterion needs a code")
        if self.max_points <= 0:
            raise ValueError(f"criterion {self.code}: max_points must be positive")
        if self.step <= 0:
            raise ValueError(f"criterion {self.code}: step must be positive")
        if not 0 <= self.threshold <= self.max_points:
            raise ValueError(f"criterion {self.code}: threshold must be within 0..max_points")

    def check(self, points: Any, who: str = "") -> Decimal:
        """Validate an individual or consensus score: in 0..max and a multiple of the step."""
        value = to_decimal(points, f"score for {self.code}")
        where = f" ({who})" if who else ""
        if not 0 <= value <= self.max_points:
            raise ValueError(
                f"score {value} for {self.code}{where} is outside 0..{self.max_points}"
            )
        if value % self.step:
            raise ValueError(
                f"score {value} for {self.code}{where} is not a multiple of {self.step}"
            )
        return value


@dataclass(frozen=True)
class TieBreak:
    """One parsed tie-break rule: which value to compare and in which direction."""

    rule: str
    kind: str  # "criterion", "alignment" or "eu_contribution"
    criterion: str | None = None
    descending: bool = True


def parse_tie_break(rule: str, criterion_codes: Iterable[str]) -> TieBreak:
    """Parse "criterion:<code>", "alignment", "eu_contribution_asc" or "eu_contribution_desc"."""
    codes = set(criterion_codes)
    if rule.startswith("criterion:"):
        code = rule.split(":", 1)[1]
        if code not in codes:
            raise ValueError(f"tie-break {rule!r}: the call has no criterion {code!r}")
        return TieBreak(rule, "criterion", code, True)
    if rule == "alignment":
        return TieBreak(rule, "alignment", None, True)
    if rule in ("eu_contribution_asc", "eu_contribution_desc"):
        return TieBreak(rule, "eu_contribution", None, rule.endswith("_desc"))
    raise ValueError(
        f"unknown tie-break rule {rule!r}: use criterion:<code>, alignment, "
        "eu_contribution_asc or eu_contribution_desc"
    )


@dataclass(frozen=True)
class CallRules:
    """How a call scores: its criteria, overall threshold, aggregation and tie-break rules.

    `disagreement_gap` is a share of a criterion's maximum: evaluators whose scores on a
    criterion differ by more than gap * max_points flag the proposal for discussion.
    """

    criteria: tuple[Criterion, ...]
    overall_threshold: Decimal = Decimal(0)
    aggregation: str = "mean"
    disagreement_gap: Decimal = Decimal("0.30")
    tie_breaks: tuple[str, ...] = DEFAULT_TIE_BREAKS
    _parsed: tuple[TieBreak, ...] = field(init=False, repr=False, compare=False)
    _by_code: dict[str, Criterion] = field(init=False, repr=False, compare=False)
    _codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _max_total: Decimal = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "criteria", tuple(self.criteria))
        object.__setattr__(self, "tie_breaks", tuple(self.tie_breaks))
        object.__setattr__(
            self, "overall_threshold", to_decimal(self.overall_threshold, "overall_threshold")
        )
        object.__setattr__(
            self, "disagreement_gap", to_decimal(self.disagreement_gap, "disagreement_gap")
        )
        if not self.criteria:
            raise ValueError("a call needs at least one criterion")
        codes = [c.code for c in self.criteria]
        if len(set(codes)) != len(codes):
            raise ValueError(f"criterion codes must be unique: {codes}")
        total = sum((c.max_points for c in self.criteria), Decimal(0))
        object.__setattr__(self, "_max_total", total)
        if self.aggregation not in AGGREGATIONS:
            raise ValueError(f"aggregation must be one of {AGGREGATIONS}")
        if not 0 <= self.overall_threshold <= self.max_total:
            raise ValueError("overall_threshold must be within 0..the sum of the maxima")
        if not 0 <= self.disagreement_gap <= 1:
            raise ValueError("disagreement_gap is a share of the maximum, within 0..1")
        if len(set(self.tie_breaks)) != len(self.tie_breaks):
            raise ValueError("tie-break rules must not repeat")
        parsed = tuple(parse_tie_break(rule, codes) for rule in self.tie_breaks)
        object.__setattr__(self, "_parsed", parsed)
        object.__setattr__(self, "_by_code", {c.code: c for c in self.criteria})
        object.__setattr__(self, "_codes", tuple(codes))

    @property
    def codes(self) -> tuple[str, ...]:
        return self._codes

    @property
    def max_total(self) -> Decimal:
        return self._max_total

    @property
    def parsed_tie_breaks(self) -> tuple[TieBreak, ...]:
        return self._parsed

    def criterion(self, code: str) -> Criterion:
        try:
            return self._by_code[code]
        except KeyError:
            raise KeyError(f"the call has no criterion {code!r}") from None
