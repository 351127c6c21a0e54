"""Command-line tools: `flask seed reference|demo`, `flask users create`, `flask mail deliver`,
`flask jobs run|list|run-now`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from grants.accounts.models import RoleName
from grants.formatting import count_of

seed_cli = AppGroup("seed", help="Load reference data and demo data.")
users_cli = AppGroup("users", help="Manage user accounts.")
mail_cli = AppGroup("mail", help="The outgoing mail queue.")
jobs_cli = AppGroup("jobs", help="The worker, the scheduler and background work.")


@seed_cli.command("reference")
def seed_reference():
    """Load funds, the strategy taxonomy, exploitation forms, target groups and countries."""
    from grants.taxonomy.services import ReferenceDataError, load_reference_data

    try:
        report = load_reference_data(current_app.config["GRANTS_SEED_DIR"])
    except ReferenceDataError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Reference data loaded ({report or 'nothing changed'}).")


@seed_cli.command("demo")
def seed_demo():
    """Demo users for every role, organisations across the EU, calls and proposals (idempotent)."""
    from seed.demo import load_demo
    from seed.demo_calls import load_demo_calls
    from seed.demo_projects import load_demo_projects
    from seed.demo_proposals import load_demo_proposals
    from seed.demo_review import load_demo_review

    click.echo(f"Demo data loaded: {load_demo()}.")
    click.echo(f"Demo calls: {load_demo_calls()}.")
    click.echo(f"Demo proposals: {load_demo_proposals()}.")
    click.echo(f"Demo evaluation: {load_demo_review()}.")
    click.echo(f"Demo funded projects: {load_demo_projects()}.")
    from grants.extensions import db
    from grants.jobs.schedules import refresh_statistics

    refresh_statistics()  # as the hourly job would: the planner sees the demo's tables
    db.session.commit()


@users_cli.command("create")
@click.argument("email")
@click.option("--name", "full_name", default="", help="Full name (default: the e-mail).")
@click.option(
    "--role",
    "roles",
    multiple=True,
    type=click.Choice([r.value for r in RoleName]),
    help="Repeat for several roles; default applicant.",
)
@click.password_option(help="Prompted for when not given.")
def users_create(email, full_name, roles, password):
    """Create a confirmed account with the given roles."""
    from grants.accounts.services import AccountError, create_user
    from grants.extensions import db

    try:
        user = create_user(
            email, full_name or email, password, roles or (RoleName.APPLICANT,), confirmed=True
        )
    except AccountError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    click.echo(f"Created {user.email} with roles: {', '.join(sorted(user.role_names))}.")


@mail_cli.command("deliver")
def mail_deliver():
    """Send every pending or failed message of the outbox now, from this process (never one
    twice; a message whose retry is not due yet waits for it)."""
    from grants.notifications.services import deliver_now, deliver_pending

    deliver_pending()  # a delivery job for every message that lacks one
    click.echo(f"{count_of(deliver_now(), 'message')} sent.")


@jobs_cli.command("run")
@click.option("--once", is_flag=True, help="Run what is due, then exit.")
@click.option("--no-scheduler", is_flag=True, help="Do not take part in the scheduler election.")
def jobs_run(once, no_scheduler):
    """The worker: runs background work until stopped (Ctrl-C or SIGTERM finishes the job at
    hand first); also runs the scheduler when this process wins the election."""
    import logging
    import signal
    import threading

    from grants.jobs.scheduler import ElectedScheduler
    from grants.jobs.worker import Worker, run_jobs

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    app = current_app._get_current_object()
    if once:
        click.echo(f"{count_of(run_jobs(), 'job')} run.")
        return
    from grants.notifications.services import deliver_pending

    deliver_pending()  # a delivery job for any message queued before the outbox had them
    worker = Worker(app)
    scheduler = None if no_scheduler else ElectedScheduler(app)
    thread = None
    if scheduler is not None:
        thread = threading.Thread(target=scheduler.run, name="scheduler", daemon=True)
        thread.start()

    def stop(signum, _frame):
        click.echo(f"worker {worker.name}: stopping ({signal.Signals(signum).name})", err=True)
        worker.stop()
        if scheduler is not None:
            scheduler.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    click.echo(f"worker {worker.name}: running (Ctrl-C to stop)", err=True)
    worker.run_forever()
    if thread is not None:
        thread.join(timeout=30)


@jobs_cli.command("list")
def jobs_list():
    """Every scheduled job with its next run and its last one."""
    from grants import clock
    from grants.jobs.scheduler import overview

    for row in overview():
        last = row["last"]
        last_text = "never"
        if last is not None:
            when = clock.format_in_zone(last.finished_at or last.created_at, "Europe/Brussels")
            last_text = f"{when} ({last.state.label.lower()})"
        click.echo(
            f"{row['name']}\n  {row['description']}\n"
            f"  next: {clock.format_in_zone(row['next'], 'Europe/Brussels') or '-'}"
            f"   last: {last_text}"
        )


@jobs_cli.command("run-now")
@click.argument("name")
def jobs_run_now(name):
    """Run one scheduled job now, in this process (what it sends leaves with the worker)."""
    from grants.jobs.scheduler import run_now
    from grants.jobs.services import JobError, describe
    from grants.jobs.worker import run_jobs

    try:
        job = run_now(name)
    except JobError as exc:
        raise click.ClickException(str(exc)) from exc
    run_jobs(ids=[job.id])
    from grants.extensions import db

    db.session.refresh(job)
    view = describe(job)
    if job.state.value != "done":
        raise click.ClickException(f"{name}: {view['summary'] or job.last_error}")
    click.echo(f"{name}: {view['summary']}")


def init_app(app: Flask) -> None:
    for group in (seed_cli, users_cli, mail_cli, jobs_cli):
        app.cli.add_command(group)
