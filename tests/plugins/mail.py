"""A real SMTP server for tests: aiosmtpd on a free port of 127.0.0.1, mails kept in memory.

``smtp_sink`` starts one for the test and stops it afterwards. It can be stopped and
started again on the same port (a mail server that goes down and comes back), and can
refuse given recipients with a permanent 550. ``smtp_sink.env()`` gives the settings a
worker process needs to send to it; the ``smtp_backend`` fixture points this process's
Django mail settings at it.
"""

import email
import email.policy
import socket
import threading
import time
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Handler:
    def __init__(self, sink: "SMTPSink"):
        self.sink = sink

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address.lower() in self.sink.refused:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.sink.add(message)
        return "250 Message accepted for delivery"


class SMTPSink:
    def __init__(self, port: int | None = None):
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.refused: set[str] = set()
        self._messages: list[EmailMessage] = []
        self._changed = threading.Condition()
        self._controller: Controller | None = None

    @property
    def messages(self) -> list[EmailMessage]:
        with self._changed:
            return list(self._messages)

    @property
    def running(self) -> bool:
        return self._controller is not None

    def add(self, message: EmailMessage) -> None:
        with self._changed:
            self._messages.append(message)
            self._changed.notify_all()

    def start(self) -> "SMTPSink":
        if self._controller is None:
            controller = Controller(
                _Handler(self), hostname=self.host, port=self.port, ready_timeout=10
            )
            controller.start()
            self._controller = controller
        return self

    def stop(self) -> None:
        """Stop listening: connections to the port are refused until ``start``."""
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    def wait_for(self, count: int, timeout: float = 30.0) -> list[EmailMessage]:
        """Wait until at least ``count`` mails arrived; fail with what did arrive."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._messages) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    subjects = [str(m["Subject"]) for m in self._messages]
                    raise AssertionError(
                        f"expected {count} mail(s) within {timeout}s, got {subjects}"
                    )
                self._changed.wait(left)
            return list(self._messages)

    def with_message_id(self, message_id: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["Message-ID"] == message_id]

    def env(self) -> dict[str, str]:
        """Environment variables that make a worker process send here."""
        return {
            "EMAIL_HOST": self.host,
            "EMAIL_PORT": str(self.port),
            "EMAIL_USE_TLS": "0",
            "EMAIL_USE_SSL": "0",
            "EMAIL_HOST_USER": "",
            "EMAIL_HOST_PASSWORD": "",
            "EMAIL_TIMEOUT": "5",
        }


@pytest.fixture
def smtp_sink():
    sink = SMTPSink().start()
    yield sink
    sink.stop()


@pytest.fixture
def smtp_backend(settings, smtp_sink):
    """This process's mail goes over SMTP to ``smtp_sink``."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = smtp_sink.host
    settings.EMAIL_PORT = smtp_sink.port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_TIMEOUT = 5
    return smtp_sink
