"""Keeping personal data out of the logs.

At INFO and above, :class:`RedactPersonalData` replaces in a record's message
(and traceback) with ``[redacted]``:

- email addresses and phone numbers, anywhere;
- any argument wrapped in :func:`personal`;
- what readers typed or told about themselves where Rasa, rasa-sdk and the
  libraries under them put it: the values of the reader's slots
  (:data:`PERSONAL_SLOTS`) and of ``"text"`` in dumped trackers, events and
  messages; the keys of Rasa 3.6's structured log events that carry user text
  (as JSON or as ``key=value``), and the local variables of their tracebacks;
  the response body in a failed call to the action server (it echoes the whole
  tracker); SQLAlchemy's ``[parameters: ...]`` and PostgreSQL's ``Key (...)=(...)``.

Names are no pattern, so they are caught in those places, and Penpal's own log
calls never format a name, a message or a slot value unwrapped. DEBUG records
keep everything, for a developer's machine. A wrapped value prints
``[redacted]`` even where the filter is not installed, so forgetting to install
it fails safe.

    log.info("reminder sent to %s", personal(email))
"""

from __future__ import annotations

import json
import logging
import re
from typing import Any

REDACTED = "[redacted]"

# The slots of domain.yml that hold what a reader said about themselves.
PERSONAL_SLOTS = frozenset({
    "reader_name", "handoff_message", "handoff_contact", "rsvp_name", "rsvp_email",
    "newsletter_email",
})
# Keys of Rasa 3.6's structured log events that carry user text or what was read
# from it (rasa/utils/log_utils.py, ``_anonymizer``), and a traceback's local variables.
_RASA_EVENT_KEYS = frozenset({
    "text", "response_text", "user_text", "slot_values", "parse_data_text",
    "parse_data_entities", "prediction_events", "tracker_latest_message", "prefilled_slots",
    "message", "response", "slot_candidates", "rasa_event", "rasa_events", "tracker_states",
    "current_states", "old_states", "successes", "current_entity", "next_entity", "states",
    "entity", "token_text", "user_message", "json_message", "locals",
})
_REDACTED_KEYS = _RASA_EVENT_KEYS | PERSONAL_SLOTS

_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7+ digits with an optional +, spaces, dashes and brackets; not an ISO date, not part
# of a word or a decimal number.
_PHONE = re.compile(r"(?<![\w.+-])(?!\d{4}-\d\d-\d\d(?!\d))\+?\(?\d(?:[ ()-]*\d){6,}(?![\w.])")


def _quoted(quote: str) -> str:
    """A string literal in single or double quotes; ``quote`` names the group of its quote."""
    return rf"""(?P<{quote}>["'])(?:\\.|(?!(?P={quote})).)*(?P={quote})"""


_SLOT_NAMES = "|".join(sorted(PERSONAL_SLOTS))
# 'reader_name': 'Anna' or "text": "..." in a dumped dict, and a SlotSet event's value.
_DICT_VALUE = re.compile(
    rf"""(?P<key>["'](?:{_SLOT_NAMES}|text)["']\s*:\s*){_quoted("q")}"""
    rf"""|(?P<slot>["']name["']\s*:\s*["'](?:{_SLOT_NAMES})["']\s*,\s*["']value["']\s*:\s*)"""
    rf"""{_quoted("q2")}"""
)
# structlog's console renderer: key=value, the key and value maybe in colour.
_ANSI = r"(?:\x1b\[[\d;]*m)*"
_CONSOLE_VALUE = re.compile(
    rf"(?:^|(?<=\s)|(?<=\[\d\dm))(?P<key>(?:{'|'.join(sorted(_RASA_EVENT_KEYS))}){_ANSI}={_ANSI})"
    rf".*?(?=\x1b\[0m|\s+{_ANSI}\w+{_ANSI}=|$)",
    re.MULTILINE,
)
# rasa.utils.endpoints.ClientResponseError: "500, Internal Server Error, body='...'"
_RESPONSE_BODY = re.compile(r"(?P<head>\b\d{3}, [^,\n]*, body=)'.*'$", re.MULTILINE)
_SQL_PARAMETERS = re.compile(r"^\[parameters: .*$", re.MULTILINE)
_KEY_DETAIL = re.compile(
    r"(?P<head>\bKey \([^\n]*?\)=\()[^\n]*?"
    r"(?P<tail>\) (?:already exists|is not present|is still referenced|conflicts))"
)


