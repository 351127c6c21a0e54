"""The layout every page shares: its links are built once per script root (issue 16)."""

from __future__ import annotations

import re


def _layout_links(html: str) -> list[str]:
    header = html.split("<main")[0]
    return re.findall(r'(?:href|src|action)="([^"#]+)"', header)


def test_the_layout_links_follow_the_script_root(client, create_user, login_as):
    login_as(create_user(roles=("applicant", "evaluator")))
    first = _layout_links(client.get("/dashboard").get_data(as_text=True))
    under = client.get("/dashboard", base_url="http://localhost/grants")
    assert under.status_code == 200
    prefixed = _layout_links(under.get_data(as_text=True))
    again = _layout_links(client.get("/proposals").get_data(as_text=True))
    assert "/proposals" in first and "/review" in first and "/notifications" in first
    assert any(re.fullmatch(r"/static/app\.css\?v=[0-9a-f]{12}", link) for link in first)
    assert prefixed == ["/grants" + link for link in first]
    assert again == first
