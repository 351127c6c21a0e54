"""The fields of the call form: amounts, whole numbers and Brussels times read with a clear
message, the multi-value fields as one-line-per-item text areas (usable without JavaScript),
each reading its lines and writing them back, and the limits of the texts as one box each."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from wtforms import DateTimeLocalField, Field, IntegerField, StringField, TextAreaField
from wtforms.utils import unset_value

from grants import clock
from grants.calls.rules import CODE_RE, MAX_SECTION_LIMIT, MIN_SECTION_LIMIT

MAX_TEXT = 20_000
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


def parse_amount(text: str) -> Decimal:
    """A number typed by a person: '6 000 000', '6,000,000.50', '1000,5' (decimal comma)."""
    cleaned = re.sub(r"[\s\u00a0\u202f_']", "", text or "")
    if cleaned.upper().startswith("EUR"):
        cleaned = cleaned[3:]
    cleaned = cleaned.lstrip("€")
    if "," in cleaned and "." in cleaned or re.fullmatch(r"-?\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    else:
        cleaned = cleaned.replace(",", ".")
    if not re.fullmatch(r"-?\d{1,15}(\.\d{1,10})?", cleaned):
        raise ValueError("not a number")
    try:
        value = Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover (the pattern above excludes it)
        raise ValueError("not a number") from exc
    return value


class NumberField(StringField):
    """A Decimal typed freely (spaces and thousands separators allowed); never a float."""

    def __init__(self, label=None, validators=None, message="Enter a number.", **kwargs):
        super().__init__(label, validators, **kwargs)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            text = (valuelist[0] or "").strip()
            if not text:
                return
            if len(text) > 40:
                raise ValueError(self.message)
            try:
                self.data = parse_amount(text)
            except ValueError as exc:
                raise ValueError(self.message) from exc

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return (
            f"{self.data.normalize():f}" if self.data == self.data.to_integral() else str(self.data)
        )


class WholeNumberField(IntegerField):
    def __init__(self, label=None, validators=None, message="Enter a whole number.", **kw):
        super().__init__(label, validators, **kw)
        self.message = message

    def process_formdata(self, valuelist):
        if valuelist:
            self.data = None
            text = (valuelist[0] or "").strip()
            if not text:
                return
            if not re.fullmatch(r"-?\d{1,9}", text):
                raise ValueError(self.message)
            self.data = int(text)


class BrusselsDateTimeField(DateTimeLocalField):
    """A wall-clock time in Brussels; `utc` gives the aware UTC moment."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(
            label,
            validators,
            format=DATETIME_FORMATS,
            invalid_value_message="Enter a date and time, e.g. 2024-08-21 17:00.",
            **kwargs,
        )

    def process_formdata(self, valuelist):
        if valuelist and len(" ".join(valuelist)) > 40:
            self.data = None
            raise ValueError(self.invalid_value_message)
        super().process_formdata(valuelist)

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        # keep seconds when there are any, so that an unchanged form changes nothing
        return self.data.strftime(DATETIME_FORMATS[1] if self.data.second else DATETIME_FORMATS[0])

    @property
    def utc(self) -> datetime | None:
        return clock.brussels_to_utc(self.data) if self.data else None

    def set_utc(self, moment: datetime | None) -> None:
        self.data = clock.to_brussels(moment).replace(tzinfo=None) if moment else None


