"""A mail server on this machine for the demo's alert emails (aiosmtpd), so the email the alert
check sends can be shown without any real mail account."""

import email
import email.policy

from aiosmtpd.controller import Controller

from tools.run import free_port


class Inbox:
    """Keeps every message the server accepts."""

    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[email.message.EmailMessage]:
        return [email.message_from_bytes(e.original_content, policy=email.policy.default)
                for e in self.envelopes]


def start() -> tuple[Controller, Inbox]:
    """A running server on 127.0.0.1 and a free port; call .stop() on the controller."""
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    return controller, inbox
