"""HTTP routes Penpal adds to the action server (Sanic, no Rasa imports).

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


def penpal_routes(
    record_click: Callable[[str], str | None],
    export_for_token: Callable[[str], dict[str, Any] | None],
) -> Blueprint:
    """Routes for tracked links and exports; the callables are blocking (run in a thread)."""
    blueprint = Blueprint("penpal")

    async def resolve(what: str, find: Callable[[str], Any], token: str) -> Any:
        if len(token) > MAX_TOKEN_LENGTH:
            return None
        try:
            return await asyncio.to_thread(find, token)
        except Exception:
            log.exception("%s link failed", what)
            raise

    @blueprint.get("/r/<token:str>")
    async def follow(request: Request, token: str) -> HTTPResponse:
        try:
            url = await resolve("recommendation", record_click, token)
        except Exception:
            return response.text("Sorry, this link is not working right now.", status=503)
        if url is None:
            return response.text(NOT_VALID, status=404)
        return response.redirect(url)

    @blueprint.get("/export/<token:str>")
    async def export(request: Request, token: str) -> HTTPResponse:
        try:
            data = await resolve("export", export_for_token, token)
        except Exception:
            return response.text("Sorry, your export is not available right now.", status=503)
        if data is None:
            return response.text(NOT_VALID, status=404)
        return response.text(
            json.dumps(data, ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="my-penpal-data.json"',
                     "Cache-Control": "no-store", "Referrer-Policy": "no-referrer"},
        )

    return blueprint
