"""The writer's configuration file (``penpal.yml``), loaded and validated.

Secrets never live in the file: a value written as ``${NAME}`` is read from the
environment (``${NAME:-default}`` gives a default). A broken file raises
:class:`ConfigError` naming the field, so the assistant refuses to start
instead of answering readers with half a configuration.
"""

from __future__ import annotations

import logging
import os
import re
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import AnyHttpUrl, BaseModel, EmailStr, Field, HttpUrl, ValidationError, validator

from penpal.db.models import ITEM_KINDS

log = logging.getLogger(__name__)

DEFAULT_CONFIG_PATH = Path("penpal.yml")
_ENV_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")

# The FAQ topics readers can ask about; each has an intent ``faq_<topic>`` in
# the NLU data, and its answer comes from ``faq.<topic>`` in penpal.yml.
FAQ_TOPICS = ("bio", "books", "buy", "contact", "press")
NEWSLETTER_PROVIDERS = ("smtp", "mailchimp", "buttondown")


def _one_of(values: tuple[str, ...]) -> str:
    """A pattern that matches exactly one of ``values``."""
    return "^(" + "|".join(re.escape(value) for value in values) + ")$"


class ConfigError(Exception):
    """penpal.yml is missing, unreadable or has an invalid field."""


class _Strict(BaseModel):
    class Config:
        extra = "forbid"
        anystr_strip_whitespace = True


class Link(_Strict):
    label: str = Field(..., min_length=1)
    url: HttpUrl


class Book(_Strict):
    title: str = Field(..., min_length=1)
    year: int | None = Field(default=None, ge=1000, le=3000)
    summary: str = ""
    buy_links: list[Link] = Field(default_factory=list)


class Writer(_Strict):
    name: str = Field(..., min_length=1, max_length=100)
    bio: str = Field(..., min_length=1)
    website: HttpUrl | None = None
    links: list[Link] = Field(default_factory=list)


class HandoffSettings(_Strict):
    """How a reader's request for a human reaches the writer."""

    webhook_url: AnyHttpUrl | None = None
    email: EmailStr | None = None
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_sender: EmailStr = Field(default="penpal@localhost")
    reply_within: str = Field(default="a few days", min_length=1)
    timeout_seconds: float = Field(default=5.0, gt=0, le=60)


class Feed(_Strict):
    """A feed of the writer's work that Penpal keeps in sync."""

    url: AnyHttpUrl
    kind: str = Field(default="article", regex=_one_of(ITEM_KINDS))
    topics: list[str] = Field(default_factory=list)  # added to every item of the feed


class CatalogSettings(_Strict):
    feeds: list[Feed] = Field(default_factory=list)
    sync_minutes: int = Field(default=60, ge=5, le=10080)


class EventsSettings(_Strict):
    """Events: reminders before each one, and ICS feeds kept in sync."""

    reminder_hours: list[float] = Field(default_factory=lambda: [24.0, 1.0])
    feeds: list[AnyHttpUrl] = Field(default_factory=list)  # ICS URLs
    sync_minutes: int = Field(default=60, ge=5, le=10080)
    timezone: str = "UTC"  # for events whose times carry no zone

    @validator("reminder_hours", each_item=True)
    def _hours_positive(cls, hours: float) -> float:
        if not 0 < hours <= 24 * 30:
            raise ValueError("reminder hours must be between 0 and 720")
        return hours

    @validator("timezone")
    def _known_zone(cls, name: str) -> str:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {name!r}") from error
        return name


class MailchimpSettings(_Strict):
    api_key: str | None = None  # ends with the data centre, e.g. "...-us21"
    list_id: str | None = None
    base_url: AnyHttpUrl | None = None  # default: https://<dc>.api.mailchimp.com


class ButtondownSettings(_Strict):
    api_key: str | None = None
    base_url: AnyHttpUrl = Field(default="https://api.buttondown.email")


class NewsletterSettings(_Strict):
    """The newsletter: where the list is kept, and how readers join it."""

    provider: str = Field(default="smtp", regex=_one_of(NEWSLETTER_PROVIDERS))
    sender: EmailStr = Field(default="newsletter@localhost")
    smtp_host: str = "localhost"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    frequencies: list[str] = Field(default_factory=lambda: ["weekly", "monthly"], min_items=1)
    link_expiry_hours: int = Field(default=48, ge=1, le=24 * 30)
    consent_text: str = Field(
        default="I'd like to receive the newsletter by email. I can unsubscribe at any time.",
        min_length=1,
    )
    timeout_seconds: float = Field(default=10.0, gt=0, le=60)
    retries: int = Field(default=3, ge=0, le=10)
    mailchimp: MailchimpSettings = Field(default_factory=MailchimpSettings)
    buttondown: ButtondownSettings = Field(default_factory=ButtondownSettings)

    @validator("frequencies", each_item=True)
    def _frequency_not_blank(cls, frequency: str) -> str:
        if not frequency.strip():
            raise ValueError("a frequency may not be blank")
        return frequency.strip().lower()

    @validator("buttondown")
    def _provider_configured(cls, buttondown: ButtondownSettings, values: dict) -> Any:
        provider = values.get("provider")
        mailchimp = values.get("mailchimp")
        if provider == "mailchimp" and mailchimp and not (mailchimp.api_key and mailchimp.list_id):
            raise ValueError("the mailchimp provider needs mailchimp.api_key and list_id")
        if provider == "buttondown" and not buttondown.api_key:
            raise ValueError("the buttondown provider needs buttondown.api_key")
        return buttondown


