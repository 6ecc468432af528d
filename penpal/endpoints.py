"""The endpoints Rasa runs with: endpoints.yml, overridden from the environment.

endpoints.yml holds the embedded defaults for one machine (action server on
localhost:5055, SQLite tracker store, in-process locks, no event broker). Rasa's
own ``${VAR}`` substitution there fails when a variable is unset and cannot switch
a lock store or an event broker on, so ``scripts/run-penpal`` (and the dev stack)
write the file Rasa reads with this module: each section whose variable is set is
replaced, everything else stays as endpoints.yml says.

    python -m penpal.endpoints --out /path/to/endpoints.yml
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml

DEFAULT_QUEUE = "rasa_core_events"  # Rasa's own default queue name
# Rasa's RedisLockStore, with atomic tickets for several servers (see the module).
LOCK_STORE_CLASS = "penpal.rasa_stores.AtomicRedisLockStore"

# Every variable this module reads, and what it sets (also the README table).
VARIABLES = {
    "PENPAL_ACTION_SERVER_URL": "action_endpoint: the action server's webhook URL",
    "PENPAL_TRACKER_STORE_URL": "tracker_store: a SQLAlchemy URL (SQL tracker store)",
    "PENPAL_REDIS_URL": "lock_store: redis://[:password@]host[:port][/db] (Redis lock store)",
    "PENPAL_LOCK_KEY_PREFIX": "lock_store: an alphanumeric prefix for the lock keys",
    "PENPAL_RABBITMQ_URL": "event_broker: amqp://user:password@host[:port]/[vhost] (pika)",
    "PENPAL_RABBITMQ_QUEUE": f"event_broker: the queue events go to ({DEFAULT_QUEUE})",
}


def tracker_store(url: str) -> dict[str, Any]:
    """Rasa's SQL tracker store takes a full SQLAlchemy URL as its ``url``."""
    return {"type": "SQL", "url": url}


def lock_store(url: str, key_prefix: str | None = None) -> dict[str, Any]:
    parts = urlsplit(url)
    if parts.scheme not in ("redis", "rediss"):
        raise ValueError(f"PENPAL_REDIS_URL must be a redis:// or rediss:// URL, not {url!r}")
    store: dict[str, Any] = {
        "type": LOCK_STORE_CLASS,
        "url": parts.hostname or "localhost",
        "port": parts.port or 6379,
        "db": int(parts.path.strip("/") or 0),
    }
    if parts.username:
        store["username"] = unquote(parts.username)
    if parts.password:
        store["password"] = unquote(parts.password)
    if parts.scheme == "rediss":
        store["use_ssl"] = True
    if key_prefix:
        if not key_prefix.isalnum():
            raise ValueError("PENPAL_LOCK_KEY_PREFIX must be alphanumeric (Rasa's rule)")
        store["key_prefix"] = key_prefix
    return store


def event_broker(url: str, queue: str | None = None) -> dict[str, Any]:
    """Rasa's pika broker: it puts the credentials back into the URL itself."""
    parts = urlsplit(url)
    if parts.scheme not in ("amqp", "amqps"):
        raise ValueError(f"PENPAL_RABBITMQ_URL must be an amqp:// or amqps:// URL, not {url!r}")
    port = parts.port or (5671 if parts.scheme == "amqps" else 5672)
    return {
        "type": "pika",
        "url": parts._replace(netloc=f"{parts.hostname}:{port}").geturl(),
        "port": port,
        "username": unquote(parts.username or "guest"),
        "password": unquote(parts.password or "guest"),
        "queues": [queue or DEFAULT_QUEUE],
    }


def endpoints(base: Mapping[str, Any], environ: Mapping[str, str]) -> dict[str, Any]:
    """``base`` (endpoints.yml) with the sections the environment names replaced."""
    result = dict(base)
    if action_url := environ.get("PENPAL_ACTION_SERVER_URL"):
        result["action_endpoint"] = {**result.get("action_endpoint", {}), "url": action_url}
    if tracker_url := environ.get("PENPAL_TRACKER_STORE_URL"):
        result["tracker_store"] = tracker_store(tracker_url)
    if redis_url := environ.get("PENPAL_REDIS_URL"):
        result["lock_store"] = lock_store(redis_url, environ.get("PENPAL_LOCK_KEY_PREFIX"))
    if rabbit_url := environ.get("PENPAL_RABBITMQ_URL"):
        result["event_broker"] = event_broker(rabbit_url, environ.get("PENPAL_RABBITMQ_QUEUE"))
    return result


def write(base: Path, out: Path, environ: Mapping[str, str]) -> None:
    """Write the effective endpoints; readable by the owner only (it may hold passwords)."""
    content = yaml.safe_dump(endpoints(yaml.safe_load(base.read_text()) or {}, environ))
    out.touch(mode=0o600)
    out.write_text(content)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, default=Path("endpoints.yml"))
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args(argv)
    write(args.base, args.out, os.environ)


if __name__ == "__main__":
    main()
