"""The deadline rush (issue 10, point 10): N applicants log in, save their summary and submit a
complete proposal in the last minute before the deadline, as many at once as `concurrency`;
then a checker holds the database against what each applicant was told.

Against 127.0.0.1 only. `python -m benchmarks.rush` runs the benchmark against `make serve`
(4 workers, PostgreSQL at GRANTS_BENCH_DATABASE_URL or the test server), kills one worker with
SIGKILL mid-run, and writes the figures to benchmarks/RESULTS.md; tests/test_rush.py runs 50
applicants with the same checker and no timings.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct-horse-battery"
_VERSION = re.compile(r'name="version"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="version"')
_TOKEN = re.compile(r'name="token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="token"')
_CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf_token"')
_SHA = re.compile(r'<code class="hash">([0-9a-f]{64})</code>')


@dataclass
class Applicant:
    email: str
    proposal_id: int
    acronym: str


@dataclass
class Outcome:
    applicant: Applicant
    status: str = "not run"  # receipt / refused / error
    sha256: str = ""
    message: str = ""
    submit_seconds: float = 0.0
    submitted_at: float = 0.0  # time.time() when the receipt arrived
    statuses: list[int] = field(default_factory=list)


def _first(pattern: re.Pattern, text: str) -> str:
    match = pattern.search(text)
    if not match:
        return ""
    return next(g for g in match.groups() if g is not None)


class _FormParser(HTMLParser):
    """The fields of each POST form of a page, as a browser would send them."""

    def __init__(self):
        super().__init__()
        self.forms: list[dict] = []
        self._form: dict | None = None
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form" and (a.get("method") or "").lower() == "post":
            self._form = {}
            self.forms.append(self._form)
        if self._form is None or not a.get("name") and tag != "option":
            return
        if tag == "input" and a.get("type") not in ("submit", "button", "checkbox", "radio"):
            self._form[a["name"]] = a.get("value") or ""
        elif tag == "input" and a.get("type") in ("checkbox", "radio") and "checked" in a:
            self._form[a["name"]] = a.get("value") or "y"
        elif tag == "textarea":
            self._textarea = a["name"]
            self._form[a["name"]] = ""
        elif tag == "select":
            self._select = a["name"]
            self._form.setdefault(a["name"], "")
        elif tag == "option" and self._select and "selected" in a:
            self._form[self._select] = a.get("value") or ""

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data):
        if self._form is not None and self._textarea:
            self._form[self._textarea] += data


def form_fields(page: str, having: str) -> dict:
    """The fields of the page's first POST form that has a field named `having`."""
    parser = _FormParser()
    parser.feed(page)
    for form in parser.forms:
        if having in form:
            return dict(form)
    return {}


def _check_loopback(base_url: str) -> None:
    host = urlsplit(base_url).hostname
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise SystemExit(f"the rush runs against 127.0.0.1 only, not {host}")


def _alert(page: str) -> str:
    """The text of the page's first danger or warning alert."""
    found = re.search(r'class="alert alert-(?:danger|warning)[^"]*"[^>]*>(.*?)</div>', page, re.S)
    return re.sub(r"<[^>]+>|\s+", " ", found.group(1)).strip() if found else ""


