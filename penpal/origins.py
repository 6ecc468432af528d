"""Which web pages may talk to Penpal from a reader's browser.

The web chat page is served by Penpal's Rasa server itself (same origin). A
page elsewhere (the writer's own site, with the chat widget) may connect only
when its origin is listed in ``PENPAL_ALLOWED_ORIGINS`` (space- or
comma-separated ``scheme://host[:port]``); ``*`` is refused, so no page the
writer happens to have open can drive their Penpal.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

ORIGINS_VARIABLE = "PENPAL_ALLOWED_ORIGINS"
_ORIGIN = re.compile(r"https?://[A-Za-z0-9.-]+(:\d{1,5})?")


class OriginError(ValueError):
    """``PENPAL_ALLOWED_ORIGINS`` holds something that is not an origin."""


def allowed_origins(value: str | None) -> list[str]:
    """The origins listed in ``value`` (the variable's text), each checked."""
    origins = [origin.rstrip("/") for origin in re.split(r"[\s,]+", value or "") if origin]
    for origin in origins:
        if not _ORIGIN.fullmatch(origin):
            raise OriginError(
                f"{ORIGINS_VARIABLE}: {origin!r} is not an origin such as "
                "https://writer.example (and '*' is not allowed)"
            )
    return origins


def origin_allowed(origin: str, hosts: list[str], allowed: list[str]) -> bool:
    """Whether a page from ``origin`` may connect to a server reached as one of ``hosts``.

    ``hosts`` are the Host (and a proxy's X-Forwarded-Host) the browser used:
    a page from the server's own host is the web chat page itself.
    """
    return origin in allowed or (bool(origin) and urlsplit(origin).netloc in hosts)
