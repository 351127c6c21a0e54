"""The shared PDF renderer refuses local files and remote URLs; Markdown renders inert."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from grants.markup import render_markdown
from grants.pdf import StaticOnlyFetcher, html_to_pdf


def test_fetcher_serves_static_files_only(app):
    fetcher = StaticOnlyFetcher(app.static_folder)
    assert b"--programme" in fetcher.fetch("static:app.css").read()
    for url in (
        "file:///etc/passwd",
        "http://example.org/x.png",
        "static:../../etc/passwd",
        "static:../grants/config.py",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)


def test_pdf_renders_text_and_ignores_hostile_references(app):
    with app.test_request_context():
        pdf = html_to_pdf(
            '<img src="file:///etc/passwd"><p>Victims first</p>'
            '<link rel="stylesheet" href="http://example.org/evil.css">'
        )
    text = PdfReader(io.BytesIO(pdf)).pages[0].extract_text()
    assert "Victims first" in text
    assert "root:" not in text


def test_markdown_is_sanitised():
    html = str(
        render_markdown(
            "**bold** <script>alert(1)</script> [x](javascript:alert(1)) "
            "<img src=x onerror=alert(1)> [ok](https://home-affairs.ec.europa.eu)"
        )
    )
    assert "<strong>bold</strong>" in html
    assert "<script" not in html and "javascript:" not in html and "onerror" not in html
    assert 'href="https://home-affairs.ec.europa.eu"' in html
