from pathlib import Path

import pytest
import yaml

from penpal.config import ConfigError, current_config, load_config


def edit(path: Path, change) -> None:
    data = yaml.safe_load(path.read_text())
    change(data)
    path.write_text(yaml.safe_dump(data, allow_unicode=True))


def test_demo_configuration_is_valid(config_path: Path) -> None:
    config = load_config(config_path)
    assert config.writer.name == "Mira Kestrel"
    assert config.retention_days == 365
    assert {"bio", "books", "buy", "contact", "press"} <= set(config.faq)
    assert config.handoff.webhook_url is None  # ${PENPAL_HANDOFF_WEBHOOK:-} unset


@pytest.mark.hostile("penpal.yml")
@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d.update(retention_days=-5), "retention_days"),
        (lambda d: d["writer"].pop("name"), "writer.name"),
        (lambda d: d["faq"].pop("press"), "faq"),
        (
            lambda d: d["books"][1]["buy_links"][0].update(url="not a url"),
            "books[1].buy_links[0].url",
        ),
        (lambda d: d.update(colour="blue"), "colour"),
        (lambda d: d["handoff"].update(email="not-an-email"), "handoff.email"),
    ],
)
def test_a_broken_field_is_named(config_path: Path, change, field: str) -> None:
    edit(config_path, change)
    with pytest.raises(ConfigError) as error:
        load_config(config_path)
    assert f"{field}:" in str(error.value)


@pytest.mark.hostile("penpal.yml")
def test_invalid_yaml_and_missing_file_are_reported(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="file not found"):
        load_config(tmp_path / "nope.yml")
    broken = tmp_path / "broken.yml"
    broken.write_text("writer: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(broken)


def test_secrets_come_from_the_environment(
    config_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PENPAL_HANDOFF_WEBHOOK", "https://hooks.example/penpal")
    assert str(load_config(config_path).handoff.webhook_url) == "https://hooks.example/penpal"
    edit(config_path, lambda d: d["handoff"].update(webhook_url="${PENPAL_UNSET_SECRET}"))
    with pytest.raises(ConfigError, match=r"handoff\.webhook_url: environment variable"):
        load_config(config_path)


@pytest.mark.hostile("penpal.yml")
def test_edits_apply_live_and_a_broken_edit_keeps_the_last_good(config_path: Path) -> None:
    assert current_config().faq["bio"].startswith("Mira Kestrel writes")
    edit(config_path, lambda d: d["faq"].update(bio="Mira now writes cookbooks."))
    assert current_config().faq["bio"] == "Mira now writes cookbooks."
    config_path.write_text("writer: [broken\n")
    assert current_config().faq["bio"] == "Mira now writes cookbooks."


def test_allowed_kinds_and_providers_come_from_the_shared_constants() -> None:
    from pydantic import ValidationError

    from penpal.config import NEWSLETTER_PROVIDERS, Feed, NewsletterSettings
    from penpal.db.models import ITEM_KINDS

    for kind in ITEM_KINDS:
        assert Feed(url="https://example.org/feed", kind=kind).kind == kind
    with pytest.raises(ValidationError):
        Feed(url="https://example.org/feed", kind="podcast")
    NewsletterSettings(provider="smtp")
    assert set(NEWSLETTER_PROVIDERS) == {"smtp", "mailchimp", "buttondown"}
    with pytest.raises(ValidationError):
        NewsletterSettings(provider="sendgrid")
