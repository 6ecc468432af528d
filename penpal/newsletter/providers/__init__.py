"""Where the newsletter list is kept: Penpal's own database (SMTP), Mailchimp or Buttondown.

Every provider takes a subscriber's current state with :meth:`Provider.sync`;
confirmation emails always go out over SMTP (:class:`SmtpMailer`), since the
double opt-in link and code are Penpal's own.
"""

from __future__ import annotations

from penpal.config import NewsletterSettings
from penpal.newsletter.providers.base import Provider, ProviderError, Subscriber
from penpal.newsletter.providers.buttondown import ButtondownProvider
from penpal.newsletter.providers.mailchimp import MailchimpProvider
from penpal.newsletter.providers.smtp import MailError, SmtpMailer, SmtpProvider

__all__ = [
    "ButtondownProvider", "MailError", "MailchimpProvider", "Provider", "ProviderError",
    "SmtpMailer", "SmtpProvider", "Subscriber", "provider_for",
]


def provider_for(settings: NewsletterSettings) -> Provider:
    """The provider penpal.yml chooses."""
    if settings.provider == "mailchimp":
        return MailchimpProvider(settings)
    if settings.provider == "buttondown":
        return ButtondownProvider(settings)
    return SmtpProvider()
