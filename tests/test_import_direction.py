"""Domains depend one way: review builds on proposals, proposals does not build on review.

Read with ast over grants/proposals (every import, also those inside functions). The imports
of review that proposals still has (issue 9, point 3) are listed: they may go, never grow."""

from __future__ import annotations

import ast
from pathlib import Path

PROPOSALS = Path(__file__).resolve().parents[1] / "grants" / "proposals"

# Still to turn round: (module of proposals, imported module of review, name).
KNOWN = {
    ("programme.py", "grants.review.services", "ranking_final_locking_call"),
    ("permissions.py", "grants.review.permissions", "evaluator_may_view_submission"),
}


def _review_imports():
    for path in sorted(PROPOSALS.rglob("*.py")):
        name = path.relative_to(PROPOSALS).as_posix()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                if node.module == "grants" and any(a.name == "review" for a in node.names):
                    yield name, "grants.review", "*"
                elif node.module.startswith("grants.review"):
                    for alias in node.names:
                        yield name, node.module, alias.name
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name.startswith("grants.review"):
                        yield name, alias.name, "*"


def test_proposals_imports_nothing_new_from_review():
    found = set(_review_imports())
    assert found - KNOWN == set(), f"proposals imports review: {sorted(found - KNOWN)}"


def test_the_list_of_known_imports_is_not_stale():
    assert set(_review_imports()) >= KNOWN
