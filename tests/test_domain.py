"""The domain and the action code agree: no action or response name is left dangling."""

import importlib
import inspect
import pkgutil
import re
from pathlib import Path

import yaml
from rasa_sdk import Action

import actions

PROJECT = Path(__file__).resolve().parents[1]

DOMAIN = yaml.safe_load((PROJECT / "domain.yml").read_text())


def implemented_actions() -> set[str]:
    for module in pkgutil.iter_modules(actions.__path__):
        importlib.import_module(f"actions.{module.name}")
    found, pending = set(), list(Action.__subclasses__())
    while pending:
        cls = pending.pop()
        pending += cls.__subclasses__()
        if cls.__module__.startswith("actions.") and not inspect.isabstract(cls):
            found.add(cls().name())
    return found


def test_every_custom_action_in_the_domain_is_implemented_and_vice_versa() -> None:
    assert implemented_actions() == set(DOMAIN["actions"])


def test_every_response_the_actions_send_exists() -> None:
    used = {
        name
        for path in (PROJECT / "actions").glob("*.py")
        for name in re.findall(r"\"(utter_\w+)\"", path.read_text())
    }
    assert used, "the pattern found nothing: the test would prove nothing"
    assert used <= set(DOMAIN["responses"]), used - set(DOMAIN["responses"])


def test_every_faq_topic_has_an_intent() -> None:
    from penpal.config import FAQ_TOPICS

    assert {f"faq_{topic}" for topic in FAQ_TOPICS} <= set(DOMAIN["intents"])
