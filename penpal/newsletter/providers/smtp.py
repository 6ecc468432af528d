"""Newsletter email over SMTP: the double opt-in message, and the list kept by Penpal."""

from __future__ import annotations

import smtplib
from email import policy
from email.message import EmailMessage

from penpal.config import NewsletterSettings
from penpal.newsletter.providers.base import Subscriber


class MailError(Exception):
    """The mail server did not take the message; it is sent again later."""


class SmtpProvider:
    """The default: the list lives in Penpal's database, so there is nothing to sync."""

    name = "SMTP"

    def sync(self, subscriber: Subscriber) -> None:
        return None


class SmtpMailer:
    def __init__(self, settings: NewsletterSettings, writer_name: str) -> None:
        self._settings = settings
        self._writer = writer_name

    def send(self, to: str, subject: str, body: str, unsubscribe_url: str | None = None) -> None:
        """Send one plain-text email; raise MailError."""
        settings = self._settings
        # Long links stay whole in headers (folding would encode List-Unsubscribe).
        message = EmailMessage(policy=policy.SMTP.clone(max_line_length=998))
        message["From"] = f"{self._writer} <{settings.sender}>"
        message["To"] = to
        message["Subject"] = subject
        if unsubscribe_url:
            message["List-Unsubscribe"] = f"<{unsubscribe_url}>"
        message.set_content(body)
        try:
            with smtplib.SMTP(settings.smtp_host, settings.smtp_port,
                              timeout=settings.timeout_seconds) as smtp:
                if settings.smtp_starttls:
                    smtp.starttls()
                if settings.smtp_username:
                    smtp.login(settings.smtp_username, settings.smtp_password or "")
                smtp.send_message(message)
        except (OSError, smtplib.SMTPException) as error:
            raise MailError(f"mail server {settings.smtp_host}:{settings.smtp_port}: "
                            f"{type(error).__name__}") from error

    def send_confirmation(
        self, to: str, confirm_url: str, code: str, unsubscribe_url: str, hours: int
    ) -> None:
        self.send(
            to,
            f"Please confirm your subscription to {self._writer}'s newsletter",
            f"Hello,\n\nsomeone (hopefully you) asked to receive {self._writer}'s newsletter "
            f"at this address.\n\nTo confirm, open this link:\n{confirm_url}\n\n"
            f"or write this in the chat: my code is {code}\n\n"
            f"The link and the code are valid for {hours} hours. If it wasn't you, ignore "
            f"this email and nothing will be sent.\n\n"
            f"Unsubscribe at any time: {unsubscribe_url}\n",
            unsubscribe_url,
        )
