"""Reading an import file and understanding its rows: each value read as the column expects,
said understood, guessed or not understood, each row turned into a record or rejected with
its reason (see importer.py for the whole import)."""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import re

from sqlalchemy import select

from grants import clock
from grants.extensions import db
from grants.formatting import eur
from grants.portfolio import geo
from grants.portfolio.import_format import (
    HEADER_INDEX,
    MAX_ROWS,
    PROGRAMME_ALIASES,
    FieldReport,
    ImportFileError,
    ImportReport,
    RowReport,
    _header_key,
)
from grants.portfolio.models import (
    ADDRESSEE_NAMES,
    Addressee,
    ImportMapping,
    MappingKind,
    PortfolioProject,
    ProjectSource,
    ProjectStatus,
)
from grants.portfolio.reading import (
    GUESSED,
    NOT_UNDERSTOOD,
    UNDERSTOOD,
    Reading,
    plain,
    read_amount,
    read_date,
    read_number,
    read_organisation_type,
    read_period,
    read_status,
    read_yes_no,
    split_list,
)
from grants.portfolio.sync import (
    IndicatorValue,
    Participant,
    PortfolioRecord,
    Recommendation,
    Vocabulary,
    problems_of,
)

# Reading the file ----------------------------------------------------------------------------


def read_table(filename: str, content: bytes) -> list[list]:
    """Rows of cells (the first is the header) of a CSV or XLSX file."""
    name = filename.lower()
    if name.endswith(".xlsx") or content[:4] == b"PK\x03\x04":
        return _read_xlsx(content)
    if name.endswith((".csv", ".txt", ".tsv")) or not name:
        return _read_csv(content)
    raise ImportFileError("Upload a CSV (.csv) or Excel (.xlsx) file.")


def _read_csv(content: bytes) -> list[list]:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            text = content.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    if "\x00" in text:
        raise ImportFileError("This file is not a CSV text file.")
    lines = text.splitlines(keepends=True)
    while lines and lines[0].startswith("#"):  # leading comment lines describe the file
        lines.pop(0)
    text = "".join(lines)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    return [row for row in csv.reader(io.StringIO(text), dialect) if any(c.strip() for c in row)]


def _read_xlsx(content: bytes) -> list[list]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise ImportFileError("This file could not be read as an Excel workbook (.xlsx).") from exc
    sheet = workbook.worksheets[0]
    rows = []
    for values in sheet.iter_rows(values_only=True):
        cells = ["" if v is None else v for v in values]
        if any(str(c).strip() for c in cells):
            rows.append(cells)
    workbook.close()
    return rows


# Understanding the values ---------------------------------------------------------------------


