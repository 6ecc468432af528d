"""The links in Penpal's messages, served on the Rasa server's public port.

Readers follow links from chats and emails: tracked recommendation links
(``/r/<token>``), data exports (``/export/<token>``), calendar files
(``/events/<id>.ics``) and newsletter confirmation and unsubscribe links
(``/newsletter/...``). They must be reachable from anywhere, so they live on
the server that is public anyway (Telegram and Slack call it), never on the
action server, whose ``/webhook`` answers Rasa alone. Each link carries its
own proof (an unguessable token, or an event's public number); a client
address that floods them is refused (:mod:`penpal.channels.flood`).

It is a Rasa input channel that takes no messages: listing it in
credentials.yml (``penpal.channels.links.PenpalLinksInput``) mounts the
routes at the server's root.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from rasa.core.channels.channel import InputChannel, UserMessage
from sanic import Blueprint
from sanic.blueprint_group import BlueprintGroup

from penpal.channels.flood import refuse_flooding_address
from penpal.config import current_config
from penpal.db import shared_database
from penpal.events import calendar_file
from penpal.events.web import events_routes
from penpal.newsletter import newsletter_for
from penpal.newsletter.web import newsletter_routes
from penpal.privacy import export_for_token
from penpal.recommend.service import RecommendationService
from penpal.web import penpal_routes


def _record_click(token: str) -> str | None:
    # Recording a click reads and writes rows only: no recommendation index is built.
    return RecommendationService(shared_database()).click(token)


def _calendar(event_id: int) -> bytes | None:
    config = current_config()
    return calendar_file(shared_database(), event_id, str(config.public_url), config.writer.name)


def _newsletter():  # built per request: penpal.yml edits apply at once
    return newsletter_for(shared_database(), current_config())


def link_routes() -> BlueprintGroup:
    """Every public link route, limited per client address; the callables are blocking."""
    group = Blueprint.group(
        penpal_routes(
            record_click=_record_click,
            export_for_token=lambda token: export_for_token(shared_database(), token),
        ),
        events_routes(_calendar),
        newsletter_routes(
            confirm=lambda token: _newsletter().confirm_token(token),
            unsubscribe=lambda token: _newsletter().unsubscribe_token(token),
        ),
    )
    group.middleware("request")(refuse_flooding_address)
    return group


class PenpalLinksInput(InputChannel):
    """Serves the public link routes; carries no conversation."""

    @classmethod
    def name(cls) -> str:
        return "links"

    @classmethod
    def from_credentials(cls, credentials: dict[str, Any] | None) -> PenpalLinksInput:
        return cls()

    def url_prefix(self) -> str:
        return "/"  # the links keep the paths they have always had

    def blueprint(
        self, on_new_message: Callable[[UserMessage], Awaitable[Any]]
    ) -> BlueprintGroup:
        return link_routes()
