"""The garbage collector tuned for a web process (issue 16, point 2).

A call-wide page creates hundreds of thousands of container objects (ORM rows, decoded
snapshots) that live until the response is sent, and the default thresholds (700, 10, 10)
run a collection every 700 of them, each walking every young object again: 50-70 % of those
pages' time. Raised thresholds make the young collections rare; `gc.freeze()` moves what
start-up created (modules, the app, its templates and metadata) into the permanent
generation, so no full collection walks it again, and forked gunicorn workers keep those
pages shared with the master. Reference cycles are still collected, just less often.
"""

from __future__ import annotations

import gc

from flask import Flask

WEB_THRESHOLDS = (50_000, 50, 100)
DEFAULT_THRESHOLDS = gc.get_threshold()


def tune(app: Flask) -> bool:
    """Freeze what start-up built and raise the thresholds, unless GRANTS_GC_TUNING is off.

    Called once per process after the app is built (wsgi.py): in a gunicorn worker, or in the
    master before the fork when the app is preloaded. Returns whether it tuned.
    """
    if not app.config.get("GRANTS_GC_TUNING", True):
        return False
    gc.collect()  # what start-up left as garbage is not frozen with the rest
    gc.freeze()
    gc.set_threshold(*WEB_THRESHOLDS)
    return True


def untune() -> None:
    """Back to Python's defaults (the benchmark measures both)."""
    gc.unfreeze()
    gc.set_threshold(*DEFAULT_THRESHOLDS)