class Resolver:
    """Phrases of a file to codes: the mapping table, then codes and titles of the reference
    data, then a close match (guessed). Remembers every phrase it resolved in a run."""

    def __init__(self, vocabulary: Vocabulary):
        from grants.portfolio.queries import labels

        names = labels()
        self.vocabulary = vocabulary
        self.mappings: dict[tuple[str, str], str] = {
            (m.phrase, m.kind.value): m.code for m in db.session.scalars(select(ImportMapping))
        }
        self.titles: dict[str, dict[str, str]] = {
            MappingKind.FUND: {plain(t): c for c, t in names.funds.items()}
            | {plain(c): c for c in names.funds},
            MappingKind.PRIORITY: {plain(t): c for c, (t, _) in names.priorities.items()}
            | {plain(c): c for c in vocabulary.priorities}
            | {plain(t): c for c, t in names.priorities_2012.items()},
            MappingKind.EXPLOITATION: _codes_and_titles(names.exploitation),
            MappingKind.TARGET_GROUP: _codes_and_titles(names.target_groups),
            MappingKind.PROJECT_TYPE: _codes_and_titles(names.project_types),
        }
        self.titles[MappingKind.FUND] |= {k: v for k, v in PROGRAMME_ALIASES.items()}
        self.cache: dict[tuple, tuple[str, str, str] | None] = {}

    def resolve(self, phrase: str, kinds) -> tuple[str, str, str] | None:
        """(kind, code, status) for a phrase among `kinds`, or None."""
        key = (plain(phrase), tuple(kinds))
        if key not in self.cache:
            self.cache[key] = self._resolve(key[0], kinds)
        return self.cache[key]

    def resolve_all(self, phrase: str, kinds) -> list[tuple[str, str, str]]:
        """Every kind whose mapping or reference data names the phrase exactly (a theme such
        as "sexual exploitation" is both a form of exploitation and a strategy dimension), or
        else the one close match, or nothing."""
        phrase = plain(phrase)
        exact = [found for kind in kinds if (found := self._exact(phrase, kind))]
        if exact:
            return exact
        found = self.resolve(phrase, kinds)
        return [found] if found else []

    def _exact(self, phrase: str, kind) -> tuple[str, str, str] | None:
        if (phrase, kind.value) in self.mappings:
            return kind.value, self.mappings[(phrase, kind.value)], UNDERSTOOD
        if phrase in self.titles[kind]:
            return kind.value, self.titles[kind][phrase], UNDERSTOOD
        return None

    def _resolve(self, phrase: str, kinds) -> tuple[str, str, str] | None:
        for kind in kinds:
            if (phrase, kind.value) in self.mappings:  # the user's mapping wins over titles
                return kind.value, self.mappings[(phrase, kind.value)], UNDERSTOOD
        for kind in kinds:
            if found := self._exact(phrase, kind):
                return found
        best = None
        for kind in kinds:
            close = difflib.get_close_matches(phrase, self.titles[kind], n=1, cutoff=0.82)
            if close:
                score = difflib.SequenceMatcher(None, phrase, close[0]).ratio()
                if best is None or score > best[0]:
                    best = (score, kind.value, self.titles[kind][close[0]])
        if best:
            return best[1], best[2], GUESSED
        return None

    def version(self) -> str:
        digest = hashlib.sha256()
        for (phrase, kind), code in sorted(self.mappings.items()):
            digest.update(f"{phrase}\x1f{kind}\x1f{code}\x1e".encode())
        return digest.hexdigest()[:16]


def _codes_and_titles(table: dict[str, str]) -> dict[str, str]:
    return {plain(t): c for c, t in table.items()} | {plain(c): c for c in table}


THEME_KINDS = (
    MappingKind.PRIORITY,
    MappingKind.EXPLOITATION,
    MappingKind.TARGET_GROUP,
    MappingKind.PROJECT_TYPE,
)
LIST_COLUMNS = {
    "priorities": MappingKind.PRIORITY,
    "exploitation_forms": MappingKind.EXPLOITATION,
    "target_groups": MappingKind.TARGET_GROUP,
    "project_types": MappingKind.PROJECT_TYPE,
}
RECORD_LISTS = {
    MappingKind.PRIORITY.value: "priorities",
    MappingKind.EXPLOITATION.value: "exploitation_forms",
    MappingKind.TARGET_GROUP.value: "target_groups",
    MappingKind.PROJECT_TYPE.value: "project_types",
}


def _indicator_columns(headers: list[str], vocabulary: Vocabulary):
    """header -> (indicator code, breakdown code or "", category code or "")."""
    from grants.portfolio.queries import labels

    names = {}
    for definition in labels().indicators:
        if definition.free_unit:
            continue
        for label in (definition.code, definition.label):
            names[_header_key(label)] = (definition.code, "", "")
            for breakdown in definition.breakdowns:
                for category in breakdown.categories:
                    for text in (category.code, category.title):
                        for joint in (" ", " by "):
                            names[_header_key(f"{label}{joint}{text}")] = (
                                definition.code,
                                breakdown.code,
                                category.code,
                            )
    return {h: names[_header_key(h)] for h in headers if _header_key(h) in names}


