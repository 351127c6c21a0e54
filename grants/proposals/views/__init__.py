"""Routes of the proposals domain, one module per part: drafts.py (the applicant's proposals
and their sections), attachments.py (annexes), submissions.py (submission, receipts and
withdrawal), management.py (the programme's overview and decision on the checks). One
blueprint (common.py), so every URL and endpoint name stays "proposals.<function>"."""

from grants.proposals.views import attachments, drafts, management, submissions  # noqa: F401
from grants.proposals.views.common import bp

__all__ = ["bp"]
