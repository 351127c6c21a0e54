"""The Flask extensions, created unbound here and bound to the app in create_app."""

import sqlite3
import time

from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

# SQLite, the embedded default, has one writer at a time: the web server and the worker (and
# requests at a deadline) wait for each other's write up to 30 s instead of the driver's 5 s,
# after which a request under load answered 500 "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000


@event.listens_for(Engine, "connect")
def _sqlite_waits_for_the_writer(dbapi_connection, _record) -> None:
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


# A pooled connection idle for longer than this is pinged when it is checked out (the server
# may have closed it or restarted meanwhile); one in steady use is not. pool_pre_ping pinged
# at every checkout: a round trip more for each of the several checkouts of a request, also
# in the deadline rush. A connection that fails its ping is replaced before the request uses
# it; one lost while in steady use fails its statement, and the pool replaces them all.
PING_AFTER_IDLE_SECONDS = 10


@event.listens_for(Pool, "checkin")
def _note_when_idle(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["idle_since"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_after_idle(dbapi_connection, record, _proxy) -> None:
    since = record.info.get("idle_since")
    if since is None or time.monotonic() - since < PING_AFTER_IDLE_SECONDS:
        return
    try:
        cursor = dbapi_connection.cursor()
        cursor.execute("SELECT 1")
        cursor.close()
        dbapi_connection.rollback()  # no transaction left open by the ping
    except Exception as error:  # the driver's own error: the connection is gone
        raise exc.DisconnectionError(str(error)) from error  # the pool takes a new one


# Named constraints so that Alembic can alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
login_manager = LoginManager()
csrf = CSRFProtect()


def compared_on(dialect: str):
    """Alembic's include_object for a database of this dialect: a schema item made for one
    database only (`ddl_if`, such as the SQLite covering index of submission) is compared
    and migrated only there."""

    def include(obj, _name, type_, _reflected, _compare_to) -> bool:
        condition = getattr(obj, "_ddl_if", None) if type_ == "index" else None
        return condition is None or condition.dialect in (None, dialect)

    return include


def projection(query, params: dict | None = None) -> list:
    """A projection run on the session's connection (in its transaction): the rows as the
    database driver gives them, without the ORM's row processing, which cost the call-wide
    pages a fifth of their time. Pending changes are flushed first, as `session.execute`
    would."""
    db.session.flush()
    return db.session.connection().execute(query, params).all()
