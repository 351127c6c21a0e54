"""The import file's format, described once: its columns (the README's table uses the same
words), the programme names files write, and the per-row report of what was understood."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from grants.portfolio.reading import GUESSED, NOT_UNDERSTOOD, UNDERSTOOD
from grants.portfolio.sync import PortfolioRecord

MAX_ROWS = 20000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header, no title column)."""


@dataclass(frozen=True)
class Column:
    name: str
    aliases: tuple[str, ...]
    help: str


COLUMNS = (
    Column(
        "reference",
        (
            "id",
            "project id",
            "ref",
            "grant agreement",
            "agreement number",
            "project number",
            "code",
        ),
        "The project's reference (grant agreement number): its stable key when given.",
    ),
    Column(
        "title",
        ("project title", "name", "project name", "project"),
        "Required: a row without a title is rejected.",
    ),
    Column("acronym", ("short name", "short title"), ""),
    Column("summary", ("description", "abstract", "objectives"), ""),
    Column(
        "programme",
        (
            "fund",
            "funding programme",
            "programme name",
            "funding",
            "instrument",
            "financing programme",
        ),
        'Free text ("ISEC", "Daphne III", "Horizon 2020", ...) mapped onto a fund.',
    ),
    Column("call", ("call reference", "call for proposals", "call identifier"), ""),
    Column(
        "start",
        ("start date", "start year", "from", "begin", "starting date", "year"),
        "2014, 2014-03, 03/2014, March 2014 or 2014-03-05: kept at that precision.",
    ),
    Column("end", ("end date", "end year", "to", "until", "ending date"), "As the start."),
    Column(
        "period",
        ("years", "duration", "project period"),
        '"2012-2014": a start and an end year in one column.',
    ),
    Column(
        "status",
        ("state", "project status"),
        "Running, closed, terminated, planned; when empty, closed if it ended before this "
        "year (guessed).",
    ),
    Column(
        "eu_contribution",
        (
            "eu contribution",
            "eu grant",
            "grant",
            "eu funding",
            "amount",
            "eu amount",
            "funding amount",
            "eu contribution eur",
            "awarded amount",
            "requested grant",
        ),
        'In EUR: 450000, "EUR 500,000", "500 000", "€3.2 million"; empty means not '
        "known (the project counts, not as EUR 0).",
    ),
    Column(
        "total_cost",
        ("total", "total budget", "total costs", "budget", "total eligible costs"),
        "As the EU contribution.",
    ),
    Column(
        "coordinator",
        (
            "coordinator name",
            "lead organisation",
            "lead partner",
            "beneficiary",
            "coordinating organisation",
            "applicant",
        ),
        "",
    ),
    Column(
        "coordinator_type",
        (
            "actor type",
            "organisation type",
            "type of organisation",
            "coordinator organisation type",
            "beneficiary type",
        ),
        "NGO, public authority, law enforcement, judicial authority, local or regional "
        "authority, international organisation, research, private company, other.",
    ),
    Column(
        "coordinator_country",
        (
            "country",
            "coordinator country",
            "lead country",
            "country of coordinator",
            "beneficiary country",
        ),
        'An English name ("Czech Republic", "UK" and other variants) or an ISO code.',
    ),
    Column(
        "partners",
        ("partner organisations", "consortium", "partner names"),
        '"Name (Country); Name (Country)".',
    ),
    Column(
        "partner_countries",
        ("partner country", "countries of partners", "partner countries"),
        'Countries separated by ";" (partners whose names are not known).',
    ),
    Column(
        "implementation_countries",
        (
            "countries of implementation",
            "implementation country",
            "target countries",
            "countries covered",
            "country of implementation",
        ),
        'Countries separated by ";".',
    ),
    Column(
        "themes",
        ("theme", "topics", "keywords", "fields", "areas"),
        'Free text separated by ";", mapped onto priorities, forms of exploitation, target '
        "groups and project types by the mapping table (edited on the import page).",
    ),
    Column(
        "priorities",
        ("priority", "strategy priorities", "priority codes"),
        "Codes or titles of the 2021-2025 strategy, or 2012-2016 codes such as 2012-A1.",
    ),
    Column(
        "exploitation_forms",
        ("exploitation", "forms of exploitation", "form of exploitation", "type of exploitation"),
        "",
    ),
    Column("target_groups", ("target group", "beneficiaries", "target beneficiaries"), ""),
    Column("project_types", ("project type", "type", "type of project", "types"), ""),
    Column("outcomes", ("outcome", "results", "achievements"), 'Texts separated by ";".'),
    Column(
        "recommendations",
        ("recommendation",),
        '"Member States: text [priority code]; EU: text": addressee (EU, Member States, '
        "civil society, other) before a colon, priority in brackets, both optional.",
    ),
    Column(
        "outcomes_public",
        ("public", "public outcomes", "publish"),
        "yes or no (default yes): whether the public sees the outcomes.",
    ),
)
COLUMN_NAMES = {c.name for c in COLUMNS}


