"""An SMTP server that refuses some recipients, as a real one does for a dead mailbox; the
SMTP connections the code opens, counted."""

from __future__ import annotations

import smtplib
import socket

import pytest

from tests.conftest import Mailbox


class RefusingMailbox(Mailbox):
    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.startswith("refused"):
            return "550 5.1.1 No such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"


@pytest.fixture
def refusing_mailbox(app):
    from aiosmtpd.controller import Controller

    box = RefusingMailbox()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(box, hostname="127.0.0.1", port=port)
    controller.start()
    old = app.config["GRANTS_SMTP_PORT"]
    app.config["GRANTS_SMTP_PORT"] = port
    try:
        yield box
    finally:
        app.config["GRANTS_SMTP_PORT"] = old
        controller.stop()


@pytest.fixture
def smtp_connects(monkeypatch) -> list:
    """Each SMTP connection attempt, as it happens (whether it succeeds or not)."""
    attempts = []
    real = smtplib.SMTP.connect

    def counting(self, *args, **kwargs):
        attempts.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(smtplib.SMTP, "connect", counting)
    return attempts
