"""HTTP calls to providers' APIs: timeouts, and retries with backoff on 429 and 5xx."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

import requests

from penpal.newsletter.providers.base import ProviderError

log = logging.getLogger(__name__)

MAX_RETRY_AFTER_SECONDS = 30.0


def _retry_after(response: requests.Response, fallback: float) -> float:
    try:
        return min(float(response.headers.get("Retry-After", fallback)), MAX_RETRY_AFTER_SECONDS)
    except ValueError:
        return fallback


def _reason(response: requests.Response) -> str:
    """The provider's own explanation (both APIs answer JSON with a detail)."""
    try:
        body = response.json()
    except ValueError:
        return response.reason or f"HTTP {response.status_code}"
    if isinstance(body, dict):
        detail = body.get("detail") or body.get("title") or body.get("message")
        if detail:
            return str(detail)[:200]
    return response.reason or f"HTTP {response.status_code}"


def call(
    method: str,
    url: str,
    *,
    provider: str,
    timeout: float,
    retries: int,
    backoff: float = 0.5,
    sleep: Callable[[float], None] = time.sleep,
    **kwargs: Any,
) -> requests.Response:
    """``requests.request`` that retries what is worth retrying; raise ProviderError."""
    attempt = 0
    while True:
        delay = backoff * (2 ** attempt)
        try:
            response = requests.request(method, url, timeout=timeout, **kwargs)
        except requests.RequestException as error:
            failure = ProviderError(f"{provider} is unreachable ({type(error).__name__})", True)
        else:
            status = response.status_code
            if status < 400:
                return response
            if status in (401, 403):
                raise ProviderError(f"{provider} refused the API key ({status})", False)
            if status != 429 and status < 500:
                raise ProviderError(f"{provider} rejected it: {_reason(response)}", False)
            failure = ProviderError(f"{provider} answered {status}", True)
            if status == 429:
                delay = _retry_after(response, delay)
        if attempt >= retries:
            raise failure
        log.info("%s; retrying in %.1f s", failure, delay)
        sleep(delay)
        attempt += 1
