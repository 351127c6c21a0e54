"""Reading the messy values of import files: amounts, dates, lists, organisation types,
statuses and yes/no. Each reader returns the value and how sure it is, never raises."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from grants.accounts.models import ORGANISATION_TYPE_LABELS, OrganisationType
from grants.formatting import eur
from grants.portfolio.models import ProjectStatus
from grants.portfolio.sync import PartialDate

UNDERSTOOD = "understood"
GUESSED = "guessed"
NOT_UNDERSTOOD = "not understood"


@dataclass
class Reading:
    value: object
    status: str = UNDERSTOOD
    note: str = ""


def plain(text: str) -> str:
    """Lower case, single spaces: how phrases are compared and kept in the mapping table."""
    return re.sub(r"\s+", " ", (text or "").strip().lower())


def split_list(text: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;\n]", text or "") if part.strip()]


# Amounts ---------------------------------------------------------------------------------------

MULTIPLIERS = {
    "million": 10**6,
    "millions": 10**6,
    "mio": 10**6,
    "mln": 10**6,
    "mn": 10**6,
    "m": 10**6,
    "billion": 10**9,
    "bn": 10**9,
    "thousand": 10**3,
    "k": 10**3,
}
FOREIGN = re.compile(r"(\$|£|usd|gbp|chf|sek|dkk|pln|nok|dollars?)", re.I)
EURO = re.compile(r"(€|\beur\b|\beuros?\b)", re.I)


def read_amount(text) -> Reading:
    """EUR amounts as files write them: 1234.5, "€3.2 million", "EUR 500,000", "500 000",
    "1.234.567,89"; empty is not known (None), never 0."""
    if isinstance(text, int | float | Decimal) and not isinstance(text, bool):
        return _non_negative(Decimal(str(text)), "")
    raw = str(text or "").strip()
    if not raw or raw.lower() in {"n/a", "na", "-", "unknown", "not known", "?"}:
        return Reading(None)
    if FOREIGN.search(raw):
        return Reading(None, NOT_UNDERSTOOD, "only amounts in EUR are read")
    body = EURO.sub(" ", raw).strip().lower()
    multiplier = 1
    match = re.fullmatch(r"(.*?)\s*([a-z]+)\.?", body)
    if match and match.group(2) in MULTIPLIERS:
        body, multiplier = match.group(1), MULTIPLIERS[match.group(2)]
    body = re.sub(r"[\s\u00a0\u202f\u2009']", "", body)
    if not re.fullmatch(r"\d[\d.,]*", body):
        return Reading(None, NOT_UNDERSTOOD, f"not an amount: {raw[:40]!r}")
    number, guessed = _number(body, scaled=multiplier > 1)
    if number is None:
        return Reading(None, NOT_UNDERSTOOD, f"not an amount: {raw[:40]!r}")
    value = (number * multiplier).quantize(Decimal("0.01"))
    note = f"read as {eur(value)}" if guessed or multiplier > 1 else ""
    return _non_negative(value, note, GUESSED if guessed else UNDERSTOOD)


def _non_negative(value: Decimal, note: str, status: str = UNDERSTOOD) -> Reading:
    if value < 0:
        return Reading(None, NOT_UNDERSTOOD, "a negative amount")
    return Reading(value.quantize(Decimal("0.01")), status, note)


def _number(body: str, scaled: bool) -> tuple[Decimal | None, bool]:
    """(value, guessed) of digits with "," and "." used as thousands or decimal marks."""
    commas, dots = body.count(","), body.count(".")
    guessed = False
    if commas and dots:  # the last mark is the decimal one
        decimal_mark = "," if body.rfind(",") > body.rfind(".") else "."
        thousands = "." if decimal_mark == "," else ","
        body = body.replace(thousands, "").replace(decimal_mark, ".")
    elif commas or dots:
        mark = "," if commas else "."
        count = commas or dots
        tail = body.rsplit(mark, 1)[1]
        if count > 1:
            body = body.replace(mark, "")
        elif len(tail) == 3 and not scaled:
            body = body.replace(mark, "")  # 500,000 or 500.000: thousands
            guessed = mark == "."
        else:
            body = body.replace(mark, ".")  # 3,2 million or 1234.50: decimals
    try:
        return Decimal(body), guessed
    except InvalidOperation:
        return None, False


def read_number(text) -> Reading:
    """An indicator value: a count such as 120, "1 200" or "1,200"."""
    reading = read_amount(text)
    if reading.status == NOT_UNDERSTOOD:
        return Reading(None, NOT_UNDERSTOOD, f"not a number: {str(text)[:40]!r}")
    return reading


# Dates -----------------------------------------------------------------------------------------

MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("january", "jan"),
            ("february", "feb"),
            ("march", "mar"),
            ("april", "apr"),
            ("may",),
            ("june", "jun"),
            ("july", "jul"),
            ("august", "aug"),
            ("september", "sep", "sept"),
            ("october", "oct"),
            ("november", "nov"),
            ("december", "dec"),
        ),
        start=1,
    )
    for name in names
}


def read_date(text) -> Reading:
    """A date at the precision given: 2014, 2014-03, 03/2014, March 2014, 2014-03-05,
    05/03/2014 (day first, as in Europe); Excel dates are days."""
    if isinstance(text, datetime | date):
        return Reading(PartialDate(text.year, text.month, text.day))
    if isinstance(text, int | float) and not isinstance(text, bool) and 1900 <= text <= 2100:
        return Reading(PartialDate(int(text)))
    raw = str(text or "").strip()
    if not raw:
        return Reading(None)
    lowered = raw.lower().rstrip(".")
    patterns = (
        (r"(\d{4})(?:\.0)?", lambda m: (int(m[1]), None, None)),
        (r"(\d{4})-(\d{1,2})", lambda m: (int(m[1]), int(m[2]), None)),
        (r"(\d{1,2})[/.](\d{4})", lambda m: (int(m[2]), int(m[1]), None)),
        (r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ t].*)?", lambda m: (int(m[1]), int(m[2]), int(m[3]))),
        (r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})", lambda m: (int(m[3]), int(m[2]), int(m[1]))),
        (r"([a-z]+)\.? (\d{4})", lambda m: (int(m[2]), MONTHS.get(m[1]), None)),
    )
    for pattern, parts in patterns:
        match = re.fullmatch(pattern, lowered)
        if match:
            year, month, day = parts(match)
            if pattern.startswith("([a-z]") and month is None:
                break
            candidate = PartialDate(year, month, day)
            problems = candidate.problems("date")
            if problems:
                return Reading(None, NOT_UNDERSTOOD, problems[0].removeprefix("date: "))
            return Reading(candidate)
    return Reading(None, NOT_UNDERSTOOD, f"not a date: {raw[:40]!r}")


def read_period(text) -> tuple[Reading, Reading]:
    """ "2012-2014" or "2012 - 2014" into a start and an end year."""
    match = re.fullmatch(r"\s*(\d{4})\s*[-–/]\s*(\d{4})\s*", str(text or ""))
    if match:
        return read_date(match[1]), read_date(match[2])
    return read_date(text), Reading(None)


# Organisation types, statuses, yes/no ----------------------------------------------------------

TYPE_WORDS = (
    (OrganisationType.INTERNATIONAL_ORGANISATION, ("international", "iom", "unodc", "unicef")),
    (OrganisationType.JUDICIAL_AUTHORITY, ("court", "prosecut", "judicia", "judge")),
    (OrganisationType.LAW_ENFORCEMENT, ("police", "law enforcement", "gendarmerie", "border")),
    (
        OrganisationType.LOCAL_REGIONAL_AUTHORITY,
        ("municipal", "city", "region", "local", "county"),
    ),
    (OrganisationType.RESEARCH, ("universit", "research", "institute", "academ")),
    (OrganisationType.PUBLIC_AUTHORITY, ("ministry", "public", "government", "agency", "national")),
    (OrganisationType.PRIVATE_COMPANY, ("company", "private", "business", "ltd", "gmbh")),
    (
        OrganisationType.NGO,
        ("ngo", "civil society", "non-governmental", "association", "foundation", "charity"),
    ),
)


def read_organisation_type(text) -> Reading:
    raw = plain(str(text or ""))
    if not raw:
        return Reading("")
    for kind in OrganisationType:
        if raw in (kind.value, kind.value.replace("_", " "), plain(ORGANISATION_TYPE_LABELS[kind])):
            return Reading(kind.value)
    if raw in ("ngo", "csos", "cso", "nonprofit", "non-profit"):
        return Reading(OrganisationType.NGO.value)
    for kind, words in TYPE_WORDS:
        if any(word in raw for word in words):
            return Reading(kind.value, GUESSED, f"read as {ORGANISATION_TYPE_LABELS[kind]}")
    return Reading("", NOT_UNDERSTOOD, f"unknown organisation type {raw[:40]!r}")


STATUS_WORDS = {
    ProjectStatus.RUNNING: ("running", "ongoing", "on-going", "active", "in progress", "open"),
    ProjectStatus.CLOSED: ("closed", "completed", "finished", "ended", "done", "final"),
    ProjectStatus.TERMINATED: ("terminated", "cancelled", "canceled", "stopped"),
    ProjectStatus.PLANNED: ("planned", "not started", "signed", "upcoming"),
    ProjectStatus.UNKNOWN: ("unknown", "not known", "n/a"),
}


def read_status(text) -> Reading:
    raw = plain(str(text or ""))
    if not raw:
        return Reading(None)
    for status, words in STATUS_WORDS.items():
        if raw == status.value or raw in words:
            return Reading(status)
    for status, words in STATUS_WORDS.items():
        if any(word in raw for word in words):
            return Reading(status, GUESSED, f"read as {status.label.lower()}")
    return Reading(None, NOT_UNDERSTOOD, f"unknown status {raw[:40]!r}")


def read_yes_no(text, default: bool) -> Reading:
    raw = plain(str(text if text is not None else ""))
    if not raw:
        return Reading(default)
    if raw in ("yes", "y", "true", "1", "public", "oui", "ja"):
        return Reading(True)
    if raw in ("no", "n", "false", "0", "private", "non", "nein"):
        return Reading(False)
    return Reading(default, NOT_UNDERSTOOD, f"not yes or no: {raw[:20]!r}")