def _header_key(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", str(text or "").lower()).strip()


HEADER_INDEX = {}
for _column in COLUMNS:
    for _alias in (_column.name, *_column.aliases):
        HEADER_INDEX.setdefault(_header_key(_alias), _column.name)

# Programme names of past and present EU funds as files write them (lower case, plain).
PROGRAMME_ALIASES = {
    "isec": "ISEC",
    "prevention of and fight against crime": "ISEC",
    "prevention of and fight against crime isec": "ISEC",
    "security and safeguarding liberties": "ISEC",
    "daphne": "DAPHNE",
    "daphne iii": "DAPHNE",
    "daphne 3": "DAPHNE",
    "amif": "AMIF",
    "asylum migration and integration fund": "AMIF",
    "amif 2014-2020": "AMIF-2014",
    "isf": "ISF",
    "isf police": "ISF-POLICE",
    "isf-police": "ISF-POLICE",
    "internal security fund police": "ISF-POLICE",
    "internal security fund": "ISF",
    "horizon 2020": "H2020",
    "h2020": "H2020",
    "horizon europe": "HORIZON-EU",
    "fp7": "FP7",
    "fp7 security": "FP7",
    "seventh framework programme": "FP7",
    "justice": "JUST",
    "justice programme": "JUST",
    "rec": "REC",
    "rights equality and citizenship": "REC",
    "rights, equality and citizenship": "REC",
    "cerv": "CERV",
    "dci": "DCI",
    "development cooperation instrument": "DCI",
    "eidhr": "EIDHR",
    "eni": "ENI",
    "european neighbourhood instrument": "ENI",
    "ipa": "IPA-II",
    "ipa ii": "IPA-II",
    "ipa iii": "IPA-III",
    "ndici": "NDICI",
    "ndici-global europe": "NDICI",
    "esf+": "ESF-PLUS",
    "esf plus": "ESF-PLUS",
    "bmvi": "BMVI",
}


@dataclass
class FieldReport:
    column: str
    raw: str
    shown: str
    status: str
    note: str = ""


@dataclass
class RowReport:
    number: int  # as a spreadsheet numbers it: the header is row 1
    key: str = ""
    title: str = ""
    record: PortfolioRecord | None = None
    fields: list[FieldReport] = field(default_factory=list)
    rejected: str = ""
    exists: bool = False

    @property
    def status(self) -> str:
        if self.rejected:
            return "rejected"
        statuses = {f.status for f in self.fields}
        if NOT_UNDERSTOOD in statuses:
            return NOT_UNDERSTOOD
        if GUESSED in statuses:
            return GUESSED
        return UNDERSTOOD


@dataclass
class ImportReport:
    filename: str
    rows: list[RowReport]
    columns: dict[str, str]  # header as written -> column name or indicator
    ignored_columns: list[str]
    mapping_version: str

    @property
    def counts(self) -> Counter:
        counts = Counter(r.status for r in self.rows)
        counts["new"] = sum(1 for r in self.rows if not r.rejected and not r.exists)
        counts["update"] = sum(1 for r in self.rows if not r.rejected and r.exists)
        counts["rejected"] = sum(1 for r in self.rows if r.rejected)
        return counts
