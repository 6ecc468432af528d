"""Personal data stays out of INFO+ logs; DEBUG keeps it for a developer."""

import logging
from collections.abc import Iterator

import pytest

from penpal.logfilter import RedactPersonalData, install, personal, redact

log = logging.getLogger("penpal.test")
EMAIL, PHONE = "anna.b+books@example.org", "+49 30 123-4567"


@pytest.fixture
def redacting(caplog: pytest.LogCaptureFixture) -> Iterator[RedactPersonalData]:
    caplog.set_level(logging.DEBUG)
    redactor = install()
    yield redactor
    for handler in logging.getLogger().handlers:
        handler.removeFilter(redactor)


@pytest.mark.parametrize("level", [logging.INFO, logging.WARNING, logging.ERROR])
def test_emails_and_phones_are_redacted_at_info_and_above(
    caplog: pytest.LogCaptureFixture, redacting: RedactPersonalData, level: int
) -> None:
    log.log(level, f"reply to {EMAIL} or call {PHONE} today")
    log.log(level, "reply to %s or call %s", EMAIL, PHONE)
    log.log(level, "reader %s asked", personal("Anna Quill"))

    assert caplog.messages == [
        "reply to [redacted] or call [redacted] today",
        "reply to [redacted] or call [redacted]",
        "reader [redacted] asked",
    ]
    assert EMAIL not in caplog.text and "Anna" not in caplog.text


def test_debug_records_keep_them(
    caplog: pytest.LogCaptureFixture, redacting: RedactPersonalData
) -> None:
    log.debug("reply to %s or call %s", EMAIL, PHONE)
    log.debug("reader %s asked", personal("Anna Quill"))

    assert caplog.messages == [f"reply to {EMAIL} or call {PHONE}", "reader Anna Quill asked"]


def test_tracebacks_are_redacted(
    caplog: pytest.LogCaptureFixture, redacting: RedactPersonalData
) -> None:
    try:
        raise ValueError(f"duplicate key: {EMAIL}")
    except ValueError:
        log.exception("could not subscribe")

    assert "duplicate key: [redacted]" in caplog.text and EMAIL not in caplog.text


def test_install_is_idempotent(redacting: RedactPersonalData) -> None:
    install()
    for handler in logging.getLogger().handlers:
        assert sum(isinstance(f, RedactPersonalData) for f in handler.filters) == 1


def test_a_personal_value_is_hidden_even_without_the_filter() -> None:
    assert str(personal("Anna")) == repr(personal("Anna")) == "[redacted]"
    assert "%s" % personal(EMAIL) == "[redacted]"  # noqa: UP031 - the way logging formats


def test_what_is_not_personal_stays_readable() -> None:
    line = "2026-11-23 13:14:36,123 handoff 42 stored in 0.1234567 s; 3 readers, id abc1234567"
    assert redact(line) == line
    assert redact("(030) 1234567") == "[redacted]"


def test_a_broken_log_call_shows_no_arguments(
    caplog: pytest.LogCaptureFixture, redacting: RedactPersonalData
) -> None:
    log.warning("reader %d", personal("Anna"))

    assert caplog.messages == ["reader %d [arguments not shown: they do not fit the message]"]