class LinesField(TextAreaField):
    """One item per line; `parse_line` reads a line, `format_item` writes one back."""

    separator = "|"
    columns: tuple[str, ...] = ()

    def parse_line(self, parts: list[str]):
        raise NotImplementedError

    def format_item(self, item) -> str:
        raise NotImplementedError

    def collect(self, items: list):
        return items

    def items_of(self, data) -> list:
        return list(data)

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        self.data = None
        text = valuelist[0] or ""
        if len(text) > MAX_TEXT:
            raise ValueError(f"At most {MAX_TEXT} characters.")
        items, errors = [], []
        for number, line in enumerate(text.splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            parts = [p.strip() for p in line.split(self.separator)] if self.separator else [line]
            try:
                items.append(self.parse_line(parts))
            except ValueError as exc:
                errors.append(f"Line {number}: {exc}")
        if errors:
            raise ValueError(" ".join(errors[:5]))
        self.data = self.collect(items)

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        if self.data is None:
            return ""
        return "\n".join(self.format_item(item) for item in self.items_of(self.data))


def _need(parts: list[str], count: int, example: str) -> None:
    if len(parts) < count or not all(parts[:count]):
        raise ValueError(f"write it as {example}.")


def _number(text: str, what: str) -> Decimal:
    try:
        return parse_amount(text)
    except ValueError:
        raise ValueError(f"{what} {text[:20]!r} is not a number.") from None


def _plain(value: Decimal) -> str:
    return f"{value.normalize():f}"


class TopicsField(LinesField):
    def parse_line(self, parts):
        _need(parts, 3, "code | title | budget in EUR")
        if len(parts) > 3:
            raise ValueError("write it as code | title | budget in EUR (no | in the title).")
        return {"code": parts[0], "title": parts[1], "budget": _number(parts[2], "the budget")}

    def format_item(self, item):
        return f"{item['code']} | {item['title']} | {_plain(item['budget'])}"


class CriteriaField(LinesField):
    def parse_line(self, parts):
        _need(parts, 4, "code | name | maximum points | threshold")
        return {
            "code": parts[0].lower(),
            "label": parts[1],
            "max_points": _number(parts[2], "the maximum"),
            "threshold": _number(parts[3], "the threshold"),
            "description": " | ".join(parts[4:]),
        }

    def format_item(self, item):
        line = (
            f"{item['code']} | {item['label']} | {_plain(Decimal(item['max_points']))} | "
            f"{_plain(Decimal(item['threshold']))}"
        )
        return line + (f" | {item['description']}" if item.get("description") else "")


class PrioritiesField(LinesField):
    separator = "="

    def parse_line(self, parts):
        _need(parts, 2, "priority code = weight, e.g. child = 2")
        if len(parts) > 2:
            raise ValueError("write it as priority code = weight, e.g. child = 2.")
        return (parts[0], _number(parts[1], "the weight"))

    def collect(self, items):
        codes = [code for code, _ in items]
        repeated = sorted({c for c in codes if codes.count(c) > 1})
        if repeated:
            raise ValueError(f"each priority may appear once: {', '.join(repeated)[:200]}.")
        return dict(items)

    def items_of(self, data):
        return list(data.items())

    def format_item(self, item):
        return f"{item[0]} = {_plain(Decimal(item[1]))}"


@dataclass(frozen=True)
class LimitInput:
    """One box of the section limits: the text's key, the input's id and name, what it shows."""

    key: str
    id: str
    name: str
    value: str
    error: str


def parse_limit(text: str) -> int | None:
    """A maximum number of characters as typed ('2000', '2 000', '2,000'); None when empty."""
    cleaned = re.sub(r"[\s\u00a0\u202f]", "", text or "")
    if not cleaned:
        return None
    if re.fullmatch(r"\d{1,3}(,\d{3})+", cleaned):
        cleaned = cleaned.replace(",", "")
    if len(cleaned) > 12 or not re.fullmatch(r"\d+", cleaned):
        raise ValueError(
            "Enter a whole number of characters, e.g. 2000, or leave it empty for no limit."
        )
    value = int(cleaned)
    if not MIN_SECTION_LIMIT <= value <= MAX_SECTION_LIMIT:
        raise ValueError("Enter 100 to 100 000 characters, or leave it empty for no limit.")
    return value


class SectionLimitsField(Field):
    """The maximum length of each limited text, one box per text: `<name>-<key>` holds the
    number of characters, an empty box means no limit (the key is left out, as the proposal
    checks read a missing key). `data` is {key: characters}. Which texts there are is the
    proposals domain's business: the template lists them (`inputs(limited_texts)`), and the
    keys a call already has are listed too, so they can be changed or emptied."""

    MAX_KEYS = 50

    def process(self, formdata, data=unset_value, extra_filters=None):
        self.typed: dict[str, str] = {}
        self.key_errors: dict[str, str] = {}
        super().process(None, data, extra_filters)
        self.raw_data = []
        if formdata is None:
            return
        prefix = f"{self.name}-"
        for name in formdata:
            key = name[len(prefix) :] if name.startswith(prefix) else ""
            if CODE_RE.match(key) and len(self.typed) < self.MAX_KEYS:
                self.typed[key] = (formdata.get(name) or "")[:200]
        if not self.typed:
            return
        self.raw_data = list(self.typed.values())
        limits = {}
        for key, text in self.typed.items():
            try:
                value = parse_limit(text)
            except ValueError as exc:
                self.key_errors[key] = str(exc)
                continue
            if value is not None:
                limits[key] = value
        self.data = None if self.key_errors else limits
        if self.key_errors:
            self.process_errors.append(
                "Correct the maximum marked below: a whole number of characters from 100 to "
                "100 000, or an empty box for no limit."
                if len(self.key_errors) == 1
                else f"Correct the {len(self.key_errors)} maxima marked below: whole numbers "
                "of characters from 100 to 100 000, or an empty box for no limit."
            )

    def inputs(self, known=()) -> list[LimitInput]:
        """A box for each key in `known`, then for each other key the call has or was sent."""
        data = self.data or {}
        shown = {**{k: str(v) for k, v in data.items()}, **self.typed}
        return [
            LimitInput(
                key, f"{self.id}-{key}", f"{self.name}-{key}", shown.get(key, ""),
                self.key_errors.get(key, ""),
            )
            for key in dict.fromkeys([*known, *shown])
        ]  # fmt: skip

    def _value(self):
        return ""


RESERVED_ANNEX_CODES = {"other"}  # the proposals' own "Other supporting document"
_OLD_ANNEX_LINE = re.compile(r"^([A-Za-z0-9][A-Za-z0-9_-]{0,39})\s*\|\s*(.*)$")


def _title_key(title: str) -> str:
    return " ".join(title.split()).casefold()


def annex_slug(title: str) -> str:
    """The code of an annex, made from its title: 'Declarations of honour' ->
    'declarations-of-honour' (a-z, 0-9 and -, at most 40 characters)."""
    plain = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", plain.lower()).strip("-")[:40].rstrip("-")
    return slug or "annex"


def annex_codes(entries: list[tuple[str, str]], stored=()) -> list[dict]:
    """[(title, code or "")] as annexes {code, title}. The code uploads are filed under stays:
    a line naming a stored annex's title keeps that annex's code, and so does a line whose
    title changed in place (the same line, its old title gone), so that a corrected title
    does not leave the uploads behind; other lines get a code made from their title."""
    stored = [a for a in stored or () if a.get("code")]
    by_title = {_title_key(a["title"]): a["code"] for a in stored}
    titles = {_title_key(title) for title, _ in entries}
    codes = [code or by_title.get(_title_key(title), "") for title, code in entries]
    used = set(codes) - {""}
    for i, code in enumerate(codes):
        if not code and i < len(stored):
            old = stored[i]
            if old["code"] not in used and _title_key(old["title"]) not in titles:
                codes[i] = old["code"]
                used.add(old["code"])
    for i, (title, _) in enumerate(entries):
        if codes[i]:
            continue
        base = candidate = annex_slug(title)
        number = 2
        while candidate in used or candidate in RESERVED_ANNEX_CODES:
            suffix = f"-{number}"
            candidate = base[: 40 - len(suffix)].rstrip("-") + suffix
            number += 1
        codes[i] = candidate
        used.add(candidate)
    return [{"code": code, "title": title} for code, (title, _) in zip(codes, entries, strict=True)]


class AnnexesField(LinesField):
    """The annexes a proposal must attach, one title per line. Each is filed under a code
    (`annex_codes`); the form shows titles only. A line written the older way,
    `code | title`, keeps its code. `keep_codes(stored)` gives the stored annexes' codes to
    the lines that still name them."""

    separator = ""
    entries: list[tuple[str, str]] | None = None

    def parse_line(self, parts):
        line = parts[0]
        old = _OLD_ANNEX_LINE.match(line)
        if old:
            if not old.group(2):
                raise ValueError("write the annex's title.")
            return (" ".join(old.group(2).split()), old.group(1).lower())
        return (" ".join(line.split()), "")

    def collect(self, items):
        seen, repeated = set(), []
        for title, _ in items:
            if _title_key(title) in seen and title not in repeated:
                repeated.append(title)
            seen.add(_title_key(title))
        if repeated:
            raise ValueError(f"Each annex may appear once: {'; '.join(repeated)[:200]}.")
        self.entries = items
        return annex_codes(items)

    def keep_codes(self, stored) -> None:
        if self.entries is not None and self.data is not None:
            self.data = annex_codes(self.entries, stored)

    def format_item(self, item):
        return item["title"]


# The tie-break rules other than a criterion, as the call form reads and writes them; the
# stored codes (and "criterion:<code>") are read too, so older texts keep working.
TIE_BREAK_WORDS = {
    "alignment": "Priority alignment",
    "eu_contribution_asc": "Smaller EU contribution first",
    "eu_contribution_desc": "Larger EU contribution first",
}
_TIE_BREAK_READ = {
    **{word.lower(): rule for rule, word in TIE_BREAK_WORDS.items()},
    **{rule: rule for rule in TIE_BREAK_WORDS},
    "priority alignment first": "alignment",
    "higher priority alignment first": "alignment",
    "smaller eu contribution": "eu_contribution_asc",
    "larger eu contribution": "eu_contribution_desc",
}


class RulesField(LinesField):
    """Tie-break rules in words, one per line: an award criterion by its name or code
    ("Relevance"), "Priority alignment", "Smaller EU contribution first" or "Larger EU
    contribution first". A criterion is kept as written here and named by its code in
    `CallForm.values`, which knows the criteria of the same form."""

    separator = ""
    names: dict[str, str] = {}  # criterion code -> name, to write the rules back in words

    def parse_line(self, parts):
        word = " ".join(parts[0].split())
        return _TIE_BREAK_READ.get(word.lower(), word)

    def format_item(self, item):
        if item.startswith("criterion:"):
            code = item.split(":", 1)[1]
            return self.names.get(code, code)
        return TIE_BREAK_WORDS.get(item, item)


def criterion_rules(rules: list[str] | None, criteria: list[dict] | None) -> list[str] | None:
    """The tie-break rules with each criterion, written by its name or code, as
    "criterion:<code>"; a word that names no criterion and no other rule is kept as written
    (the calls domain's rules then say so)."""
    if rules is None:
        return None
    by_word = {}
    for c in criteria or ():
        by_word[c["code"].lower()] = c["code"]
        by_word[" ".join(str(c["label"]).split()).lower()] = c["code"]
    out = []
    for rule in rules:
        if rule in TIE_BREAK_WORDS or rule.startswith("criterion:"):
            out.append(rule)
        elif rule.lower() in by_word:
            out.append(f"criterion:{by_word[rule.lower()]}")
        elif criteria is None:  # the criteria could not be read: their field says why
            out.append(f"criterion:{rule.lower()}")
        else:
            out.append(rule)
    return out


class CountriesField(TextAreaField):
    """ISO codes separated by spaces, commas or new lines."""

    def process_formdata(self, valuelist):
        if valuelist:
            text = valuelist[0] or ""
            if len(text) > 2000:
                self.data = None
                raise ValueError("At most 2000 characters.")
            codes = [c.upper() for c in re.split(r"[\s,;]+", text) if c]
            self.data = list(dict.fromkeys(codes))

    def _value(self):
        if self.raw_data:
            return self.raw_data[0]
        return " ".join(self.data or [])
