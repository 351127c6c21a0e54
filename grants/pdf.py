"""PDF rendering through WeasyPrint with a URL fetcher that only serves our own static files,
so that text in a proposal can never pull in a local file or a remote resource."""

from __future__ import annotations

import mimetypes
import secrets
from collections.abc import Callable
from pathlib import Path

from flask import current_app, render_template
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

STATIC_PREFIX = "static:"


class StaticOnlyFetcher(URLFetcher):
    """Serves `static:<path>` from the app's static folder and refuses every other URL."""

    def __init__(self, static_folder: str):
        super().__init__(allowed_protocols=set())
        self.root = Path(static_folder).resolve()

    def fetch(self, url, headers=None):
        if url.startswith(STATIC_PREFIX):
            path = (self.root / url[len(STATIC_PREFIX) :].lstrip("/")).resolve()
            if self.root in path.parents and path.is_file():
                mime, _ = mimetypes.guess_type(path.name)
                return URLFetcherResponse(
                    url, path.read_bytes(), {"Content-Type": mime or "application/octet-stream"}
                )
        raise ValueError(f"refused to fetch {url[:80]!r} while rendering a PDF")


def html_to_pdf(html: str) -> bytes:
    fetcher = StaticOnlyFetcher(current_app.static_folder)
    return HTML(string=html, url_fetcher=fetcher, base_url="static:/").write_pdf()


def render_pdf(template: str, **context) -> bytes:
    """Render a Jinja template (print CSS inside it) to PDF bytes.

    Templates refer to assets as `static:print.css`; nothing else can be fetched.
    """
    return html_to_pdf(render_template(template, **context))


def cached(path: Path, render: Callable[[], bytes]) -> bytes:
    """The file at `path` (named by a content hash) or, the first time, `render()` written
    there atomically: one temporary file per writer, so a concurrent reader never sees half
    a file and two writers never share one."""
    if path.is_file():
        return path.read_bytes()
    data = render()
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f"{path.name}.{secrets.token_hex(4)}.tmp")
    partial.write_bytes(data)
    partial.replace(path)
    return data
