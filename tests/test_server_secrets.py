"""Shared secrets: the environment's when set, else one file made once, private."""

from __future__ import annotations

import stat
import subprocess
import sys
from pathlib import Path

import pytest

from penpal.server_secrets import SecretError, shared_secret


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for variable in ("PENPAL_ACTION_SECRET", "PENPAL_API_TOKEN", "PENPAL_SESSION_SECRET"):
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("PENPAL_SECRETS_DIR", str(tmp_path / "secrets"))
    return tmp_path / "secrets"


def test_a_secret_is_made_on_first_use_readable_by_its_owner_only(folder: Path) -> None:
    first = shared_secret("action")
    assert len(first) >= 40 and first == shared_secret("action")
    path = folder / "action.secret"
    assert path.read_text() == first
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert shared_secret("api") != first  # one secret per door
    assert not [leftover for leftover in folder.iterdir() if leftover.name.startswith(".new-")]


def test_the_environment_wins_and_must_be_long_enough(
    folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PENPAL_API_TOKEN", "a-token-from-the-operator")
    assert shared_secret("api") == "a-token-from-the-operator"
    assert not (folder / "api.secret").exists()
    monkeypatch.setenv("PENPAL_API_TOKEN", "short")
    with pytest.raises(SecretError, match="PENPAL_API_TOKEN must be at least 16"):
        shared_secret("api")


def test_an_emptied_file_is_refused_not_used(folder: Path) -> None:
    shared_secret("session")
    (folder / "session.secret").write_text("")
    with pytest.raises(SecretError, match="delete it"):
        shared_secret("session")


def test_processes_starting_together_agree_on_one_secret(folder: Path) -> None:
    code = "from penpal.server_secrets import shared_secret; print(shared_secret('action'))"
    runs = [subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
            for _ in range(8)]
    answers = {run.communicate(timeout=60)[0].strip() for run in runs}
    assert answers == {(folder / "action.secret").read_text()}
