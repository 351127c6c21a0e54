"""Routes of the calls domain (filled in by the calls issue)."""

from flask import Blueprint

bp = Blueprint("calls", __name__)
