import pytest

from penpal.recommend.filters import SHORT_MINUTES, Filters
from penpal.recommend.query import LONG_MINUTES, content_request, keyword_query


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ("recommend something to read", ""),
        ("What should I read next?", ""),
        ("do you have anything on sea monsters?", "sea monsters"),
        ("Any essays about tidal MAPS 🗺️", "tidal maps"),
        ("something short about worldbuilding", "worldbuilding"),
        ("", ""),
        ("😀🎉", ""),
        ("anything on the history of lighthouses " + "lighthouse " * 50,
         "history lighthouses lighthouse lighthouse lighthouse lighthouse lighthouse lighthouse"),
    ],
)
def test_the_request_vocabulary_is_removed(text: str, query: str) -> None:
    assert keyword_query(text) == query


def test_words_understood_as_filters_are_removed() -> None:
    assert keyword_query("a podcast about worldbuilding", frozenset({"worldbuilding"})) == ""


TOPICS = ["maps", "worldbuilding", "writing life"]


def test_entities_become_filters_and_the_rest_a_query() -> None:
    request = content_request("a short podcast about maps", "maps", "episode", "short", TOPICS)
    assert request.filters == Filters(
        topics=frozenset({"maps"}), kinds=frozenset({"episode"}), max_minutes=SHORT_MINUTES)
    assert (request.query, request.unknown_topic) == ("", None)


def test_leftover_words_beside_a_known_topic_are_no_query() -> None:
    request = content_request("a short piece on maps of drowned cities", "maps", None, None,
                              TOPICS)
    assert request.query == ""


def test_free_keywords_are_a_query() -> None:
    request = content_request("anything on sea monsters?", None, None, None, TOPICS)
    assert request.filters == Filters()
    assert request.query == "sea monsters"


def test_a_topic_the_catalogue_lacks_is_reported() -> None:
    request = content_request("anything about cooking", "cooking", None, "long", TOPICS)
    assert request.unknown_topic == "cooking"
    assert request.query == "cooking"
    assert request.filters == Filters(min_minutes=LONG_MINUTES)


def test_the_writers_name_is_not_a_keyword() -> None:
    request = content_request("anything new by Mira Kestrel?", None, None, None, TOPICS,
                              writer_name="Mira Kestrel")
    assert request.query == ""


def test_a_filler_word_tagged_as_topic_is_ignored() -> None:
    request = content_request("recommend something", "something", None, None, TOPICS)
    assert request == content_request("recommend something", None, None, None, TOPICS)
