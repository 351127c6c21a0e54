"""Domains depend one way: review builds on proposals, proposals does not build on review.

Read with ast over grants/proposals (every import, also those inside functions). What
proposals needs to know of the later stages it asks through grants/proposals/hooks.py, which
review answers in grants/review/proposal_hooks.py; the templates of proposals use none of the
template globals that review registers."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PROPOSALS = ROOT / "grants" / "proposals"
REVIEW = ROOT / "grants" / "review"


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


def test_proposals_imports_nothing_from_review():
    found = sorted(_review_imports())
    assert found == [], f"proposals imports review: {found}"


def test_proposals_names_no_module_of_review():
    """Not by a string either (importlib, mock targets): only grants/domains.py finds them."""
    named = [
        path.relative_to(PROPOSALS).as_posix()
        for path in sorted(PROPOSALS.rglob("*.py"))
        if re.search(r"grants[./]review", path.read_text())
    ]
    assert named == []


def _review_template_globals() -> set[str]:
    """The names review puts into every template: its context processors' dict keys and
    its add_app_template_global names."""
    names = set()
    for path in sorted(REVIEW.rglob("*.py")):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef) and any(
                isinstance(d, ast.Attribute) and d.attr == "app_context_processor"
                for d in node.decorator_list
            ):
                for ret in ast.walk(node):
                    if isinstance(ret, ast.Return) and isinstance(ret.value, ast.Dict):
                        names |= {k.value for k in ret.value.keys if isinstance(k, ast.Constant)}
            elif (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "add_app_template_global"
                and len(node.args) == 2
                and isinstance(node.args[1], ast.Constant)
            ):
                names.add(node.args[1].value)
    return names


def test_templates_of_proposals_use_no_global_of_review():
    names = _review_template_globals()
    assert {"review_perm", "review_summary", "ranking_charts"} <= names  # the reading works
    used = []
    for path in sorted((ROOT / "templates" / "proposals").rglob("*.html")):
        text = path.read_text()
        used += [f"{path.name}: {n}" for n in sorted(names) if re.search(rf"\b{n}\b", text)]
    assert used == [], f"templates of proposals call review's globals: {used}"


def test_review_answers_the_questions_of_proposals():
    from grants.proposals import hooks

    hooks.load()
    assert hooks._CHECKS_LOCKED and hooks._VIEWERS and hooks._RESULT_LETTERS
