"""Fixtures of the job tests: a manager, a registered test job kind, and the worker run
without eager mail (as in production: the request only enqueues)."""

from __future__ import annotations

import pytest

from grants.jobs import registry


@pytest.fixture
def manager(create_user):
    return create_user(roles=("programme_manager",))


@pytest.fixture
def lazy(app):
    """Mail waits for a worker instead of leaving at deliver_pending()."""
    app.config["GRANTS_JOBS_EAGER"] = False
    yield app
    app.config["GRANTS_JOBS_EAGER"] = True


@pytest.fixture
def test_kind():
    """A job kind `test.echo` whose handler records what it ran and fails on request."""
    ran = []

    def run(payload, _resource, context):
        if payload.get("fail"):
            raise RuntimeError(payload["fail"])
        if payload.get("steps"):
            for step in range(payload["steps"]):
                context.progress(step + 1, payload["steps"], f"step {step + 1}")
        ran.append(payload.get("n"))
        return {"summary": f"echo {payload.get('n')}", "link": "/dashboard", "link_label": "Go"}

    registry.HANDLERS["test.echo"] = registry.Handler("test.echo", run, "Test job", max_attempts=2)
    yield ran
    registry.HANDLERS.pop("test.echo", None)
