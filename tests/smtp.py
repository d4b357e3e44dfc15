"""A real SMTP server on loopback (aiosmtpd) for tests of mail the hub sends.

The `smtp_server` fixture (import `smtp_server_fixture` into a test module) starts one on
127.0.0.1 at a free port and points Django's SMTP backend at it; what arrives is parsed with
the `email` package into `smtp_server.messages`. It can refuse chosen recipients (`refuse`),
drop the connection once after some messages (`drop_after`), and be stopped and started
again (`stop`, `start`) to play a mail server that is down.
"""

import email
import email.policy
import socket
import threading
from collections import Counter

import pytest
from aiosmtpd.controller import Controller


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Mailbox:
    """An aiosmtpd handler that keeps what arrives, and the faults it was told to make."""

    def __init__(self):
        self.messages = []  # (envelope recipients, email.message.EmailMessage)
        self.peers = []  # the client's (address, port) of each message: one per connection
        self.refuse = {}  # address -> the reply to its RCPT, e.g. "550 5.1.1 No such user"
        self.drop_after = None  # drop the connection at the DATA after this many messages
        self.lock = threading.Lock()
        self.port = free_port()
        self.controller = None

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        reply = self.refuse.get(address.lower())
        if reply:
            return reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            if self.drop_after is not None and len(self.messages) >= self.drop_after:
                self.drop_after = None  # once
                server.transport.close()  # gone without a reply: the message is not taken
                return "421 4.3.0 Closing"
            parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append((list(envelope.rcpt_tos), parsed))
            self.peers.append(session.peer)
        return "250 OK"

    def start(self):
        self.controller = Controller(
            self, hostname="127.0.0.1", port=self.port, server_hostname="localhost"
        )
        self.controller.start()

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def connections(self):
        """How many SMTP connections delivered the messages."""
        return len(set(self.peers))

    def per_recipient(self):
        """How many messages each address received."""
        return Counter(address for recipients, _ in self.messages for address in recipients)

    def to(self, address):
        """The one message `address` received."""
        [message] = [m for recipients, m in self.messages if address in recipients]
        return message


def parts(message):
    """(text, html) bodies of a received message."""
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    return text, html


@pytest.fixture(name="smtp_server")
def smtp_server_fixture(settings):
    """A running loopback SMTP server that Django's mail goes to."""
    mailbox = Mailbox()
    mailbox.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mailbox.port
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 5
    yield mailbox
    mailbox.stop()