def understand(filename: str, content: bytes) -> ImportReport:
    """Read a whole file into a per-row report; nothing is written."""
    table = read_table(filename, content)
    if not table:
        raise ImportFileError("The file is empty.")
    if len(table) - 1 > MAX_ROWS:
        raise ImportFileError(f"The file has {len(table) - 1} rows; import at most {MAX_ROWS}.")
    headers = [str(h).strip() for h in table[0]]
    columns: dict[str, str] = {}
    for header in headers:
        name = HEADER_INDEX.get(_header_key(header))
        if name and name not in columns.values():
            columns[header] = name
    if "title" not in columns.values():
        raise ImportFileError(
            "No title column: the first row must name the columns, one of them "
            '"title" (see the column format in the README).'
        )
    vocabulary = Vocabulary.load()
    indicators = _indicator_columns([h for h in headers if h not in columns], vocabulary)
    ignored = [h for h in headers if h and h not in columns and h not in indicators]
    resolver = Resolver(vocabulary)
    reports = []
    keys: dict[str, int] = {}
    for offset, cells in enumerate(table[1:], start=2):
        values = {headers[i]: cells[i] for i in range(min(len(headers), len(cells))) if headers[i]}
        row = _understand_row(offset, values, columns, indicators, resolver, filename)
        if not row.rejected and row.key in keys:
            row.rejected = f"the same project as row {keys[row.key]} (same key {row.key!r})"
        elif not row.rejected:
            problems = problems_of(row.record, vocabulary)
            if problems:
                row.rejected = "; ".join(problems)
            keys[row.key] = offset
        reports.append(row)
    _mark_existing(reports)
    described = {h: n for h, n in columns.items()} | {
        h: "indicator " + ":".join(p for p in spec if p) for h, spec in indicators.items()
    }
    return ImportReport(filename, reports, described, ignored, resolver.version())


def _mark_existing(reports: list[RowReport]) -> None:
    keys = [r.key for r in reports if r.key and not r.rejected]
    existing = set()
    for start in range(0, len(keys), 500):
        existing |= set(
            db.session.scalars(
                select(PortfolioProject.key).where(
                    PortfolioProject.key.in_(keys[start : start + 500])
                )
            )
        )
    for r in reports:
        r.exists = r.key in existing


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _understand_row(number, values, columns, indicators, resolver, filename) -> RowReport:
    by_name = {name: values.get(header, "") for header, name in columns.items()}
    report = RowReport(number=number)

    def note(column: str, raw, reading: Reading, shown: str = "") -> None:
        if _text(raw) or reading.status != UNDERSTOOD:
            report.fields.append(
                FieldReport(column, _text(raw)[:200], shown, reading.status, reading.note)
            )

    title = _text(by_name.get("title"))
    report.title = title
    record = PortfolioRecord(
        key="",
        title=title,
        source=ProjectSource.IMPORTED,
        source_file=filename,
        source_row=number,
        reference=_text(by_name.get("reference"))[:100],
        acronym=_text(by_name.get("acronym"))[:60],
        summary=_text(by_name.get("summary")),
        call_reference=_text(by_name.get("call"))[:100],
        outcomes_public=True,
    )
    for simple in ("title", "reference", "acronym", "call"):
        if _text(by_name.get(simple)):
            note(simple, by_name.get(simple), Reading(None), _text(by_name.get(simple))[:80])
    _programme(record, by_name.get("programme"), resolver, note)
    _dates(record, by_name, note)
    _amounts(record, by_name, note)
    _people(record, by_name, note)
    _taxonomy(record, by_name, resolver, note)
    _texts(record, by_name, resolver, note)
    _indicators(record, values, indicators, note)
    public = read_yes_no(by_name.get("outcomes_public"), default=True)
    record.outcomes_public = bool(public.value)
    note("outcomes_public", by_name.get("outcomes_public"), public, "yes" if public.value else "no")
    if not title:
        report.rejected = "no title"
    record.key = _key(record, by_name)
    report.key = record.key
    report.record = record
    return report


