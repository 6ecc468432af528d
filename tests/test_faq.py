import pytest

from penpal import faq
from penpal.config import load_config


def test_answers_come_from_the_configuration(config_path) -> None:
    config = load_config(config_path)
    assert faq.answer(config, "bio") == config.faq["bio"]
    buy = faq.answer(config, "buy")
    assert "The Salt Cartographer: Bookshop https://bookshop.example/salt-cartographer" in buy
    assert "Audiobook https://audio.example/inkwell-atlas" in buy
    assert "https://writing.example/@mira" in faq.answer(config, "contact")


def test_an_unknown_topic_is_refused(config_path) -> None:
    with pytest.raises(faq.UnknownTopic):
        faq.answer(load_config(config_path), "recipes")
