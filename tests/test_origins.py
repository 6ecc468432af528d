"""Which pages may talk to Penpal from a browser, and how the Rasa server is started."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
import yaml
from rasa.utils.endpoints import read_endpoint_config

from penpal.origins import OriginError, allowed_origins, origin_allowed
from penpal.rasa_server import SettingError, rasa_arguments
from penpal.server_secrets import ACTION_SECRET_HEADER, shared_secret


def test_listed_origins_are_read_and_checked() -> None:
    assert allowed_origins(None) == []
    assert allowed_origins("https://writer.example, http://localhost:8000/") == [
        "https://writer.example", "http://localhost:8000"]
    for bad in ("*", "writer.example", "https://writer.example/path", "javascript:alert(1)"):
        with pytest.raises(OriginError, match="PENPAL_ALLOWED_ORIGINS"):
            allowed_origins(bad)


def test_a_page_may_connect_from_the_server_itself_or_a_listed_site() -> None:
    allowed = ["https://writer.example"]
    assert origin_allowed("http://localhost:5005", ["localhost:5005"], [])
    assert origin_allowed("https://writer.example", ["penpal.example"], allowed)
    assert not origin_allowed("https://evil.example", ["penpal.example"], allowed)
    assert not origin_allowed("https://writer.example.evil", ["penpal.example"], allowed)
    assert not origin_allowed("", ["penpal.example"], allowed)


def test_rasa_runs_with_the_api_behind_its_token_and_only_listed_origins() -> None:
    command = rasa_arguments(["run", "--model", "m.tar.gz"], {})
    assert command[:3] == ["run", "--model", "m.tar.gz"]
    assert command[command.index("--auth-token") + 1] == shared_secret("api")
    assert "--enable-api" in command and "--cors" not in command
    listed = rasa_arguments(["run"], {"PENPAL_ALLOWED_ORIGINS": "https://writer.example"})
    assert listed[listed.index("--cors"):] == ["--cors", "https://writer.example"]
    no_endpoints = Path("no-such-endpoints.yml")
    assert rasa_arguments(["shell", "--model", "m.tar.gz"], {}, no_endpoints) == [
        "shell", "--model", "m.tar.gz"]  # no API in the shell


def test_rasa_calls_the_action_server_with_the_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DB_URL", "sqlite:///x.db")
    endpoints = tmp_path / "endpoints.yml"
    endpoints.write_text(yaml.safe_dump({
        "action_endpoint": {"url": "http://actions:5055/webhook", "headers": {"X-A": "1"}},
        "tracker_store": {"type": "SQL", "url": "${DB_URL}"},  # Rasa expands it later
    }))
    command = rasa_arguments(["run", "--endpoints", str(endpoints)], {})
    copy = Path(command[command.index("--endpoints") + 1])
    assert copy != endpoints and stat.S_IMODE(copy.stat().st_mode) == 0o600
    action = read_endpoint_config(str(copy), "action_endpoint")
    assert action.url == "http://actions:5055/webhook"
    assert action.headers == {"X-A": "1", ACTION_SECRET_HEADER: shared_secret("action")}
    assert yaml.safe_load(copy.read_text())["tracker_store"]["url"] == "${DB_URL}"
    assert ACTION_SECRET_HEADER not in endpoints.read_text()


@pytest.mark.parametrize("command", ["shell", "interactive"])
def test_a_bare_shell_uses_the_projects_endpoints_with_the_secret(
    command: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As `rasa shell` reads endpoints.yml when none is named, so does Penpal's."""
    monkeypatch.chdir(Path(__file__).resolve().parents[1])
    arguments = rasa_arguments([command], {})
    copy = Path(arguments[arguments.index("--endpoints") + 1])
    action = read_endpoint_config(str(copy), "action_endpoint")
    assert action.url == read_endpoint_config("endpoints.yml", "action_endpoint").url
    assert action.headers[ACTION_SECRET_HEADER] == shared_secret("action")


@pytest.mark.parametrize("arguments", [["--cors", "*"], ["--auth-token", "x"], ["-t", "x"],
                                       ["--enable-api"]])
def test_settings_penpal_owns_cannot_be_passed_in(arguments: list[str]) -> None:
    with pytest.raises(SettingError, match=r"set by penpal\.rasa_server"):
        rasa_arguments(["run", *arguments], {})


def test_a_wildcard_origin_or_another_command_stops_the_start() -> None:
    with pytest.raises(SettingError, match="not allowed"):
        rasa_arguments(["run"], {"PENPAL_ALLOWED_ORIGINS": "*"})
    with pytest.raises(SettingError, match="run, shell"):
        rasa_arguments(["train"], {})