class FollowSettings(_Strict):
    """Topic follows: how many new-item notices a reader gets at most per day."""

    max_notices_per_day: int = Field(default=3, ge=1, le=100)


class PenpalConfig(_Strict):
    writer: Writer
    books: list[Book] = Field(default_factory=list)
    faq: dict[str, str]
    topics: list[str] = Field(..., min_items=1)
    retention_days: int = Field(..., ge=1, le=3650)
    handoff: HandoffSettings = Field(default_factory=HandoffSettings)
    catalog: CatalogSettings = Field(default_factory=CatalogSettings)
    newsletter: NewsletterSettings = Field(default_factory=NewsletterSettings)
    follows: FollowSettings = Field(default_factory=FollowSettings)
    events: EventsSettings = Field(default_factory=EventsSettings)
    # Where readers reach the links in Penpal's messages: the Rasa server's public
    # address (penpal.channels.links serves them there).
    public_url: AnyHttpUrl = Field(default="http://localhost:5005")

    @validator("faq")
    def _every_faq_topic_answered(cls, faq: dict[str, str]) -> dict[str, str]:
        missing = [topic for topic in FAQ_TOPICS if not (faq.get(topic) or "").strip()]
        if missing:
            raise ValueError(f"needs an answer for: {', '.join(missing)}")
        unknown = sorted(set(faq) - set(FAQ_TOPICS))
        if unknown:
            raise ValueError(
                f"unknown topic(s) {', '.join(unknown)}; known: {', '.join(FAQ_TOPICS)}"
            )
        return {topic: answer.strip() for topic, answer in faq.items()}

    @validator("topics", each_item=True)
    def _topic_not_blank(cls, topic: str) -> str:
        if not topic.strip():
            raise ValueError("a topic may not be blank")
        return topic.strip().lower()


def _expand_env(value: Any, path: str) -> Any:
    if isinstance(value, dict):
        return {key: _expand_env(item, f"{path}.{key}") for key, item in value.items()}
    if isinstance(value, list):
        return [_expand_env(item, f"{path}[{index}]") for index, item in enumerate(value)]
    if not isinstance(value, str):
        return value

    def substitute(match: re.Match[str]) -> str:
        name, default = match.group(1), match.group(2)
        if name in os.environ:
            return os.environ[name]
        if default is not None:
            return default
        raise ConfigError(f"{path.lstrip('.')}: environment variable {name} is not set")

    expanded = _ENV_REFERENCE.sub(substitute, value)
    return None if expanded == "" and value != "" else expanded


def _field_path(location: tuple[Any, ...]) -> str:
    path = ""
    for part in location:
        if part == "__root__":
            continue
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path.lstrip(".")


def load_config(path: Path | str = DEFAULT_CONFIG_PATH) -> PenpalConfig:
    """Read and validate penpal.yml; raise ConfigError naming the bad field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise ConfigError(f"{path}: file not found") from error
    except yaml.YAMLError as error:
        raise ConfigError(f"{path}: not valid YAML: {error}") from error
    if not isinstance(raw, dict):
        raise ConfigError(f"{path}: expected a mapping of settings at the top level")
    try:
        return PenpalConfig.parse_obj(_expand_env(raw, ""))
    except ConfigError as error:
        raise ConfigError(f"{path}: {error}") from error
    except ValidationError as error:
        problems = "; ".join(
            f"{_field_path(item['loc'])}: {item['msg']}" for item in error.errors()
        )
        raise ConfigError(f"{path}: {problems}") from error


@lru_cache(maxsize=4)
def _load_cached(path: str, modified_ns: int) -> PenpalConfig:
    return load_config(path)


_last_good: dict[str, PenpalConfig] = {}


def current_config(path: Path | str | None = None) -> PenpalConfig:
    """The configuration as the file is now: edits apply without a restart.

    Cached by modification time, so reading it on every message costs a stat.
    If an edit breaks the file while Penpal runs, the error is logged and the
    last good configuration stays in use; with none, ConfigError is raised.
    """
    resolved = str(path or os.environ.get("PENPAL_CONFIG", DEFAULT_CONFIG_PATH))
    try:
        config = _load_cached(resolved, Path(resolved).stat().st_mtime_ns)
    except (OSError, ConfigError) as error:
        if resolved not in _last_good:
            raise error if isinstance(error, ConfigError) else ConfigError(str(error)) from error
        log.error("%s; still using the last good configuration", error)
        return _last_good[resolved]
    _last_good[resolved] = config
    return config
