"""The priority alignment of a submitted version: computed once, stored with it, read back.

`scoring` computes it from the submitted snapshot (see scoring/README.md). It is computed by
the `review.alignment` job that submitting enqueues in its own transaction, or on first reading
for a submission that has none yet (older submissions, a call whose weights changed), and stored
in `submission_alignment` keyed by the call's weights, the method's version and the
descriptors' version and content digest; every later
reading, in any worker, reads the stored result instead of recomputing it."""

from __future__ import annotations

import hashlib
import json
import threading
from decimal import Decimal

from flask import after_this_request, has_request_context, request
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

import scoring
from grants.extensions import db, projection
from grants.jobs.registry import handler
from grants.proposals.models import Submission
from grants.proposals.snapshot import TEXTS
from grants.review.models import SubmissionAlignment

JOB = "review.alignment"

_lock = threading.Lock()
_descriptors: scoring.DescriptorSet | None = None
_aligners: dict[tuple, scoring.Aligner] = {}


def descriptor_set() -> scoring.DescriptorSet:
    global _descriptors
    with _lock:
        if _descriptors is None:
            _descriptors = scoring.load_descriptors()
        return _descriptors


def call_weights(submission: Submission) -> dict[str, float]:
    """The weights of the call's priorities that have descriptors (others cannot be evidenced)."""
    return call_weights_of(submission.call)


def call_weights_of(call) -> dict[str, float]:
    """`call_weights` of every submission of `call`."""
    descriptors = descriptor_set()
    weights = {}
    for cp in call.priorities:
        try:
            descriptors[cp.priority_code]
        except KeyError:
            continue
        weights[cp.priority_code] = float(cp.weight)
    return weights


def result_key(weights: dict[str, float]) -> str:
    """What a stored result depends on besides the snapshot: the weights, the method's version
    and the descriptors (their version and a digest of their content)."""
    descriptors = descriptor_set()
    plain = {
        "weights": sorted(weights.items()),
        "method": scoring.METHOD_VERSION,
        "descriptors": descriptors.version,
        "descriptor_digest": descriptors.digest,
    }
    return hashlib.sha256(json.dumps(plain, sort_keys=True).encode()).hexdigest()


def aligner(weights: dict[str, float]) -> scoring.Aligner:
    key = tuple(sorted(weights.items()))
    with _lock:
        found = _aligners.get(key)
    if found is None:
        found = scoring.Aligner(descriptor_set(), weights)
        with _lock:
            found = _aligners.setdefault(key, found)
    return found


def alignment_input(submission: Submission) -> scoring.AlignmentInput:
    """The submitted snapshot as the evidence `scoring` reads."""
    c = submission.snapshot
    parts = [c.title, *(c.text(name) for name in TEXTS)]
    activities = []
    for wp in c.work_packages:
        parts.append(f"{wp.title}\n{wp.description}")
        activities.append(scoring.Activity(wp.title, wp.priorities, wp.description))
        for item in wp.items:
            parts.append(f"{item.title}\n{item.description}")
            if item.kind == "activity":
                activities.append(scoring.Activity(item.title, item.priorities, item.description))
    return scoring.AlignmentInput(
        proposal_id=submission.reference,
        text="\n\n".join(p for p in parts if p.strip()),
        claims=tuple(scoring.PriorityClaim(x.priority, x.justification) for x in c.claims),
        budget=tuple(
            scoring.BudgetLine(x.category, x.amount, x.priorities, x.description)
            for x in c.budget.lines
        ),
        activities=tuple(activities),
        target_groups=c.target_groups,
        indicators=tuple(
            scoring.Indicator(
                x.name,
                tuple(d for d, on in (("sex", x.by_sex), ("age", x.by_age)) if on),
                None if x.target is None else f"{x.target:f}",
            )
            for x in c.indicators
        ),
    )


def _loaded() -> dict[tuple[int, str], SubmissionAlignment | None]:
    """Rows read in this session (a request, a job), by (submission id, key)."""
    return db.session.info.setdefault("submission_alignments", {})


def preload(submissions) -> None:
    """Read the stored results of many submissions in one query (a ranking reads them all)."""
    ids = [s.id for s in submissions]
    if not ids:
        return
    loaded = _loaded()
    rows = db.session.scalars(
        select(SubmissionAlignment).where(SubmissionAlignment.submission_id.in_(ids))
    )
    for row in rows:
        loaded[(row.submission_id, row.key)] = row
    for s in submissions:
        key = (s.id, result_key(call_weights(s)))
        loaded.setdefault(key, None)  # known to be missing: computed on first reading


def _stored(submission_id: int, key: str) -> SubmissionAlignment | None:
    loaded = _loaded()
    found = loaded.get((submission_id, key))
    if found is not None:
        return found
    if (submission_id, key) in loaded:
        return None
    return db.session.scalar(
        select(SubmissionAlignment).where(
            SubmissionAlignment.submission_id == submission_id, SubmissionAlignment.key == key
        )
    )


