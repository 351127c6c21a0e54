"""The garbage collector tuned for a web process: on by default, off with GRANTS_GC_TUNING=0."""

from __future__ import annotations

import gc
import os
import subprocess
import sys

import pytest

from grants import create_app, gctuning

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture
def restored_gc():
    yield
    gctuning.untune()


def test_tune_freezes_start_up_and_raises_the_thresholds(restored_gc):
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True})
    assert gctuning.tune(app) is True
    assert gc.get_threshold() == gctuning.WEB_THRESHOLDS
    assert gc.get_freeze_count() > 10_000  # the modules and the app built at start-up
    gctuning.untune()
    assert gc.get_threshold() == gctuning.DEFAULT_THRESHOLDS
    assert gc.get_freeze_count() == 0


def test_the_setting_off_leaves_the_collector_alone(restored_gc):
    app = create_app(
        {"SQLALCHEMY_DATABASE_URI": "sqlite://", "TESTING": True, "GRANTS_GC_TUNING": False}
    )
    assert gctuning.tune(app) is False
    assert gc.get_threshold() == gctuning.DEFAULT_THRESHOLDS
    assert gc.get_freeze_count() == 0


@pytest.mark.parametrize(("setting", "tuned"), [(None, True), ("1", True), ("0", False)])
def test_the_wsgi_entry_point_tunes_by_the_setting(tmp_path, setting, tuned):
    env = {**os.environ, "GRANTS_DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}"}
    env.pop("DATABASE_URL", None)
    env.pop("GRANTS_GC_TUNING", None)
    if setting is not None:
        env["GRANTS_GC_TUNING"] = setting
    code = "import gc, wsgi; print(gc.get_threshold(), gc.get_freeze_count() > 0)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    ).stdout.strip()
    expected = gctuning.WEB_THRESHOLDS if tuned else gctuning.DEFAULT_THRESHOLDS
    assert out == f"{expected} {tuned}"
