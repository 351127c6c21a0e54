"""Static files under content-hashed URLs, cached for a year: url_for('static', ...) adds the
file's hash (?v=...), and a request that names the current hash is served as immutable.
Without the hash (or with an old one) the file is served to be revalidated, as before."""

from __future__ import annotations

import hashlib
import os

from flask import Flask, request

LONG = 365 * 24 * 3600


def init_app(app: Flask) -> None:
    hashes: dict[str, str] = {}

    def file_hash(filename: str) -> str | None:
        if filename not in hashes or app.debug:
            path = os.path.join(app.static_folder or "", filename)
            try:
                with open(path, "rb") as handle:
                    hashes[filename] = hashlib.sha256(handle.read()).hexdigest()[:12]
            except OSError:
                return None
        return hashes[filename]

    @app.url_defaults
    def hashed_static(endpoint, values):
        if endpoint == "static" and "filename" in values and "v" not in values:
            digest = file_hash(values["filename"])
            if digest:
                values["v"] = digest

    @app.after_request
    def cache_static(response):
        if request.endpoint == "static" and response.status_code in (200, 304):
            filename = (request.view_args or {}).get("filename", "")
            if request.args.get("v") and request.args.get("v") == file_hash(filename):
                response.headers["Cache-Control"] = f"public, max-age={LONG}, immutable"
        return response
