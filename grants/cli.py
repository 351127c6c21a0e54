"""Command-line tools: `flask seed reference|demo`, `flask users create`, `flask mail deliver`."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from grants.accounts.models import RoleName

seed_cli = AppGroup("seed", help="Load reference data and demo data.")
users_cli = AppGroup("users", help="Manage user accounts.")
mail_cli = AppGroup("mail", help="The outgoing mail queue.")


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
    from seed.demo_proposals import load_demo_proposals
    from seed.demo_review import load_demo_review

    click.echo(f"Demo data loaded: {load_demo()}.")
    click.echo(f"Demo calls: {load_demo_calls()}.")
    click.echo(f"Demo proposals: {load_demo_proposals()}.")
    click.echo(f"Demo evaluation: {load_demo_review()}.")


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
    """Send every pending or failed message of the outbox (never one twice)."""
    from grants.notifications.services import deliver_pending

    click.echo(f"{deliver_pending()} message(s) sent.")


def init_app(app: Flask) -> None:
    for group in (seed_cli, users_cli, mail_cli):
        app.cli.add_command(group)
