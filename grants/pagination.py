"""A small paginator over a select() that keeps the other query arguments in its links."""

from __future__ import annotations

from dataclasses import dataclass

from flask import request, url_for
from sqlalchemy import func, select

from grants.extensions import db


@dataclass
class Page:
    items: list
    page: int
    per_page: int
    total: int
    param: str = "page"  # the query argument; a page with several paged lists names each

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def has_next(self) -> bool:
        return self.page < self.pages

    def url(self, page: int) -> str:
        args = request.args.to_dict()
        args[self.param] = page
        return url_for(request.endpoint, **(request.view_args or {}), **args)


def requested_page(param: str = "page") -> int:
    """The ?page= number (or ?<param>=): 1 when absent or not a plain number; absurd numbers
    (10^24, which the database cannot take as an offset) are clamped below and then to the
    last page."""
    raw = (request.args.get(param) or "1").strip()
    if not raw.isascii() or not raw.isdigit() or len(raw) > 9:
        return MAX_PAGE if raw.isascii() and raw.isdigit() else 1
    return max(1, min(int(raw), MAX_PAGE))


MAX_PAGE = 10**9


def page_of(items: list, per_page: int = 50, param: str = "page") -> Page:
    """The ?page= (or ?<param>=) page of a list already read (a call-wide page that counts all
    its rows and shows a page of them)."""
    last = max(1, -(-len(items) // per_page))
    page = min(requested_page(param), last)
    start = (page - 1) * per_page
    return Page(items[start : start + per_page], page, per_page, len(items), param)


def paginate(stmt, per_page: int = 50, rows: bool = False) -> Page:
    """The ?page= page of `stmt`, counted and read in SQL; its items are ORM objects, or the
    selected columns as rows with `rows`."""
    page = requested_page()
    total = db.session.scalar(select(func.count()).select_from(stmt.order_by(None).subquery()))
    last = max(1, -(-(total or 0) // per_page))
    page = min(page, last)  # past the end: the last page, not an empty one
    stmt = stmt.limit(per_page).offset((page - 1) * per_page)
    if rows:
        items = list(db.session.execute(stmt).all())
    else:
        items = list(db.session.scalars(stmt).unique())
    return Page(items, page, per_page, total or 0)
