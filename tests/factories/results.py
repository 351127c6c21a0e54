"""Shorthands over `evaluated_call` and `approve_consensus` (tests/factories/review.py) for
the ranking and results tests: `evaluated(n, shares)` returns (call, submissions,
evaluators) of a fully evaluated call, the evaluators agreeing on each proposal's share of
every maximum; `approve_all(call, submissions, manager)` approves a consensus at the
pre-filled scores for each proposal."""

from __future__ import annotations

from decimal import Decimal

import pytest


@pytest.fixture
def evaluated(evaluated_call):
    def make(n=3, shares=None, **call_fields):
        setup = evaluated_call(n=n, shares=shares or [Decimal("0.8")] * n, **call_fields)
        return setup.call, setup.submissions, setup.evaluators

    return make


@pytest.fixture
def approve_all(approve_consensus):
    def run(call, submissions, manager):
        for s in submissions:
            approve_consensus(s, manager=manager)

    return run
