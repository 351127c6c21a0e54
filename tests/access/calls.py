"""Access expectations of the calls routes: public pages for everyone, drafts and management
for programme managers and admins only."""

from tests.access.common import LOGIN, MANAGERS, OK_ALL

DRAFT_HIDDEN = (404, 404, 404, 404, 200, 200)  # a draft is a 404 for everyone but managers

EXPECTED = {
    "calls.index": ("GET", lambda w: {}, OK_ALL),
    "calls.detail": ("GET", lambda w: {"call_id": w["call"]}, OK_ALL),
    "calls.document": ("GET", lambda w: {"call_id": w["call"]}, OK_ALL),
    "calls.manage": ("GET", lambda w: {}, MANAGERS),
    "calls.new": ("GET", lambda w: {}, MANAGERS),
    "calls.edit": ("GET", lambda w: {"call_id": w["draft_call"]}, MANAGERS),
    "calls.change_status": (
        "POST",
        lambda w: {"call_id": w["draft_call"]},
        (LOGIN, 403, 403, 403, 302, 302),
    ),
}

# Not in the matrix (one row per endpoint) but asserted by tests/calls/test_access.py:
DRAFT_ROWS = {
    "calls.detail": DRAFT_HIDDEN,
    "calls.document": DRAFT_HIDDEN,
}


def build(world: dict, fixtures: dict) -> None:
    """An open call everyone may see and a draft only managers may see."""
    from grants.calls.models import CallStatus

    create_call = fixtures["create_call"]
    world["call"] = create_call().id
    world["draft_call"] = create_call(status=CallStatus.DRAFT).id
