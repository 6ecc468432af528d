"""The newsletter (double opt-in, providers), topic follows and the writer's broadcasts."""

from __future__ import annotations

from penpal.config import PenpalConfig
from penpal.db import Database
from penpal.newsletter.choices import InvalidEmail, parse_email, pick_frequency, pick_topics
from penpal.newsletter.outbox import DueReport, Outbox
from penpal.newsletter.providers import SmtpMailer, provider_for
from penpal.newsletter.subscriptions import (
    Confirmation,
    Newsletter,
    Signup,
    SubscriptionView,
)
from penpal.newsletter.tokens import find_code

__all__ = [
    "Confirmation", "DueReport", "InvalidEmail", "Newsletter", "Outbox", "Signup",
    "SubscriptionView", "find_code", "mailer_for", "newsletter_for", "parse_email",
    "pick_frequency", "pick_topics",
]


def mailer_for(config: PenpalConfig) -> SmtpMailer:
    return SmtpMailer(config.newsletter, config.writer.name)


def newsletter_for(db: Database, config: PenpalConfig) -> Newsletter:
    """The newsletter as penpal.yml sets it up (provider, mail server, public URL)."""
    return Newsletter(db, config.newsletter, str(config.public_url), mailer_for(config),
                      provider_for(config.newsletter))
