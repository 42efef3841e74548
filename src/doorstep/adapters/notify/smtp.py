"""E-mail over SMTP: one connection per message batch, STARTTLS and login when configured.

The message (headers included, Message-ID fixed at planning) is built by the caller;
this module only hands it to the server.  ``send_message`` returns once the server has
accepted it — the moment after which a crash can cause the one kind of duplicate we allow.
"""

from __future__ import annotations

import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage


@dataclass(frozen=True, kw_only=True)
class SmtpServer:
    host: str = "127.0.0.1"
    port: int = 25
    starttls: bool = False
    username: str = ""
    password: str = ""
    timeout_s: float = 30.0

    def send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout_s) as client:
            if self.starttls:
                client.starttls(context=ssl.create_default_context())
            if self.username:
                client.login(self.username, self.password)
            refused = client.send_message(message)
        if refused:
            raise smtplib.SMTPRecipientsRefused(refused)
