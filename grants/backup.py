"""`flask backup create` and `flask backup restore`: the database and the upload directory in
one .tar.gz (pg_dump/pg_restore for PostgreSQL, the SQLite online backup API for SQLite)."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import inspect, text

from grants import clock
from grants.extensions import db

backup_cli = AppGroup("backup", help="Back up and restore the database and the uploads.")
FORMAT = 1


class BackupError(click.ClickException):
    """A refused backup or restore, with the reason."""


def _libpq_url(url) -> str:
    """The SQLAlchemy URL as pg_dump understands it (no '+psycopg' driver suffix)."""
    return url.set(drivername="postgresql").render_as_string(hide_password=False)


def _revision() -> str | None:
    if not inspect(db.engine).has_table("alembic_version"):
        return None
    return db.session.scalar(text("SELECT version_num FROM alembic_version"))


def _counts() -> dict[str, int]:
    names = inspect(db.engine).get_table_names()
    return {
        name: db.session.scalar(text(f'SELECT count(*) FROM "{name}"'))  # noqa: S608 (table names)
        for name in sorted(names)
    }


def create(target: str) -> dict:
    """Write the backup to `target` (.tar.gz); returns its manifest."""
    url = db.engine.url
    uploads = Path(current_app.config["GRANTS_UPLOAD_DIR"])
    with tempfile.TemporaryDirectory() as work:
        work_dir = Path(work)
        if url.get_backend_name() == "postgresql":
            dump = work_dir / "database.pgdump"
            subprocess.run(
                ["pg_dump", "--format=custom", "--no-owner", "--file", str(dump), _libpq_url(url)],
                check=True,
                capture_output=True,
            )
        elif url.get_backend_name() == "sqlite":
            dump = work_dir / "database.sqlite"
            db.session.remove()
            source = sqlite3.connect(url.database)
            copy = sqlite3.connect(dump)
            with copy:
                source.backup(copy)  # consistent even while others write
            copy.close()
            source.close()
        else:
            raise BackupError(f"No backup method for {url.get_backend_name()}.")
        manifest = {
            "format": FORMAT,
            "created_at": clock.now().isoformat(),
            "database": url.get_backend_name(),
            "revision": _revision(),
            "rows": _counts(),
            "uploads": sum(1 for p in uploads.rglob("*") if p.is_file()) if uploads.is_dir() else 0,
        }
        (work_dir / "manifest.json").write_text(json.dumps(manifest, indent=2))
        tmp_target = f"{target}.partial"
        with tarfile.open(tmp_target, "w:gz") as archive:
            archive.add(work_dir / "manifest.json", "manifest.json")
            archive.add(dump, dump.name)
            if uploads.is_dir():
                archive.add(uploads, "uploads")
        os.replace(tmp_target, target)  # never a half-written backup under the real name
    return manifest


def _is_empty() -> bool:
    tables = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
    return not any(db.session.scalar(text(f'SELECT count(*) FROM "{t}"')) for t in tables)  # noqa: S608


def _safe_members(archive: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = archive.getmembers()
    for member in members:
        if (
            member.issym()
            or member.islnk()
            or member.name.startswith("/")
            or ".." in Path(member.name).parts
        ):
            raise BackupError(f"The backup holds an unsafe entry: {member.name}")
    return members


def restore(source: str, force: bool = False) -> dict:
    """Restore `source` into the configured database and upload directory; returns the
    manifest. Refuses a database that already holds data unless `force`."""
    url = db.engine.url
    if not force and not _is_empty():
        raise BackupError(
            "The database is not empty: restore into an empty database, or pass --force to "
            "replace what it holds."
        )
    with tempfile.TemporaryDirectory() as work, tarfile.open(source, "r:gz") as archive:
        archive.extractall(work, members=_safe_members(archive), filter="data")
        work_dir = Path(work)
        manifest = json.loads((work_dir / "manifest.json").read_text())
        if manifest.get("format") != FORMAT:
            raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
        if manifest["database"] != url.get_backend_name():
            raise BackupError(
                f"This backup is of a {manifest['database']} database; the app uses "
                f"{url.get_backend_name()}."
            )
        db.session.remove()
        if url.get_backend_name() == "postgresql":
            db.engine.dispose()
            done = subprocess.run(
                [
                    "pg_restore",
                    "--no-owner",
                    "--clean",
                    "--if-exists",
                    "--single-transaction",
                    "--exit-on-error",
                    "--dbname",
                    _libpq_url(url),
                    str(work_dir / "database.pgdump"),
                ],
                capture_output=True,
                text=True,
            )
            if done.returncode != 0:
                raise BackupError(f"pg_restore failed: {done.stderr.strip()[-2000:]}")
        else:
            db.engine.dispose()
            source_db = sqlite3.connect(work_dir / "database.sqlite")
            target_db = sqlite3.connect(url.database)
            with target_db:
                source_db.backup(target_db)
            target_db.close()
            source_db.close()
        uploads = Path(current_app.config["GRANTS_UPLOAD_DIR"])
        if (work_dir / "uploads").is_dir():
            uploads.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work_dir / "uploads", uploads, dirs_exist_ok=True)
    return manifest


@backup_cli.command("create")
@click.argument("target", type=click.Path(dir_okay=False, writable=True))
def create_command(target: str) -> None:
    """Write the database and the upload directory to TARGET (.tar.gz)."""
    manifest = create(target)
    click.echo(
        f"Backup of the {manifest['database']} database (revision {manifest['revision']}, "
        f"{sum(manifest['rows'].values())} rows) and {manifest['uploads']} uploaded files "
        f"written to {target}."
    )


@backup_cli.command("restore")
@click.argument("source", type=click.Path(exists=True, dir_okay=False))
@click.option("--force", is_flag=True, help="Replace a database that already holds data.")
def restore_command(source: str, force: bool) -> None:
    """Restore SOURCE into the configured database and upload directory."""
    manifest = restore(source, force=force)
    click.echo(
        f"Restored the backup of {manifest['created_at']} (revision {manifest['revision']}, "
        f"{sum(manifest['rows'].values())} rows, {manifest['uploads']} uploaded files)."
    )


def init_app(app: Flask) -> None:
    app.cli.add_command(backup_cli)
