"""Routes of the review domain, split by audience as Indico splits its controllers:
reviewing.py for evaluators (queue, declaration, evaluation, consensus as rapporteur, profile,
invitations), management.py for programme managers (pool, assignments, consensus approval,
dashboard, ranking, finalising and publishing), display.py for applicants (result letters,
Evaluation Summary Reports). One blueprint (common.py), so every URL and endpoint name stays
"review.<function>"."""

from grants.review.views import display, management, reviewing  # noqa: F401 (the routes)
from grants.review.views.common import bp

__all__ = ["bp"]