class Personal:
    """A log argument that is personal: shown only in DEBUG records."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __str__(self) -> str:
        return REDACTED

    __repr__ = __str__


def personal(value: Any) -> Personal:
    """Mark a log argument as personal data."""
    return Personal(value)


def redact(text: str) -> str:
    """``text`` without the personal data of the shapes above."""
    stripped = text.strip()
    if stripped.startswith("{") and stripped.endswith("}"):  # Rasa's JSON log lines
        try:
            event = json.loads(stripped)
        except ValueError:
            pass
        else:
            if isinstance(event, dict):
                return json.dumps(_redact_json(event))
    return _redact_text(text)


def _redact_json(value: Any) -> Any:
    if isinstance(value, dict):
        return {key: REDACTED if key in _REDACTED_KEYS and item not in (None, "", [], {})
                else _redact_json(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_redact_json(item) for item in value]
    if isinstance(value, str):
        return _redact_text(value)
    return value


def _redact_text(text: str) -> str:
    text = _SQL_PARAMETERS.sub(f"[parameters: {REDACTED}]", text)
    text = _KEY_DETAIL.sub(rf"\g<head>{REDACTED}\g<tail>", text)
    text = _RESPONSE_BODY.sub(rf"\g<head>'{REDACTED}'", text)
    text = _DICT_VALUE.sub(_quoted_redacted, text)
    text = _CONSOLE_VALUE.sub(rf"\g<key>{REDACTED}", text)
    return _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, text))


def _quoted_redacted(match: re.Match[str]) -> str:
    if match["key"] is not None:
        return f"{match['key']}{match['q']}{REDACTED}{match['q']}"
    return f"{match['slot']}{match['q2']}{REDACTED}{match['q2']}"


class RedactPersonalData(logging.Filter):
    """Redacts personal data from records at INFO and above (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno < logging.INFO:
            record.args = _unwrap(record.args)
            return True
        try:
            message = record.getMessage()
        except (TypeError, ValueError):  # a broken call: never let its arguments through
            message = f"{record.msg} [arguments not shown: they do not fit the message]"
        record.msg = redact(message)
        record.args = None
        for key, value in list(vars(record).items()):  # ``extra``: Sanic's access log line
            if key not in _RECORD_FIELDS and isinstance(value, str):
                setattr(record, key, redact(value))
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        record.exc_info = None  # formatters that render it themselves would show it whole
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


_RECORD_FIELDS = frozenset(vars(logging.makeLogRecord({}))) | {"message", "asctime"}
_REDACTOR = RedactPersonalData()
_add_handler = logging.Logger.addHandler


def install() -> None:
    """Redact in every log handler of this process, now and added later; idempotent.

    A filter on a handler sees every record it writes, also those that propagate
    from other loggers. Handlers exist on the root logger and on loggers of their
    own (Sanic's ``sanic.root``, ``sanic.error``, ``sanic.access``), and logging
    is often configured after start-up code runs (Sanic's ``dictConfig``,
    ``basicConfig``, coloredlogs), so ``Logger.addHandler`` guards new handlers too.
    """
    # a deliberate patch of the stdlib method; mypy rejects any assignment to a method
    logging.Logger.addHandler = _add_guarded_handler  # type: ignore[method-assign]
    loggers = [logging.getLogger(), *logging.Logger.manager.loggerDict.values()]
    for logger in loggers:
        for handler in getattr(logger, "handlers", ()):  # placeholders have none
            _guard(handler)
    if logging.lastResort is not None:  # writes WARNING+ when no handler is configured
        _guard(logging.lastResort)


def _add_guarded_handler(self: logging.Logger, hdlr: logging.Handler) -> None:
    # named as in Logger.addHandler, which callers may pass by keyword
    _guard(hdlr)
    _add_handler(self, hdlr)


def _guard(handler: logging.Handler) -> None:
    if not any(isinstance(found, RedactPersonalData) for found in handler.filters):
        handler.addFilter(_REDACTOR)


def _unwrap(args: Any) -> Any:
    """Record arguments with the values of the :class:`Personal` ones."""
    def value(arg: Any) -> Any:
        return arg.value if isinstance(arg, Personal) else arg

    if isinstance(args, tuple):
        return tuple(value(arg) for arg in args)
    if isinstance(args, dict):
        return {key: value(arg) for key, arg in args.items()}
    return args
