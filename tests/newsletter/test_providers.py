"""Provider adapters against a local HTTP server implementing the endpoints they call."""

from __future__ import annotations

import base64
import hashlib
from typing import Any

import pytest
from sqlalchemy import select

from penpal.config import NewsletterSettings
from penpal.db import Database
from penpal.db.models import NewsletterSubscription
from penpal.newsletter.providers import (
    ButtondownProvider,
    MailchimpProvider,
    ProviderError,
    Subscriber,
    provider_for,
)
from penpal.newsletter.providers.mailchimp import api_root
from tests.newsletter.conftest import make_newsletter
from tests.newsletter.support import ApiServer, confirm_code

ANNA = Subscriber("anna@example.org", "subscribed", ("maps", "craft"), "weekly")
MEMBER = hashlib.md5(b"anna@example.org").hexdigest()


def mailchimp(settings: NewsletterSettings, api: ApiServer) -> NewsletterSettings:
    return settings.copy(update={
        "provider": "mailchimp",
        "mailchimp": settings.mailchimp.copy(update={
            "api_key": "0123abcd-us21", "list_id": "list9", "base_url": api.url}),
    })


def buttondown(settings: NewsletterSettings, api: ApiServer) -> NewsletterSettings:
    return settings.copy(update={
        "provider": "buttondown",
        "buttondown": settings.buttondown.copy(update={"api_key": "bd-key", "base_url": api.url}),
    })


def test_the_mailchimp_data_centre_comes_from_the_key() -> None:
    assert api_root("0123abcd-us21", None) == "https://us21.api.mailchimp.com"
    with pytest.raises(ProviderError, match="data centre"):
        api_root("nodatacentre", None)


def test_mailchimp_puts_the_member_and_tags_it(
    settings: NewsletterSettings, api: ApiServer
) -> None:
    provider = provider_for(mailchimp(settings, api))
    assert isinstance(provider, MailchimpProvider)
    provider.sync(ANNA)
    put, tags = api.calls
    assert (put.method, put.path) == ("PUT", f"/3.0/lists/list9/members/{MEMBER}")
    assert put.body == {"email_address": "anna@example.org", "status_if_new": "subscribed",
                        "status": "subscribed"}
    _, _, key = base64.b64decode(put.headers["Authorization"].split()[1]).decode().partition(":")
    assert key == "0123abcd-us21"
    assert (tags.method, tags.path) == ("POST", f"/3.0/lists/list9/members/{MEMBER}/tags")
    assert {tag["name"] for tag in tags.body["tags"]} == {"maps", "craft", "frequency:weekly"}


def test_mailchimp_500_then_200_is_retried_and_succeeds(
    settings: NewsletterSettings, api: ApiServer
) -> None:
    api.statuses = [500, 429]
    provider_for(mailchimp(settings, api)).sync(ANNA)
    assert [call.method for call in api.calls] == ["PUT", "PUT", "PUT", "POST"]


def test_mailchimp_errors_become_clear_messages(
    settings: NewsletterSettings, api: ApiServer
) -> None:
    provider = provider_for(mailchimp(settings, api))
    api.statuses, api.error_detail = [400], "anna@example.org looks fake or invalid"
    with pytest.raises(ProviderError, match=r"rejected it: anna@example\.org looks fake") as error:
        provider.sync(ANNA)
    assert not error.value.temporary
    api.statuses = [401]
    with pytest.raises(ProviderError, match="refused the API key"):
        provider.sync(ANNA)
    api.statuses = [503, 503, 503]
    with pytest.raises(ProviderError, match="answered 503") as error:
        provider.sync(ANNA)
    assert error.value.temporary


def test_buttondown_creates_then_patches_an_existing_subscriber(
    settings: NewsletterSettings, api: ApiServer
) -> None:
    provider = provider_for(buttondown(settings, api))
    assert isinstance(provider, ButtondownProvider)
    provider.sync(ANNA)
    [create] = api.calls
    assert (create.method, create.path) == ("POST", "/v1/subscribers")
    assert create.headers["Authorization"] == "Token bd-key"
    assert create.body == {"email_address": "anna@example.org", "tags": ["maps", "craft"],
                           "metadata": {"frequency": "weekly"}, "type": "regular"}

    api.statuses, api.error_detail = [400], "That email address is already subscribed."
    provider.sync(ANNA)
    assert [(c.method, c.path) for c in api.calls[1:]] == [
        ("POST", "/v1/subscribers"), ("PATCH", "/v1/subscribers/anna@example.org")]

    provider.sync(Subscriber("anna@example.org", "unsubscribed", (), "weekly"))
    assert (api.calls[-1].method, api.calls[-1].body["type"]) == ("PATCH", "unsubscribed")


def test_a_provider_that_is_down_keeps_the_signup_and_syncs_when_back(
    db: Database, settings: NewsletterSettings, api: ApiServer, inbox: list[Any]
) -> None:
    chosen = mailchimp(settings, api)
    newsletter = make_newsletter(db, chosen, provider_for(chosen))
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["maps"], "weekly")
    assert api.calls == []  # pending subscribers stay with Penpal until confirmed

    api.statuses = [500, 500, 500]  # down for the whole first attempt (3 tries)
    confirmed = newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    assert (confirmed.outcome, confirmed.sync) == ("confirmed", "queued")
    with db.session() as session:
        row = session.execute(select(NewsletterSubscription)).scalar_one()
        assert (row.status, row.sync_due, row.sync_error) == (
            "subscribed", True, "Mailchimp answered 500")

    report = newsletter.deliver_due()  # the scheduler's next run: the provider is back
    assert (report.synced, report.sync_failed) == (1, 0)
    assert [call.method for call in api.calls][-2:] == ["PUT", "POST"]
    with db.session() as session:
        row = session.execute(select(NewsletterSubscription)).scalar_one()
        assert (row.sync_due, row.sync_error, row.sync_attempts) == (False, None, 1)
    assert newsletter.deliver_due().synced == 0


def test_a_rejected_address_is_not_retried_and_the_writer_sees_why(
    db: Database, settings: NewsletterSettings, api: ApiServer, inbox: list[Any]
) -> None:
    chosen = buttondown(settings, api)
    newsletter = make_newsletter(db, chosen, provider_for(chosen))
    newsletter.subscribe("chat-1", "rest", "anna@example.org", ["maps"], "weekly")
    api.statuses, api.error_detail = [400], "This email address is banned."
    confirmed = newsletter.confirm_code("chat-1", confirm_code(inbox[0]))
    assert confirmed.sync == "rejected: Buttondown rejected it: This email address is banned."
    assert newsletter.deliver_due().synced == 0
