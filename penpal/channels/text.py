"""What a reader's text may carry into Penpal, whichever channel it came by.

Control characters (NUL included), the Unicode bidirectional overrides and
isolates, and lone surrogates (which JSON can carry but UTF-8 cannot store)
have no place in a chat message: they break logs, terminals and databases, and
can make a transcript in the writer's console read differently from what was
sent. They are taken out; everything else (emoji, any script) stays as typed.
"""

from __future__ import annotations

import re

_UNWANTED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f"  # C0 (but tab and newline) and C1 controls, DEL
    "\u202a-\u202e\u2066-\u2069"  # bidi embeddings, overrides and isolates
    "\ud800-\udfff]"  # lone surrogates
)


def clean_text(text: str) -> str:
    """``text`` without control characters and bidi overrides."""
    return _UNWANTED.sub("", text)


# What a reader is told when they send something Penpal cannot read (a sticker, a
# file, a location...). The connectors take their own wording from credentials.yml
# (``not_text_reply``, and on Telegram ``voice_reply``); these are the defaults.
NOT_TEXT_REPLY = "I can only read text for now. Could you type that for me?"
VOICE_REPLY = ("I can't listen to voice messages yet, sorry. "
               "Could you type what you said?")
