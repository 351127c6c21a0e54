"""The deadline rush (issue 10, point 10): N applicants log in, save their summary and submit a
complete proposal in the last minute before the deadline, as many at once as `concurrency`;
then a checker holds the database against what each applicant was told.

Against 127.0.0.1 only. `python -m benchmarks.rush` runs the benchmark against `make serve`
(4 workers, PostgreSQL at GRANTS_BENCH_DATABASE_URL or the test server), kills one worker with
SIGKILL mid-run, and writes the figures to benchmarks/RESULTS.md; tests/test_rush.py runs 50
applicants with the same checker and no timings.
"""

from __future__ import annotations

import os
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import timedelta
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
    login_seconds: float = 0.0  # the warm-up, outside the timed window
    save_seconds: float = 0.0  # GET the edit page and POST the save
    submit_seconds: float = 0.0  # POST submit and GET the receipt it redirects to
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


class _Client:
    """One applicant's browser: a cookie jar and requests retried on a cut connection."""

    def __init__(self, base_url: str, outcome: Outcome, retries: int = 3):
        self.http = requests.Session()
        self.base = base_url.rstrip("/")
        self.outcome = outcome
        self.retries = retries

    def call(self, method: str, path: str, **kwargs):
        last = None
        for _ in range(self.retries):
            try:
                response = self.http.request(method, self.base + path, timeout=30, **kwargs)
                self.outcome.statuses.append(response.status_code)
                for cookie in self.http.cookies:  # `make serve` marks cookies Secure; loopback
                    cookie.secure = False
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


def log_in(base_url: str, applicant: Applicant) -> tuple[_Client, Outcome]:
    """The warm-up: the applicant logs in (as real applicants do before the last minute)."""
    outcome = Outcome(applicant)
    client = _Client(base_url, outcome)
    try:
        started = time.perf_counter()
        page = client.call("GET", "/login").text
        response = client.call(
            "POST",
            "/login",
            data={
                "csrf_token": _first(_CSRF, page),
                "email": applicant.email,
                "password": PASSWORD,
            },
            allow_redirects=False,
        )
        outcome.login_seconds = time.perf_counter() - started
        if response.status_code != 302:
            outcome.status, outcome.message = "error", f"login answered {response.status_code}"
    except Exception as exc:  # reported by the checker as an error, never hidden
        outcome.status, outcome.message = "error", f"{type(exc).__name__}: {exc}"[:300]
    return client, outcome


def save_and_submit(client: _Client) -> Outcome:
    """In the last minute: save the summary, open the submit page, submit. A connection cut (a
    killed worker) is retried like a person pressing the button again, with the same submit
    token (so a retry cannot submit twice)."""
    outcome, applicant, call = client.outcome, client.outcome.applicant, client.call
    if outcome.status == "error":  # the login failed
        return outcome
    try:
        started = time.perf_counter()
        url = f"/proposals/{applicant.proposal_id}/edit/summary"
        page = call("GET", url).text
        data = form_fields(page, "version")
        data["title"] = f"Last-minute edit of {applicant.acronym}"[:300]
        data["save"] = "Save draft"
        call("POST", url, data=data, allow_redirects=False)
        outcome.save_seconds = time.perf_counter() - started
        page = call("GET", f"/proposals/{applicant.proposal_id}/submit").text
        form = form_fields(page, "token")
        if not form:  # the page says why it cannot be submitted (e.g. the deadline passed)
            outcome.status, outcome.message = "refused", _alert(page)
            if not outcome.message:
                outcome.status, outcome.message = "error", "no submit form and no reason given"
            return outcome
        started = time.perf_counter()
        response = call(
            "POST", f"/proposals/{applicant.proposal_id}/submit", data=form, allow_redirects=False
        )
        if response.status_code in (302, 303):  # followed by hand: cookies are made non-Secure
            response = call("GET", urlsplit(response.headers["Location"]).path)
        outcome.submit_seconds = time.perf_counter() - started
        if response.status_code == 200 and "/submissions/" in response.url:
            outcome.status, outcome.sha256 = "receipt", _first(_SHA, response.text)
            outcome.submitted_at = time.time()
        else:
            outcome.status = "refused"
            outcome.message = _alert(response.text) or (
                f"HTTP {response.status_code} at {urlsplit(response.url).path}"
            )
    except Exception as exc:  # reported by the checker as an error, never hidden
        outcome.status, outcome.message = "error", f"{type(exc).__name__}: {exc}"[:300]
    return outcome


def one_applicant(base_url: str, applicant: Applicant) -> Outcome:
    """Log in, save the summary, submit."""
    client, _ = log_in(base_url, applicant)
    return save_and_submit(client)


def warm_up(base_url: str, applicants: list[Applicant], concurrency: int):
    """Every applicant logs in (bounded by `concurrency`); returns their clients and the time."""
    _check_loopback(base_url)
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        clients = [c for c, _ in pool.map(lambda a: log_in(base_url, a), applicants)]
    return clients, time.perf_counter() - started


