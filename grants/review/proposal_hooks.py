"""The review domain's answers to the proposals domain's questions (grants/proposals/hooks.py):
proposals asks, review answers, so the import goes from review to proposals only."""

from __future__ import annotations

from grants.proposals import hooks
from grants.review.permissions import evaluator_may_view_submission
from grants.review.ranking import letters_of_proposals
from grants.review.services import ranking_final_locking_call

hooks.locks_checks(ranking_final_locking_call)
hooks.views_submissions(evaluator_may_view_submission)
hooks.gives_result_letters(letters_of_proposals)
