"""Mail delivery through the worker beside a floor: N messages queued (outbox rows and their
jobs), delivered by the worker's code path to a local aiosmtpd server, then the same N
messages sent by bare smtplib over one connection. `python -m benchmarks.bench_mail [URL]`
(default: a temporary SQLite file); N from the environment (default 500)."""

from __future__ import annotations

import os
import smtplib
import socket
import sys
import tempfile
import time

from aiosmtpd.controller import Controller


class _Sink:
    received = 0

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd API)
        _Sink.received += 1
        return "250 OK"


def main() -> None:
    from grants import create_app
    from grants.extensions import db
    from grants.notifications.models import OutboxMessage
    from grants.notifications.services import as_email, deliver_now, queue_mail

    n = int(os.environ.get("N", "500"))
    url = sys.argv[1] if len(sys.argv) > 1 else None
    folder = tempfile.mkdtemp(prefix="bench-mail-")
    url = url or f"sqlite:///{folder}/bench.sqlite"
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(_Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "GRANTS_MAIL_BACKEND": "smtp",
            "GRANTS_SMTP_HOST": "127.0.0.1",
            "GRANTS_SMTP_PORT": port,
        }
    )
    try:
        with app.app_context():
            db.create_all()
            start = time.perf_counter()
            for i in range(n):
                queue_mail(
                    f"applicant{i}@example.org",
                    f"Result {i}",
                    "mail/confirm.txt",
                    name="A",
                    link="http://127.0.0.1:5000/confirm/x",
                )
            db.session.commit()
            queued = time.perf_counter()
            sent = deliver_now()
            delivered = time.perf_counter()
            emails = [as_email(m) for m in db.session.query(OutboxMessage)]
            floor_start = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port) as smtp:
                for message in emails:
                    smtp.send_message(message)
            floor = time.perf_counter() - floor_start
            worker = delivered - queued
            print(
                f"{db.engine.dialect.name}: queue {n} messages {queued - start:.2f} s; "
                f"worker delivery {sent} in {worker:.2f} s ({sent / worker:.0f}/s); floor "
                f"(bare smtplib, one connection) {floor:.2f} s; ratio {worker / floor:.1f}x"
            )
            if url.startswith("sqlite"):
                db.drop_all()
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
