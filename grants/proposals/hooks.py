"""What the later stages of the programme tell the proposals domain, without proposals
importing them: domains depend one way (review builds on proposals, tests/
test_import_direction.py). A later domain registers its answers in its own
`grants/<domain>/proposal_hooks.py`, imported once on first use (like the dashboard's
sections), so proposals asks these three questions and never names who answers:

- `checks_locked(call_id)`: may the manager's decision on the checks no longer change
  (review: the call's ranking is final; `ranking_final_locking_call` of its services also
  takes the lock a writer needs)?
- `may_view_submission(user, submission)`: may someone outside the applicant and the
  programme see this submission (review: an evaluator assigned to it)?
- `result_letters(proposal_ids)`: the published result of each proposal (review: its
  result letter), the template global of the same name."""

from __future__ import annotations

from collections.abc import Callable

from grants import domains

_CHECKS_LOCKED: list[Callable] = []  # fn(call_id) -> bool
_VIEWERS: list[Callable] = []  # fn(user, submission) -> bool
_RESULT_LETTERS: list[Callable] = []  # fn(proposal_ids) -> {proposal_id: letter}


def locks_checks(fn: Callable) -> Callable:
    _CHECKS_LOCKED.append(fn)
    return fn


def views_submissions(fn: Callable) -> Callable:
    _VIEWERS.append(fn)
    return fn


def gives_result_letters(fn: Callable) -> Callable:
    _RESULT_LETTERS.append(fn)
    return fn


_loaded = False


def load() -> None:
    """Import every `grants.<domain>.proposal_hooks` module (once)."""
    global _loaded
    if _loaded:
        return
    domains.import_each("proposal_hooks")
    _loaded = True


def checks_locked(call_id: int) -> bool:
    load()
    return any(fn(call_id) for fn in _CHECKS_LOCKED)


def may_view_submission(user, submission) -> bool:
    load()
    return any(fn(user, submission) for fn in _VIEWERS)


def result_letters(proposal_ids: list[int]) -> dict:
    load()
    found: dict = {}
    for fn in _RESULT_LETTERS:
        found.update(fn(proposal_ids))
    return found
