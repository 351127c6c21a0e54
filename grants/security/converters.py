"""URL converters that turn absurd path values into a 404 instead of a database error, and a
guard that answers 400 to NUL characters (PostgreSQL cannot store or compare them) in the
address. In a form a NUL is refused at its field by the form (grants.security.forms); a NUL
that no form checked (a route reading request.form itself) is stopped before it reaches the
database, with the same 400."""

from __future__ import annotations

from flask import Flask, abort, g, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from werkzeug.routing import IntegerConverter

# Every id column is a 32-bit INTEGER on PostgreSQL; SQLite overflows above 2^63-1.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to ASCII digits 0..MAX_ID: anything else does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        bound = MAX_ID if max is None else max
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=bound)


def _has_nul(values) -> bool:
    return any("\x00" in value for value in values if isinstance(value, str))


NUL_REFUSED = "The address or the form contained a NUL character, so nothing was done."


def refuse_nul() -> None:
    if (
        "\x00" in request.path
        or _has_nul((request.view_args or {}).values())
        or _has_nul(request.args.values())
    ):
        abort(400, NUL_REFUSED)
    # in a form the forms say it at the field; the database never sees it
    g.form_has_nul = request.method == "POST" and _has_nul(request.form.values())


def _statement_has_nul(parameters) -> bool:
    """Parameters of one statement (a dict, a tuple) or of many (a list of them)."""
    if isinstance(parameters, str):
        return "\x00" in parameters
    if isinstance(parameters, dict):
        parameters = parameters.values()
    elif not isinstance(parameters, list | tuple):
        return False
    return any(_statement_has_nul(value) for value in parameters)


def _stop_nul_at_the_database(conn, cursor, statement, parameters, context, executemany):
    if has_request_context() and g.get("form_has_nul") and _statement_has_nul(parameters):
        abort(400, NUL_REFUSED)


def init_app(app: Flask) -> None:
    """Install before any blueprint registers its rules (rules bind their converter then)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul)
    if not event.contains(Engine, "before_cursor_execute", _stop_nul_at_the_database):
        event.listen(Engine, "before_cursor_execute", _stop_nul_at_the_database)