def run(base_url: str, applicants: list[Applicant], concurrency: int, on_half=None, clients=None):
    """Every applicant saves and submits at once (bounded by `concurrency`), after logging in
    first unless `clients` (from warm_up) are given; `on_half` runs once half are done.
    Returns the outcomes and the seconds of the save-and-submit phase."""
    _check_loopback(base_url)
    if clients is None:
        clients, _ = warm_up(base_url, applicants, concurrency)
    done = []
    lock = threading.Lock()
    half = max(1, len(clients) // 2)

    def task(client):
        outcome = save_and_submit(client)
        with lock:
            done.append(outcome)
            if len(done) == half and on_half:
                on_half()
        return outcome

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        outcomes = list(pool.map(task, clients))
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


# The benchmark: make serve (4 workers, PostgreSQL), SIGKILL of one worker mid-run -----------


def _free_port() -> int:
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def build(app, n: int) -> tuple[list[Applicant], int]:
    """n applicants, each with a complete proposal to one call (the test factories' data)."""
    from grants.extensions import db
    from tests import conftest
    from tests.factories import calls as call_factories
    from tests.factories import proposals as proposal_factories

    def unwrap(fixture):
        return fixture._get_wrapped_function()

    create_user = unwrap(conftest.create_user)(db)
    create_organisation = unwrap(conftest.create_organisation)(db)
    create_call = unwrap(call_factories.create_call)(db)
    create_proposal = unwrap(proposal_factories.create_proposal)(
        db, app, create_call, create_organisation, create_user
    )
    call = create_call()
    applicants = []
    for _ in range(n):
        proposal = create_proposal(call=call)
        applicants.append(
            Applicant(
                proposal.organisation.memberships[0].user.email,
                proposal.id,
                proposal.acronym or f"P{proposal.id}",
            )
        )
    return applicants, call.id


def postgres_server() -> str:
    """The PostgreSQL server the benchmarks create their database on."""
    return os.environ.get(
        "GRANTS_BENCH_DATABASE_URL",
        os.environ.get(
            "GRANTS_TEST_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:55433/postgres"
        ),
    )


def _uptime() -> str:
    return open("/proc/loadavg").read().split()[:3].__str__()


def main(n: int = 500, concurrency: int = 50, window_seconds: int = 60) -> int:
    import secrets

    from grants import clock, create_app
    from grants.calls.models import Call
    from grants.extensions import db
    from grants.taxonomy.services import load_reference_data
    from tests.conftest import create_postgres_database, drop_postgres_database

    server = postgres_server()
    url = create_postgres_database(server)
    uploads = Path(f"/tmp/rush-uploads-{secrets.token_hex(4)}")
    port = _free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "GRANTS_SECRET_KEY": secrets.token_urlsafe(48),
        "GRANTS_SECURE_COOKIES": "1",
        "GRANTS_BIND": f"127.0.0.1:{port}",
        "GRANTS_WORKERS": "4",
        "GRANTS_UPLOAD_DIR": str(uploads),
        "GRANTS_JSON_LOGS": "0",
    }
    log = open(f"/tmp/rush-serve-{port}.log", "w+")  # noqa: SIM115
    serve = subprocess.Popen(
        ["make", "-s", "serve"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
        start_new_session=True,
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    killed = {}
    try:
        for _ in range(240):
            try:
                if requests.get(base + "/healthz", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                time.sleep(0.5)
        else:
            raise SystemExit("make serve did not start: see " + log.name)
        app = create_app(
            {"SQLALCHEMY_DATABASE_URI": url, "GRANTS_UPLOAD_DIR": str(uploads), "SECRET_KEY": "x"}
        )
        with app.app_context():
            load_reference_data(app.config["GRANTS_SEED_DIR"])
            db.session.commit()
            built = time.perf_counter()
            applicants, call_id = build(app, n)
            print(f"built {n} applicants in {time.perf_counter() - built:.0f} s", flush=True)
            db.session.remove()

        # The warm-up, outside the timed window: every applicant logs in (a password check
        # costs ~0.15 s of CPU by design), as real applicants are logged in before the last
        # minute. Then the deadline is set `window_seconds` ahead and the rush starts.
        load_before_login = _uptime()
        # Logins come over the hours before, not 50 at once: 8 at a time (two per worker), so
        # none waits past the client's 30 s timeout behind others' password checks.
        clients, login_seconds = warm_up(base, applicants, min(concurrency, 8))
        logins = [c.outcome.login_seconds for c in clients if c.outcome.status != "error"]
        with app.app_context():
            call = db.session.get(Call, call_id)
            deadline = clock.now().replace(microsecond=0) + timedelta(seconds=window_seconds)
            call.deadline_at = deadline
            db.session.commit()
            db.session.remove()

        def kill_one_worker():
            children = subprocess.run(
                ["pgrep", "-f", "-P", str(_gunicorn_master(serve.pid)), "gunicorn"],
                capture_output=True, text=True,
            ).stdout.split()  # fmt: skip
            if children:
                os.kill(int(children[0]), signal.SIGKILL)
                killed["pid"] = int(children[0])
                killed["at"] = time.time()

        load_before = _uptime()
        outcomes, seconds = run(
            base, applicants, concurrency, on_half=kill_one_worker, clients=clients
        )
        load_after = _uptime()
        with app.app_context():
            problems = check(db, outcomes, deadline)
            db.session.remove()
            db.engine.dispose()
    finally:
        os.killpg(serve.pid, signal.SIGTERM)
        serve.wait(timeout=60)
        drop_postgres_database(server, url)
        subprocess.run(["rm", "-rf", str(uploads)], check=False)
    receipts = [o for o in outcomes if o.status == "receipt"]
    refused = [o for o in outcomes if o.status == "refused"]
    errors = [o for o in outcomes if o.status == "error"]
    first = min((o.submitted_at for o in receipts), default=0)
    last = max((o.submitted_at for o in receipts), default=0)
    rate = len(receipts) / (last - first) if last > first else 0.0
    figures = percentiles([o.submit_seconds for o in receipts])
    saves = percentiles([o.save_seconds for o in outcomes if o.save_seconds])
    login = percentiles(logins)
    title = f"## deadline rush: {n} applicants"
    report = (
        f"\n{title}\n\nMeasured {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())} by "
        f"`RUSH_APPLICANTS={n} python -m benchmarks.rush` against `make serve` (gunicorn, "
        f"{os.environ.get('GRANTS_WORKERS', '4')} workers, {os.environ.get('GRANTS_THREADS', '1')}"
        f" thread(s) each, PostgreSQL on the same 2 shared cores, the load client too), {n} "
        f"applicants with complete proposals to one call, {concurrency} at once. Warm-up, outside "
        f"the timed window: every applicant logs in, 8 at a time ({login_seconds:.1f} s in all, "
        f"login median "
        f"{login['median']:.2f} s, p95 {login['p95']:.2f} s; load average {load_before_login}). "
        f"Then the deadline is set {window_seconds} s ahead and each applicant saves its summary "
        f"and submits. Worker {killed.get('pid', '-')} was killed with SIGKILL half-way. Load "
        f"average (1, 5, 15 min) {load_before} at the start of the rush and {load_after} at the "
        f"end.\n\n"
        f"| Measure | Value |\n| --- | --- |\n"
        f"| Receipts | {len(receipts)} |\n| Refused with a message | {len(refused)} |\n"
        f"| Errors | {len(errors)} |\n| Save and submit phase | {seconds:.1f} s |\n"
        f"| Submits per second (first to last receipt) | {rate:.1f} |\n"
        f"| Submit (POST and the receipt page): median / p95 / p99 | {figures['median']:.2f} / "
        f"{figures['p95']:.2f} / {figures['p99']:.2f} s |\n"
        f"| Save (edit page and POST): median / p95 / p99 | {saves['median']:.2f} / "
        f"{saves['p95']:.2f} / {saves['p99']:.2f} s |\n"
        f"| Checker | {'all held' if not problems else '; '.join(problems[:5])} |\n\n"
        f"Target: 50 submits/s with p95 under 0.5 s and none lost: "
        f"**{'MET' if rate >= 50 and figures['p95'] < 0.5 and not problems else 'MISSED'}**.\n"
    )
    from collections import Counter

    reasons = Counter(o.message[:120] for o in refused + errors).most_common(3)
    if reasons:
        report += (
            "\nRefusals and errors, most frequent first: "
            + "; ".join(f'{count} x "{message}"' for message, count in reasons)
            + ".\n"
        )
    print(report)
    write_section(title, report)
    return 0 if not problems else 1


def write_section(title: str, report: str) -> None:
    """Put `report` in benchmarks/RESULTS.md in place of the section headed `title` (or at the
    end); the section before warm-up logins existed ("## deadline rush") is superseded."""
    results = ROOT / "benchmarks" / "RESULTS.md"
    text = results.read_text()
    for heading in (f"\n{title}\n", "\n## deadline rush\n"):
        if heading in text:
            start = text.index(heading)
            end = text.find("\n## ", start + len(heading))
            text = text[:start] + (text[end:] if end != -1 else "")
    results.write_text(text.rstrip("\n") + "\n" + report)


def _gunicorn_master(make_pid: int) -> int:
    """make execs gunicorn in its recipe's shell: the master is make's child (or make itself)."""
    found = subprocess.run(
        ["pgrep", "-P", str(make_pid)], capture_output=True, text=True
    ).stdout.split()
    return int(found[0]) if found else make_pid


if __name__ == "__main__":
    sys.exit(main(int(os.environ.get("RUSH_APPLICANTS", "500"))))
