"""The links in newsletter emails, served on Rasa's public port (Sanic, no Rasa imports).

- ``GET /newsletter/confirm/<token>``: double opt-in; the subscription becomes active.
- ``GET /newsletter/unsubscribe/<token>``: a page with one button (mail scanners
  that open links must not unsubscribe anyone); ``POST`` unsubscribes, which is
  also what one-click unsubscribe (RFC 8058) sends.
"""

from __future__ import annotations

import asyncio
import html
import logging
from collections.abc import Callable

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

from penpal.newsletter.subscriptions import Confirmation

log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 64
HEADERS = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
CONFIRM_PAGES = {
    "confirmed": (200, "You're subscribed. Thank you! The first newsletter is on its way."),
    "already": (200, "You're already subscribed. Nothing else to do."),
    "expired": (410, "This link has expired. Ask the assistant to sign you up again "
                     "and you'll get a fresh one."),
    "unknown": (404, "This link is not valid."),
}


def _page(text: str, status: int = 200, form: str = "") -> HTTPResponse:
    body = (f"<!doctype html><meta charset='utf-8'><title>Newsletter</title>"
            f"<p>{html.escape(text, quote=False)}</p>{form}")
    return response.html(body, status=status, headers=HEADERS)


def newsletter_routes(
    confirm: Callable[[str], Confirmation], unsubscribe: Callable[[str], str | None]
) -> Blueprint:
    """The routes; ``confirm`` and ``unsubscribe`` are blocking (run in a thread)."""
    blueprint = Blueprint("penpal_newsletter")

    @blueprint.get("/newsletter/confirm/<token:str>")
    async def confirm_link(request: Request, token: str) -> HTTPResponse:
        if len(token) > MAX_TOKEN_LENGTH:
            return _page(CONFIRM_PAGES["unknown"][1], 404)
        try:
            result = await asyncio.to_thread(confirm, token)
        except Exception:
            log.exception("newsletter: confirmation link failed")
            return _page("Sorry, this is not working right now. Please try again later.", 503)
        status, text = CONFIRM_PAGES[result.outcome]
        return _page(text, status)

    @blueprint.get("/newsletter/unsubscribe/<token:str>")
    async def unsubscribe_page(request: Request, token: str) -> HTTPResponse:
        return _page("Unsubscribe from the newsletter?", 200,
                     "<form method='post'><button type='submit'>Unsubscribe</button></form>")

    @blueprint.post("/newsletter/unsubscribe/<token:str>")
    async def unsubscribe_link(request: Request, token: str) -> HTTPResponse:
        if len(token) > MAX_TOKEN_LENGTH:
            return _page("This link is not valid.", 404)
        try:
            email = await asyncio.to_thread(unsubscribe, token)
        except Exception:
            log.exception("newsletter: unsubscribe link failed")
            return _page("Sorry, this is not working right now. Please try again later.", 503)
        if email is None:
            return _page("This link is not valid.", 404)
        return _page("You're unsubscribed. No more newsletters will be sent.")

    return blueprint
