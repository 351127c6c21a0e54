"""URL converters that turn absurd path values into a 404 instead of a database error."""

from __future__ import annotations

from flask import Flask
from werkzeug.routing import IntegerConverter

# Every id column is a 32-bit INTEGER on PostgreSQL; SQLite overflows above 2^63-1.
MAX_ID = 2**31 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:...>` limited to ASCII digits 0..MAX_ID: anything else does not match (404)."""

    regex = r"[0-9]{1,10}"

    def __init__(self, map, fixed_digits=0, min=None, max=None, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=MAX_ID if max is None else max)


def init_app(app: Flask) -> None:
    """Install before any blueprint registers its rules (rules bind their converter then)."""
    app.url_map.converters["int"] = BoundedIntConverter