def one_applicant(base_url: str, applicant: Applicant, retries: int = 3) -> Outcome:
    """Log in, save the summary, submit; a connection cut (a killed worker) is retried like a
    person pressing the button again, with the same submit token (so a retry cannot submit
    twice)."""
    outcome = Outcome(applicant)
    http = requests.Session()
    base = base_url.rstrip("/")

    def call(method: str, path: str, **kwargs):
        last = None
        for _ in range(retries):
            try:
                response = http.request(method, base + path, timeout=30, **kwargs)
                outcome.statuses.append(response.status_code)
                if response.status_code in (502, 503):
                    last = response
                    time.sleep(0.2)
                    continue
                return response
            except requests.ConnectionError as exc:
                last = exc
                time.sleep(0.2)
        if isinstance(last, Exception):
            raise last
        return last

    try:
        page = call("GET", "/login").text
        response = call(
            "POST",
            "/login",
            data={
                "csrf_token": _first(_CSRF, page),
                "email": applicant.email,
                "password": PASSWORD,
            },
            allow_redirects=False,
        )
        if response.status_code != 302:
            outcome.status, outcome.message = "error", f"login answered {response.status_code}"
            return outcome
        url = f"/proposals/{applicant.proposal_id}/edit/summary"
        page = call("GET", url).text
        data = form_fields(page, "version")
        data["title"] = f"Last-minute edit of {applicant.acronym}"[:300]
        data["save"] = "Save draft"
        call("POST", url, data=data, allow_redirects=False)
        page = call("GET", f"/proposals/{applicant.proposal_id}/submit").text
        form = form_fields(page, "token")
        if not form:  # the page says why it cannot be submitted (e.g. the deadline passed)
            outcome.status, outcome.message = "refused", _alert(page)
            if not outcome.message:
                outcome.status, outcome.message = "error", "no submit form and no reason given"
            return outcome
        started = time.perf_counter()
        response = call(
            "POST", f"/proposals/{applicant.proposal_id}/submit", data=form, allow_redirects=True
        )
        outcome.submit_seconds = time.perf_counter() - started
        if response.status_code == 200 and "/submissions/" in response.url:
            outcome.status, outcome.sha256 = "receipt", _first(_SHA, response.text)
            outcome.submitted_at = time.time()
        else:
            outcome.status = "refused"
            outcome.message = _alert(response.text) or f"HTTP {response.status_code}"
    except Exception as exc:  # reported by the checker as an error, never hidden
        outcome.status, outcome.message = "error", f"{type(exc).__name__}: {exc}"[:300]
    return outcome


def run(base_url: str, applicants: list[Applicant], concurrency: int, on_half=None):
    """Every applicant at once (bounded by `concurrency`); `on_half` runs once half are done."""
    _check_loopback(base_url)
    done = []
    lock = threading.Lock()
    half = max(1, len(applicants) // 2)

    def task(applicant):
        outcome = one_applicant(base_url, applicant)
        with lock:
            done.append(outcome)
            if len(done) == half and on_half:
                on_half()
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(task, applicants))
    return outcomes, time.perf_counter() - started


def check(db, outcomes: list[Outcome], deadline) -> list[str]:
    """What must hold after the rush; returns the problems (empty when all is well)."""
    from sqlalchemy import func, select

    from grants import clock
    from grants.notifications.models import OutboxMessage
    from grants.proposals.models import Submission

    problems = []
    for outcome in outcomes:
        pid = outcome.applicant.proposal_id
        rows = db.session.execute(
            select(Submission.sha256, Submission.submitted_at).where(Submission.proposal_id == pid)
        ).all()
        if outcome.status == "receipt":
            matching = [r for r in rows if r.sha256 == outcome.sha256]
            if len(matching) != 1:
                problems.append(
                    f"proposal {pid}: receipt {outcome.sha256[:12]} stored {len(matching)} times"
                )
        elif outcome.status == "refused":
            if not outcome.message or outcome.message.startswith("HTTP 5"):
                problems.append(
                    f"proposal {pid}: refused without a clear message ({outcome.message})"
                )
        else:
            problems.append(f"proposal {pid}: {outcome.status} {outcome.message}")
        if 500 in outcome.statuses:
            problems.append(f"proposal {pid}: a request answered 500")
    late = db.session.scalar(
        select(func.count(Submission.id)).where(Submission.submitted_at > clock.as_utc(deadline))
    )
    if late:
        problems.append(f"{late} submissions stored after the deadline")
    bodies = "\n".join(
        db.session.scalars(
            select(OutboxMessage.body_text).where(OutboxMessage.subject.like("Receipt:%"))
        )
    )
    lost = [o for o in outcomes if o.status == "receipt" and o.sha256 not in bodies]
    if lost:
        problems.append(f"{len(lost)} receipts shown without a receipt mail in the outbox")
    return problems


def percentiles(values: list[float]) -> dict:
    if not values:
        return {"median": 0.0, "p95": 0.0, "p99": 0.0}
    ordered = sorted(values)

    def at(q):
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"median": statistics.median(ordered), "p95": at(0.95), "p99": at(0.99)}
