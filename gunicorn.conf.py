"""gunicorn settings of `make serve` (GRANTS_* variables; see the README's production section)."""

import os

import gunicorn.http.wsgi

bind = os.environ.get("GRANTS_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("GRANTS_WORKERS", "4"))
threads = int(os.environ.get("GRANTS_THREADS", "1"))
timeout = int(os.environ.get("GRANTS_WORKER_TIMEOUT", "30"))
graceful_timeout = 20
max_requests = 5000  # a worker is replaced now and then, so no leak grows for ever
max_requests_jitter = 500
accesslog = None  # the app writes one JSON line per request (grants.requestlog)
errorlog = "-"
# The proxy in front is the only client; its address is trusted for X-Forwarded-* by the app
# (GRANTS_PROXY_COUNT), not by gunicorn.
forwarded_allow_ips = "127.0.0.1"
# No server name and version in the responses.
gunicorn.http.wsgi.SERVER = "thb-grants"
