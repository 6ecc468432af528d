"""Shared fixtures: a migrated app database (SQLite, and PostgreSQL when it runs here)."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import OperationalError

from penpal.console import console
from penpal.db import Database, upgrade
from tests.support.stack import SharedPenpal, shared_penpal

pytest_plugins = ["tests.support.hostile"]

PROJECT = Path(__file__).resolve().parents[1]
POSTGRES_ADMIN_URL = os.environ.get(
    "PENPAL_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
SERVICES_REQUIRED = os.environ.get("PENPAL_REQUIRE_SERVICES") == "1"


def pytest_configure(config: pytest.Config) -> None:
    """The servers and clients a test run starts share their own secrets, not the
    developer's (``.penpal/``): every process inherits this folder."""
    if not os.environ.get("PENPAL_SECRETS_DIR"):
        folder = Path(config.rootpath) / ".pytest_cache" / "penpal-secrets"
        os.environ["PENPAL_SECRETS_DIR"] = str(folder)


# Fixtures that start servers for more than one module, each its own xdist group.
SHARED_SERVERS = ("shared", "channels")


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (``--dist loadgroup``) the tests that use one running stack
    run on one worker: those of a shared fixture together, and an end-to-end
    module's own together, so no two workers start the same servers."""
    for item in items:
        group = next((name for name in SHARED_SERVERS if name in item.fixturenames), None)
        if group is None and item.get_closest_marker("e2e"):
            group = item.nodeid.split("::")[0]
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.fixture(autouse=True)
def wide_console(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI's tables as a 160-column terminal shows them, whatever runs the test
    (a pytest-xdist worker has no terminal and gets rich's narrow default)."""
    monkeypatch.setattr(console, "width", 160)


@pytest.fixture(scope="session")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedPenpal]:
    """The one running Penpal of this test run (tests/support/stack.py)."""
    with shared_penpal(tmp_path_factory.mktemp("shared-penpal")) as penpal:
        yield penpal


def _skip_or_fail(reason: str) -> None:
    if SERVICES_REQUIRED:
        pytest.fail(f"{reason} (PENPAL_REQUIRE_SERVICES=1 makes it mandatory)")
    pytest.skip(reason)


@pytest.fixture
def config_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A private copy of the demo penpal.yml that the code under test reads."""
    path = tmp_path / "penpal.yml"
    shutil.copy(PROJECT / "penpal.yml", path)
    monkeypatch.setenv("PENPAL_CONFIG", str(path))
    return path


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    url = f"sqlite:///{tmp_path / 'penpal.db'}"
    upgrade(url)
    return url


@contextmanager
def scratch_postgres_database(prefix: str) -> Iterator[str]:
    """A new, empty PostgreSQL database (its URL), dropped afterwards."""
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT", future=True)
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as error:
        admin.dispose()
        _skip_or_fail(f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error.orig}")
    try:
        yield POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database, dropped afterwards."""
    with scratch_postgres_database("penpal_test") as url:
        upgrade(url)
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """The same test on the embedded default and on the production database."""
    if request.param == "sqlite":
        return request.getfixturevalue("sqlite_url")
    return request.getfixturevalue("postgres_url")


@pytest.fixture
def db(database_url: str) -> Iterator[Database]:
    database = Database(database_url)
    yield database
    database.dispose()


@pytest.fixture
def app_db(sqlite_url: str, config_path: Path, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The database the actions use (through PENPAL_DATABASE_URL)."""
    monkeypatch.setenv("PENPAL_DATABASE_URL", sqlite_url)
    return Database(sqlite_url)