def _key(record: PortfolioRecord, by_name) -> str:
    if record.reference:
        return "imported:" + re.sub(r"\s+", "", record.reference.upper())
    basis = "|".join(
        [
            plain(record.title),
            plain(record.coordinator.name),
            str(record.start.year if record.start else ""),
        ]
    )
    return "imported:#" + hashlib.sha256(basis.encode()).hexdigest()[:16]


def _programme(record, raw, resolver: Resolver, note) -> None:
    text = _text(raw)
    record.programme = text[:300]
    if not text:
        return
    found = resolver.resolve(text, [MappingKind.FUND])
    if found is None:
        # "ISEC 2011 call": try the words before a year or a dash.
        shorter = re.split(r"\s+(?:\d{4}|-|–|\()", text)[0]
        if shorter != text:
            found = resolver.resolve(shorter, [MappingKind.FUND])
            if found:
                found = (found[0], found[1], GUESSED)
    if found:
        record.fund_code = found[1]
        status = found[2]
        note("programme", text, Reading(found[1], status, f"fund {found[1]}"), found[1])
    else:
        note(
            "programme",
            text,
            Reading(None, NOT_UNDERSTOOD, "no fund matches: add it to the mapping table"),
        )


def _dates(record, by_name, note) -> None:
    start, end = read_date(by_name.get("start")), read_date(by_name.get("end"))
    note("start", by_name.get("start"), start, str(start.value or ""))
    note("end", by_name.get("end"), end, str(end.value or ""))
    if _text(by_name.get("period")):
        first, last = read_period(by_name.get("period"))
        note("period", by_name.get("period"), first, f"{first.value or ''}-{last.value or ''}")
        start = start if start.value else first
        end = end if end.value else last
    record.start, record.end = start.value, end.value
    status = read_status(by_name.get("status"))
    if status.value is None and status.status == UNDERSTOOD:
        this_year = clock.now().year
        if record.end and record.end.year < this_year:
            status = Reading(ProjectStatus.CLOSED, GUESSED, "closed: it ended before this year")
            note("status", "", status, "closed")
        status = status if status.value else Reading(ProjectStatus.UNKNOWN)
    else:
        note("status", by_name.get("status"), status, status.value.label if status.value else "")
    record.status = status.value or ProjectStatus.UNKNOWN


def _amounts(record, by_name, note) -> None:
    for column in ("eu_contribution", "total_cost"):
        reading = read_amount(by_name.get(column))
        setattr(record, column, reading.value)
        shown = eur(reading.value) if reading.value is not None else "not known"
        note(column, by_name.get(column), reading, shown)


def _countries(raw, note, column: str) -> list[str]:
    found, guesses = [], []
    for part in split_list(_text(raw)):
        code, guessed = geo.read_country(part)
        if code is None:
            note(column, part, Reading(None, NOT_UNDERSTOOD, f"unknown country {part[:40]!r}"))
            continue
        found.append(code)
        if guessed:
            guesses.append(f"{part!r} read as {geo.country_label(code)}")
    if found:
        status = GUESSED if guesses else UNDERSTOOD
        note(column, raw, Reading(found, status, "; ".join(guesses)), ", ".join(found))
    return found


