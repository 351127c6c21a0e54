"""Routes of the proposals domain (filled in by the calls/submission issue)."""

from flask import Blueprint

bp = Blueprint("proposals", __name__)
