"""URL converters that turn absurd path values into a 404 instead of a database error, and a
guard that answers 400 to NUL characters (PostgreSQL cannot store or compare them)."""

from __future__ import annotations

from flask import Flask, abort, request
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


def refuse_nul() -> None:
    if (
        "\x00" in request.path
        or _has_nul((request.view_args or {}).values())
        or _has_nul(request.args.values())
        or (request.method == "POST" and _has_nul(request.form.values()))
    ):
        abort(400, "The address or the form contained a NUL character, so nothing was done.")


def init_app(app: Flask) -> None:
    """Install before any blueprint registers its rules (rules bind their converter then)."""
    app.url_map.converters["int"] = BoundedIntConverter
    app.before_request(refuse_nul)