def _people(record, by_name, note) -> None:
    kind = read_organisation_type(by_name.get("coordinator_type"))
    note("coordinator_type", by_name.get("coordinator_type"), kind, kind.value or "")
    countries = _countries(by_name.get("coordinator_country"), note, "coordinator_country")
    name = _text(by_name.get("coordinator"))[:300]
    if name:
        note("coordinator", name, Reading(name), name[:80])
    record.coordinator = Participant(name, kind.value or "", countries[0] if countries else "")
    partners = []
    for part in split_list(_text(by_name.get("partners"))):
        match = re.fullmatch(r"(.*?)\s*\(([^()]*)\)\s*", part)
        name, country_text = (match[1], match[2]) if match else (part, "")
        code, guessed = geo.read_country(country_text) if country_text else (None, False)
        if country_text and code is None:
            note(
                "partners", part, Reading(None, NOT_UNDERSTOOD, f"unknown country {country_text!r}")
            )
        elif guessed:
            note("partners", part, Reading(code, GUESSED, f"read as {geo.country_label(code)}"))
        partners.append(Participant(name[:300], "", code or ""))
    if partners:
        note("partners", by_name.get("partners"), Reading(None), f"{len(partners)} partners")
    for code in _countries(by_name.get("partner_countries"), note, "partner_countries"):
        if code not in {p.country for p in partners}:
            partners.append(Participant("", "", code))
    record.partners = partners
    record.implementation_countries = _countries(
        by_name.get("implementation_countries"), note, "implementation_countries"
    )


def _taxonomy(record, by_name, resolver: Resolver, note) -> None:
    lists: dict[str, list[str]] = {name: [] for name in RECORD_LISTS.values()}
    sources = [("themes", by_name.get("themes"), THEME_KINDS)] + [
        (column, by_name.get(column), [kind]) for column, kind in LIST_COLUMNS.items()
    ]
    for column, raw, kinds in sources:
        for phrase in split_list(_text(raw)):
            found = resolver.resolve_all(phrase, kinds)
            if not found:
                note(
                    column,
                    phrase,
                    Reading(None, NOT_UNDERSTOOD, "not in the taxonomy: add it to the mapping"),
                )
                continue
            for kind, code, _status in found:
                target = lists[RECORD_LISTS[kind]]
                if code not in target:
                    target.append(code)
            status = found[0][2]
            shown = ", ".join(
                f"{MappingKind(kind).label.lower()} {code}" for kind, code, _ in found
            )
            note(
                column,
                phrase,
                Reading(found[0][1], status, shown if status == GUESSED else ""),
                shown,
            )
    for name, codes in lists.items():
        setattr(record, name, codes)


def _texts(record, by_name, resolver: Resolver, note) -> None:
    record.outcomes = split_list(_text(by_name.get("outcomes")))
    if record.outcomes:
        note("outcomes", by_name.get("outcomes"), Reading(None), f"{len(record.outcomes)} outcomes")
    for part in split_list(_text(by_name.get("recommendations"))):
        text, addressee, priority = part, Addressee.OTHER, ""
        head, colon, rest = part.partition(":")
        if colon and plain(head) in ADDRESSEE_NAMES:
            addressee, text = ADDRESSEE_NAMES[plain(head)], rest.strip()
        match = re.fullmatch(r"(.*?)\s*\[([^\]]+)\]\s*", text)
        status = UNDERSTOOD
        if match:
            text = match[1]
            found = resolver.resolve(match[2], [MappingKind.PRIORITY])
            if found:
                priority, status = found[1], found[2]
            else:
                note(
                    "recommendations",
                    match[2],
                    Reading(None, NOT_UNDERSTOOD, f"unknown priority {match[2]!r}"),
                )
        record.recommendations.append(Recommendation(text, addressee, priority))
        note(
            "recommendations",
            part,
            Reading(None, status),
            f"to {addressee.label}" + (f", priority {priority}" if priority else ""),
        )


def _indicators(record, values, indicators, note) -> None:
    found: dict[str, IndicatorValue] = {}
    for header, (code, breakdown, category) in indicators.items():
        reading = read_number(values.get(header))
        note(header, values.get(header), reading, str(reading.value or ""))
        if reading.value is None:
            continue
        value = found.setdefault(code, IndicatorValue(code))
        if breakdown:
            value.breakdowns.setdefault(breakdown, {})[category] = reading.value
        else:
            value.total = reading.value
    record.indicators = list(found.values())
