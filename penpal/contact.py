"""Checking how a reader wants to be reached (an email address or a phone number)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from email_validator import EmailNotValidError, validate_email

_PHONE_PUNCTUATION = re.compile(r"[\s().\-/]")
_PHONE = re.compile(r"\+?\d{7,15}")


class InvalidContact(ValueError):
    """The text is neither a usable email address nor a phone number."""


@dataclass(frozen=True)
class ContactRoute:
    kind: str  # "email" or "phone"
    value: str


def parse_contact(text: str) -> ContactRoute:
    """Normalise an email address or phone number; raise InvalidContact with a reason.

    Email addresses are checked for syntax only (no DNS at run time).
    """
    candidate = (text or "").strip()
    if not candidate:
        raise InvalidContact("it was empty")
    if "@" in candidate:
        try:
            checked = validate_email(candidate, check_deliverability=False)
        except EmailNotValidError as error:
            raise InvalidContact(str(error)) from error
        return ContactRoute("email", checked.normalized)
    digits = _PHONE_PUNCTUATION.sub("", candidate)
    if _PHONE.fullmatch(digits):
        return ContactRoute("phone", digits)
    raise InvalidContact("it is neither an email address nor a phone number")
