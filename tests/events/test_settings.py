"""The `events` section of penpal.yml: defaults, and errors that name the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from penpal.config import ConfigError, load_config


def with_events(config_path: Path, events: dict) -> Path:
    data = yaml.safe_load(config_path.read_text())
    data["events"] = events
    config_path.write_text(yaml.safe_dump(data))
    return config_path


def test_defaults(config_path: Path) -> None:
    settings = load_config(with_events(config_path, {})).events
    assert (settings.reminder_hours, settings.feeds, settings.timezone) == ([24.0, 1.0], [], "UTC")


@pytest.mark.parametrize(("events", "message"), [
    ({"reminder_hours": [0]}, "events.reminder_hours[0]"),
    ({"timezone": "Mars/Olympus"}, "unknown time zone"),
    ({"feeds": ["not a url"]}, "events.feeds[0]"),
    ({"remind": [1]}, "events.remind"),
])
def test_errors_name_the_field(config_path: Path, events: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(with_events(config_path, events))
