"""One JSON line per request (GRANTS_JSON_LOGS, on in production), each with a request id that
the response echoes in X-Request-ID, so a proxy's log and ours can be joined."""

from __future__ import annotations

import json
import logging
import re
import sys
import time
import uuid

from flask import Flask, g, request
from flask_login import current_user

_INCOMING_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
log = logging.getLogger("grants.request")


class JSONFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        entry.update(getattr(record, "fields", {}))
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


JSONFormatter.converter = time.gmtime


def request_id() -> str:
    return getattr(g, "request_id", "")


def init_app(app: Flask) -> None:
    if app.config.get("GRANTS_JSON_LOGS"):
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(JSONFormatter())
        handler.grants_json = True  # the tests take it off again between tests
        for logger in (log, app.logger):
            logger.handlers[:] = [handler]
            logger.setLevel(logging.INFO)
            logger.propagate = False

    @app.before_request
    def start():
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = incoming if _INCOMING_ID.match(incoming) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def finish(response):
        rid = request_id()
        if rid:
            response.headers["X-Request-ID"] = rid
        if app.config.get("GRANTS_JSON_LOGS") and request.endpoint != "static":
            started = getattr(g, "request_started", None)
            fields = {
                "request_id": rid,
                "method": request.method,
                "path": request.path[:500],
                "endpoint": request.endpoint,
                "status": response.status_code,
                "duration_ms": round((time.perf_counter() - started) * 1000, 1)
                if started
                else None,
                "remote_addr": request.remote_addr,
                "user_id": current_user.get_id().partition(":")[0]
                if current_user and current_user.is_authenticated
                else None,
            }
            log.info("request", extra={"fields": fields})
        return response
