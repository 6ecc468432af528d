import pytest
import yaml

from actions.faq import ActionAnswerFaq
from tests.support.rasa import responses, run, tracker


@pytest.mark.parametrize("topic", ["bio", "books", "buy", "contact", "press"])
def test_each_faq_intent_is_answered_from_penpal_yml(config_path, topic) -> None:
    expected = yaml.safe_load(config_path.read_text())["faq"][topic].strip()
    messages, _ = run(ActionAnswerFaq(), tracker(intent=f"faq_{topic}"))
    assert messages[0]["text"].startswith(expected)


def test_an_edited_answer_is_used_without_retraining(config_path) -> None:
    data = yaml.safe_load(config_path.read_text())
    data["faq"]["press"] = "Press: ask my agent, Rook Literary."
    config_path.write_text(yaml.safe_dump(data))
    messages, _ = run(ActionAnswerFaq(), tracker(intent="faq_press"))
    assert messages[0]["text"] == "Press: ask my agent, Rook Literary."


def test_an_unexpected_intent_gets_an_honest_reply(config_path) -> None:
    messages, events = run(ActionAnswerFaq(), tracker(intent="faq_recipes"))
    assert responses(messages) == ["utter_faq_unavailable"]
    assert events == []
