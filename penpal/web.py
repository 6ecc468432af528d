"""HTTP routes of the links in messages (Sanic, no Rasa imports; served on Rasa's port).

- ``/r/<token>``: a recommendation link. It records the click (so
  click-through can be measured) and redirects the reader to the item.
- ``/export/<token>``: a reader's data export, as a JSON download, while the
  link is valid (it expires).
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from typing import Any

from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse

log = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 64
NOT_VALID = "This link is not valid, or has expired."


def tracked_link(public_url: str, token: str) -> str:
    """The address a reader follows to a recommended item (served by ``/r/<token>``)."""
    return f"{public_url.rstrip('/')}/r/{token}"


async def token_response(
    what: str,
    find: Callable[[str], Any],
    token: str,
    found: Callable[[Any], HTTPResponse],
    unavailable: str,
) -> HTTPResponse:
    """Answer a link that carries a token: 404 if unknown or expired, 503 if it fails.

    ``find`` is blocking (it reads the app database), so it runs in a thread.
    """
    if len(token) > MAX_TOKEN_LENGTH:
        return response.text(NOT_VALID, status=404)
    try:
        result = await asyncio.to_thread(find, token)
    except Exception:
        log.exception("%s link failed", what)
        return response.text(unavailable, status=503)
    if result is None:
        return response.text(NOT_VALID, status=404)
    return found(result)


def _export_download(data: dict[str, Any]) -> HTTPResponse:
    return response.text(
        json.dumps(data, ensure_ascii=False, indent=2),
        content_type="application/json; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="my-penpal-data.json"',
                 "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
    )


def penpal_routes(
    record_click: Callable[[str], str | None],
    export_for_token: Callable[[str], dict[str, Any] | None],
) -> Blueprint:
    """Routes for tracked links and exports; the callables are blocking."""
    blueprint = Blueprint("penpal")

    @blueprint.get("/r/<token:str>")
    async def follow(request: Request, token: str) -> HTTPResponse:
        return await token_response(
            "recommendation", record_click, token, response.redirect,
            "Sorry, this link is not working right now.",
        )

    @blueprint.get("/export/<token:str>")
    async def export(request: Request, token: str) -> HTTPResponse:
        return await token_response(
            "export", export_for_token, token, _export_download,
            "Sorry, your export is not available right now.",
        )

    return blueprint
