"""Award criteria and a call's scoring rules: maxima, steps, thresholds, aggregation, tie-breaks."""

from __future__ import annotations

import dataclasses
import functools
import gc
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from operator import itemgetter
from typing import Any, ParamSpec, TypeVar

AGGREGATIONS = ("mean", "median")
DEFAULT_TIE_BREAKS = ("criterion:relevance", "criterion:impact", "alignment", "eu_contribution_asc")

POINTS = Decimal("0.01")  # aggregated scores are kept to the hundredth of a point
SHARE = Decimal("0.0001")  # shares (0..1) are kept to four decimals
P = ParamSpec("P")
R = TypeVar("R")
T = TypeVar("T")
_MEMO_LIMIT = 100_000  # bounds the memos below (a few hundred to thousands are the usual)


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


_HUNDREDTHS: dict[int, Decimal] = {}


def hundredths(count: int) -> Decimal:
    """`count` hundredths of a point as `quantize` writes them (two decimals, `0.00` for 0).

    Aggregates are computed as whole hundredths; the same few thousand values recur across a
    call, so each Decimal is made once.
    """
    value = _HUNDREDTHS.get(count)
    if value is None:
        value = Decimal(count).scaleb(-2)
        if len(_HUNDREDTHS) < _MEMO_LIMIT:
            _HUNDREDTHS[count] = value
    return value


def round_half_up(numerator: int, denominator: int) -> int:
    """numerator / denominator rounded half up to a whole number (both >= 0, exact)."""
    return (2 * numerator + denominator) // (2 * denominator)


def whole_call(function: Callable[P, R]) -> Callable[P, R]:
    """Run a function that turns a whole call into results with the cyclic garbage collector
    paused.

    Scoring, ranking and selecting 10 000 proposals make some 150 000 small objects, none of
    them in a reference cycle, so reference counting frees them all; meanwhile each full pass
    of the collector walks the inputs and every result made so far, and those passes took
    about a third of the time. The collector is restarted on the way out (unless it was off
    already, or another thread paused it first and will restart it).
    """

    @functools.wraps(function)
    def paused(*args: P.args, **kwargs: P.kwargs) -> R:
        if not gc.isenabled():
            return function(*args, **kwargs)
        gc.disable()
        try:
            return function(*args, **kwargs)
        finally:
            gc.enable()

    return paused


def fast_constructor(cls: type[T]) -> Callable[..., T]:
    """A constructor of the frozen dataclass `cls` taking every field in order, for results
    made by the thousand: the same object as `cls(...)`, in about 60 % of the time.

    A frozen dataclass's __init__ looks up object.__setattr__ anew for each field; this one
    has it at hand. Setting each attribute (rather than filling __dict__ at once) keeps the
    instance's values inline, without a dictionary of its own for the collector to track.
    Only for classes without defaults, __post_init__ or slots.
    """
    names = [f.name for f in dataclasses.fields(cls)]
    lines = [f"def construct({', '.join(names)}):", "    made = new(cls)"]
    lines += [f"    set_attribute(made, {name!r}, {name})" for name in names]
    lines.append("    return made")
    namespace = {"new": object.__new__, "set_attribute": object.__setattr__, "cls": cls}
    exec("\n".join(lines), namespace)  # noqa: S102 (our own field names, as dataclasses does)
    return namespace["construct"]


def fmt(value: Decimal) -> str:
    """A score for explanations: two decimals."""
    return f"{quantize(value):.2f}"


def eur(value: Decimal) -> str:
    """An amount for explanations, as the application shows money: EUR 1 234 567.89 (the
    thousands separated by a narrow no-break space)."""
    return f"EUR {value:,.2f}".replace(",", "\u202f")


def count_of(count: int, singular: str, plural: str | None = None) -> str:
    """'1 result letter', '3 result letters' (never 'letter(s)'); `plural` where adding an
    s is wrong ('country', 'countries'). Explanations and the application say it the same way
    (grants.formatting.count_of is this function)."""
    return f"{count} {singular if count == 1 else (plural or singular + 's')}"


@dataclass(frozen=True)
class Criterion:
    """An award criterion: points from 0 to `max_points` in steps of `step`, with a threshold."""

    code: str
    label: str
    max_points: Decimal
    threshold: Decimal = Decimal(0)
    step: Decimal = Decimal("0.5")
    # the text of each valid Decimal score met so far -> its number of steps: a score met
    # again is checked by writing it out and one look-up, which costs less than any Decimal
    # operation (hashing a Decimal, or comparing two, costs more) and keeps its exponent
    _steps: dict[str, int] = field(init=False, repr=False, compare=False)
    # 100 * step as numerator / denominator: a score of k steps is k * n / d hundredths
    _hundredths: tuple[int, int] = field(init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_steps", {})
        object.__setattr__(self, "_hundredths", (self.step * 100).as_integer_ratio())

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

    def steps(self, points: Any, who: str = "") -> tuple[Decimal, int]:
        """`check` the score, and give it also as a whole number of steps."""
        value = self.check(points, who)
        count = int(value / self.step)  # exact: the check proved value a multiple of step
        if len(self._steps) < _MEMO_LIMIT:
            self._steps[str(value)] = count
        return value, count


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
    _index: dict[str, int] = field(init=False, repr=False, compare=False)  # code -> position
    # a mapping's points in the call's order (a KeyError where one is missing)
    _in_order: Callable[[Mapping[str, Any]], tuple[Any, ...]] = field(
        init=False, repr=False, compare=False
    )
    _steps: tuple[dict[str, int], ...] = field(init=False, repr=False, compare=False)
    _maxima: tuple[Decimal, ...] = field(init=False, repr=False, compare=False)
    _thresholds: tuple[Decimal, ...] = field(init=False, repr=False, compare=False)
    _no_consensus: tuple[None, ...] = field(init=False, repr=False, compare=False)
    _codes: tuple[str, ...] = field(init=False, repr=False, compare=False)
    _max_total: Decimal = field(init=False, repr=False, compare=False)
    # per criterion: the gap in points and the most whole steps a spread may have within it
    _gaps: tuple[tuple[Decimal, int], ...] = field(init=False, repr=False, compare=False)

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
        object.__setattr__(self, "_index", {code: i for i, code in enumerate(codes)})
        in_order = itemgetter(*codes)
        if len(codes) == 1:  # itemgetter of one key gives the item, not a tuple
            object.__setattr__(self, "_in_order", lambda scores: (in_order(scores),))
        else:
            object.__setattr__(self, "_in_order", in_order)
        object.__setattr__(self, "_steps", tuple(c._steps for c in self.criteria))
        object.__setattr__(self, "_maxima", tuple(c.max_points for c in self.criteria))
        object.__setattr__(self, "_thresholds", tuple(c.threshold for c in self.criteria))
        object.__setattr__(self, "_no_consensus", (None,) * len(codes))
        object.__setattr__(self, "_codes", tuple(codes))
        gaps = []
        for c in self.criteria:
            gap = self.disagreement_gap * c.max_points
            gap_n, gap_d = gap.as_integer_ratio()
            step_n, step_d = c.step.as_integer_ratio()
            gaps.append((gap, (gap_n * step_d) // (gap_d * step_n)))
        object.__setattr__(self, "_gaps", tuple(gaps))

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
