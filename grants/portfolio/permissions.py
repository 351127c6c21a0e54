"""Who sees what of the portfolio: programme managers everything, the public a configurable
subset (the sources named by GRANTS_PORTFOLIO_PUBLIC, projects marked public, public fields
only). Used by the routes, the API and the templates alike."""

from __future__ import annotations

import os

from flask import current_app

from grants.accounts.permissions import is_manager
from grants.portfolio.models import PortfolioProject

DEFAULT_PUBLIC = "funded"  # as Kohesio and CORDIS publish funded projects


def public_sources() -> set[str]:
    """Sources the public may see: "funded", "imported", both (comma-separated) or none ("")."""
    raw = current_app.config.get("GRANTS_PORTFOLIO_PUBLIC")
    if raw is None:
        raw = os.environ.get("GRANTS_PORTFOLIO_PUBLIC", DEFAULT_PUBLIC)
    return {s.strip() for s in raw.split(",") if s.strip() in ("funded", "imported")}


def sees_all(user) -> bool:
    return is_manager(user)


def can_view_map(user) -> bool:
    return sees_all(user) or bool(public_sources())


def can_import(user) -> bool:
    return is_manager(user)


def can_view_project(user, project: PortfolioProject) -> bool:
    if sees_all(user):
        return True
    return project.is_public and project.source.value in public_sources()


def can_view_outcomes(user, project: PortfolioProject) -> bool:
    return sees_all(user) or (can_view_project(user, project) and project.outcomes_public)
