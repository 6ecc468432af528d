"""Keeping personal data out of the logs.

At INFO and above, :class:`RedactPersonalData` replaces email addresses and
phone numbers in a record's message (and traceback) with ``[redacted]``, and
so does any argument wrapped in :func:`personal`. DEBUG records keep them, for
a developer's machine. A wrapped value prints ``[redacted]`` even where the
filter is not installed, so forgetting to install it fails safe.

    log.info("reminder sent to %s", personal(email))
"""

from __future__ import annotations

import logging
import re
from typing import Any

REDACTED = "[redacted]"
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
# 7+ digits with an optional +, spaces, dashes and brackets; not an ISO date, not part
# of a word or a decimal number.
_PHONE = re.compile(r"(?<![\w.+-])(?!\d{4}-\d\d-\d\d(?!\d))\+?\(?\d(?:[ ()-]*\d){6,}(?![\w.])")


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
    """``text`` without email addresses and phone numbers."""
    return _PHONE.sub(REDACTED, _EMAIL.sub(REDACTED, text))


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
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> RedactPersonalData:
    """Add the filter to every handler of ``logger`` (default: the root logger).

    Call it after logging is configured; handlers added later are not covered.
    Filters on handlers also see records that propagate from child loggers.
    """
    redactor = RedactPersonalData()
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(found, RedactPersonalData) for found in handler.filters):
            handler.addFilter(redactor)
    return redactor


def _unwrap(args: Any) -> Any:
    """Record arguments with the values of the :class:`Personal` ones."""
    def value(arg: Any) -> Any:
        return arg.value if isinstance(arg, Personal) else arg

    if isinstance(args, tuple):
        return tuple(value(arg) for arg in args)
    if isinstance(args, dict):
        return {key: value(arg) for key, arg in args.items()}
    return args
