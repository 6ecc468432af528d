"""penpal.endpoints: endpoints.yml as the embedded default, the environment for production.

Each generated section is handed to Rasa's own factories, so a key Rasa would not
understand fails here rather than at start-up.
"""

from __future__ import annotations

import asyncio
import stat
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from rasa.core.brokers.pika import PikaEventBroker
from rasa.core.lock_store import LockStore
from rasa.core.tracker_store import SQLTrackerStore, TrackerStore
from rasa.utils.endpoints import EndpointConfig, read_endpoint_config

from penpal.endpoints import endpoints
from penpal.rasa_stores import AtomicRedisLockStore

PROJECT = Path(__file__).resolve().parents[2]
DEFAULTS = yaml.safe_load((PROJECT / "endpoints.yml").read_text())


def test_without_the_environment_endpoints_yml_is_used_as_it_is() -> None:
    assert endpoints(DEFAULTS, {}) == DEFAULTS
    assert DEFAULTS["action_endpoint"]["url"] == "http://localhost:5055/webhook"
    assert DEFAULTS["tracker_store"] == {"type": "SQL", "dialect": "sqlite", "db": "tracker.db"}
    assert "lock_store" not in DEFAULTS and "event_broker" not in DEFAULTS


def test_the_action_server_url_replaces_only_the_url() -> None:
    base = {"action_endpoint": {"url": "http://localhost:5055/webhook", "token": "t"}}
    result = endpoints(base, {"PENPAL_ACTION_SERVER_URL": "http://actions:5055/webhook"})
    assert result["action_endpoint"] == {"url": "http://actions:5055/webhook", "token": "t"}
    assert base["action_endpoint"]["url"] == "http://localhost:5055/webhook"


def test_the_tracker_store_url_is_what_rasa_connects_to(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'tracker.db'}"
    section = endpoints(DEFAULTS, {"PENPAL_TRACKER_STORE_URL": url})["tracker_store"]
    store = TrackerStore.create(EndpointConfig.from_dict(section))
    assert isinstance(store, SQLTrackerStore)
    assert str(store.engine.url) == url
    store.engine.dispose()


def test_the_redis_url_makes_rasa_use_penpals_redis_lock_store() -> None:
    section = endpoints(DEFAULTS, {
        "PENPAL_REDIS_URL": "redis://:s%40cret@cache.internal:6380/3",
        "PENPAL_LOCK_KEY_PREFIX": "penpal",
    })["lock_store"]
    store = LockStore.create(EndpointConfig.from_dict(section))
    assert isinstance(store, AtomicRedisLockStore)
    kwargs = store.red.connection_pool.connection_kwargs
    assert (kwargs["host"], kwargs["port"], kwargs["db"]) == ("cache.internal", 6380, 3)
    assert kwargs["password"] == "s@cret"
    assert store.key_prefix == "penpal:lock:"


def test_a_lock_key_prefix_rasa_would_ignore_is_refused() -> None:
    with pytest.raises(ValueError, match="alphanumeric"):
        endpoints({}, {"PENPAL_REDIS_URL": "redis://localhost", "PENPAL_LOCK_KEY_PREFIX": "a-b"})


def test_the_rabbitmq_url_makes_rasa_publish_with_pika() -> None:
    section = endpoints(DEFAULTS, {
        "PENPAL_RABBITMQ_URL": "amqp://penpal:s3cret@rabbit.internal/penpal",
        "PENPAL_RABBITMQ_QUEUE": "penpal_events",
    })["event_broker"]
    config = EndpointConfig.from_dict(section)
    assert config.type == "pika"
    broker = PikaEventBroker(config.url, **config.kwargs, event_loop=asyncio.new_event_loop())
    assert broker.queues == ["penpal_events"]
    assert broker._configure_url() == "amqp://penpal:s3cret@rabbit.internal:5672/penpal"


def test_a_url_of_the_wrong_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="PENPAL_RABBITMQ_URL"):
        endpoints({}, {"PENPAL_RABBITMQ_URL": "redis://localhost"})
    with pytest.raises(ValueError, match="PENPAL_REDIS_URL"):
        endpoints({}, {"PENPAL_REDIS_URL": "localhost:6379"})


def test_the_module_writes_a_file_rasa_reads_and_only_its_owner_can(tmp_path: Path) -> None:
    out = tmp_path / "endpoints.yml"
    env = {"PENPAL_REDIS_URL": "redis://localhost:6379/2", "PATH": ""}
    subprocess.run(
        [sys.executable, "-m", "penpal.endpoints", "--out", str(out)],
        cwd=PROJECT, env=env, check=True,
    )
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert read_endpoint_config(str(out), "lock_store").kwargs["db"] == 2
    assert read_endpoint_config(str(out), "tracker_store").kwargs["db"] == "tracker.db"