def store(submission: Submission, weights: dict[str, float]) -> SubmissionAlignment:
    """Compute and add the submission's alignment under `weights` (the caller commits), or
    return the one stored already. A concurrent writer of the same row wins: its row is read."""
    key = result_key(weights)
    row = _stored(submission.id, key)
    if row is not None:
        return row
    result = aligner(weights).align(alignment_input(submission))
    row = SubmissionAlignment(
        submission_id=submission.id,
        key=key,
        total=Decimal(str(result.total)).quantize(Decimal("0.01")),
        result=result.to_dict(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        _loaded().pop((submission.id, key), None)
        row = _stored(submission.id, key)
    _loaded()[(submission.id, key)] = row
    return row


def stored_alignment(submission: Submission) -> scoring.AlignmentResult | None:
    """The submission's alignment under its call's current weights; None without priorities.

    Read from `submission_alignment`; computed and stored on first reading when missing. In a
    GET request (whose views write nothing else) the new rows are committed once when the page
    is done (a ranking storing a thousand used to commit a thousand times: minutes on SQLite);
    elsewhere they are part of the caller's transaction and committed with it."""
    weights = call_weights(submission)
    if not weights:
        return None
    row = _stored(submission.id, result_key(weights))
    if row is None:
        row = store(submission, weights)
        if has_request_context() and request.method in ("GET", "HEAD"):
            _commit_when_done()
    return scoring.AlignmentResult.from_dict(row.result)


def _commit_when_done() -> None:
    """Commit the rows stored while this GET request ran, once, after its page is built."""
    if db.session.info.get("alignments_to_commit"):
        return
    db.session.info["alignments_to_commit"] = True

    @after_this_request
    def commit(response):
        if db.session.info.pop("alignments_to_commit", False):
            db.session.commit()
        return response


@handler(JOB, "Priority alignment of a submission", timeout=120, max_attempts=3, priority=6)
def compute_alignment(payload: dict, _resource, _context) -> dict:
    """Enqueued by submitting (in its transaction): the alignment computed and stored once."""
    submission = db.session.get(Submission, payload["submission_id"])
    if submission is None:
        return {"summary": "The submission no longer exists."}
    weights = call_weights(submission)
    if not weights:
        return {"summary": f"{submission.reference}: the call weights no priorities."}
    row = store(submission, weights)
    return {"summary": f"Alignment of {submission.reference}: {row.total} / 100."}


def alignment_totals(call, rows: list, stored_form: bool = False) -> dict[int, Decimal]:
    """Submission id -> `alignment_total`, read from the stored results' totals in one query
    (their JSON is not decoded); a submission without a stored result yet has it computed
    and stored (the first ranking of a call). Each is the Decimal `alignment_total` gives;
    with `stored_form`, a stored one as it is stored (`as_total` of it is the same number),
    for a caller that needs the total only when it computes (the ranking's kept results)."""
    if not rows:
        return {}
    weights = call_weights_of(call)
    if not weights:
        return {r.id: Decimal(0) for r in rows}
    key = result_key(weights)
    A = SubmissionAlignment
    wanted = {r.id for r in rows}
    query = (
        select(A.submission_id, A.total)
        .join(Submission, Submission.id == A.submission_id)
        .where(Submission.call_id == call.id, A.key == key)
    )
    # The total is stored as the result's float rounded to 2 places: read back, it is that
    # float again, so the Decimal is the one `alignment_total` makes of it.
    found = projection(query)
    if stored_form:
        totals = {sid: value for sid, value in found if sid in wanted}
    else:
        totals = {sid: as_total(value) for sid, value in found if sid in wanted}
    missing = [r.id for r in rows if r.id not in totals]
    if missing:
        whole = list(db.session.scalars(select(Submission).where(Submission.id.in_(missing))))
        preload(whole)  # what is stored under other keys, in one query
        for s in whole:  # computed and stored now (not read from a panel cached earlier)
            result = stored_alignment(s)
            totals[s.id] = Decimal(str(round(result.total, 2))) if result else Decimal(0)
    return totals


_TENTH = Decimal("0.1")


def as_total(stored: Decimal) -> Decimal:
    """`Decimal(str(round(float(stored), 2)))` of a stored total (2 places, 0 to 100), without
    the float: the shortest decimal that reads back as the float, which for such a number is
    the number without its trailing zeros but one place at least (50.80 -> 50.8, 50.00 ->
    50.0), the form `alignment_total` gives and the ranking's digest records; the same
    number again for a total in that form."""
    if not isinstance(stored, Decimal):  # a driver that gives floats
        return Decimal(str(round(float(stored), 2)))
    value = stored.normalize()
    return stored.quantize(_TENTH) if value.as_tuple().exponent >= 0 else value
