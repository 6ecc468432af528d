"""What a reader is looking for, from the words of their request.

"do you have anything on sea monsters?" asks for *sea monsters*;
"recommend something to read" asks for nothing in particular. The request's
own vocabulary is removed, and whatever is left is a keyword query.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from penpal.db.models import ITEM_KINDS
from penpal.recommend.filters import SHORT_MINUTES, Filters

_WORD = re.compile(r"[^\W\d_]+(?:['’-][^\W\d_]+)*", re.UNICODE)
MAX_QUERY_WORDS = 8

REQUEST_WORDS = frozenset(
    """
    recommend recommendation recommendations suggest suggestion suggestions
    something anything stuff thing things read reading reads listen listening
    watch watching want wanna like love got give show tell find looking look
    piece pieces content work works
    please pls good great nice new next maybe could would may might
    article articles essay essays post posts blog book books novel novels
    novella story stories episode episodes podcast podcasts video videos
    workshop workshops short quick brief long longer bite sized deep dive
    topic topics subject about penpal her his their she he they you author writer
    """.split()
)


def keyword_query(text: str, known_words: frozenset[str] = frozenset()) -> str:
    """The words of ``text`` that name what the reader wants ('' if none).

    ``known_words`` are removed too: words already understood as a topic,
    kind or length, which the caller turns into filters instead.
    """
    words = [word.lower() for word in _WORD.findall(text or "")]
    kept = [
        word for word in words
        if word not in ENGLISH_STOP_WORDS and word not in REQUEST_WORDS
        and word not in known_words and len(word) > 1
    ]
    return " ".join(kept[:MAX_QUERY_WORDS])


LONG_MINUTES = 20  # "something long"


@dataclass(frozen=True)
class ContentRequest:
    """A reader's request for content.

    ``query``: free keywords to search for ('' to recommend); ``unknown_topic``:
    a topic NLU recognised that the catalogue does not have.
    """

    filters: Filters
    query: str
    unknown_topic: str | None = None


def content_request(
    text: str,
    topic: str | None,
    kind: str | None,
    length: str | None,
    known_topics: list[str],
    writer_name: str = "",
) -> ContentRequest:
    """Turn the words and the entities NLU found into filters and a keyword query.

    The writer's own name is no keyword: "anything by Mira?" asks for anything.
    """
    understood = frozenset(
        word
        for value in (topic, kind, length, writer_name)
        if value
        for word in value.lower().split()
    )
    query = keyword_query(text, understood)
    topic = (topic or "").strip().lower() or None
    if topic not in known_topics and not keyword_query(topic or ""):
        topic = None  # NLU tagged a filler word ("the", "something") as a topic
    filters = Filters(
        topics=frozenset({topic}) if topic in known_topics else frozenset(),
        kinds=frozenset({kind.lower()}) if kind and kind.lower() in ITEM_KINDS else frozenset(),
        max_minutes=SHORT_MINUTES if length == "short" else None,
        min_minutes=LONG_MINUTES if length == "long" else None,
    )
    if topic and topic not in known_topics:
        return ContentRequest(filters, query or topic, unknown_topic=topic)
    # A known topic is the request; leftover words are not a second one.
    return ContentRequest(filters, "" if filters.topics else query)
