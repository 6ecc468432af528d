"""The newsletter in chat: the signup form, confirming by code, preferences, leaving.

Also delivers the writer's broadcasts (``EXTERNAL_newsletter_broadcast``).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions import services
from actions.guard import GuardedAction, blocking
from actions.tracking import latest_entity
from penpal.newsletter import (
    InvalidEmail,
    find_code,
    parse_email,
    pick_frequency,
    pick_topics,
)
from penpal.newsletter.broadcast import broadcast_text
from penpal.newsletter.providers import ProviderError

FORM_SLOTS = ("newsletter_email", "newsletter_topics", "newsletter_frequency")
# Whoever typed a code is not shown the address: these replies do not name it.
CONFIRM_RESPONSES = {
    "confirmed": "utter_newsletter_confirm_confirmed",
    "already": "utter_newsletter_confirm_already",
    "expired": "utter_newsletter_confirm_expired",
    "unknown": "utter_newsletter_confirm_unknown",
    "blocked": "utter_newsletter_confirm_blocked",
}


def reset_form_slots() -> list[EventType]:
    return [SlotSet(slot, None) for slot in FORM_SLOTS]


def _text(tracker: Tracker) -> str:
    return tracker.latest_message.get("text") or ""


class NewsletterAction(GuardedAction):
    """If the list or its mail cannot be reached, the reader is told so."""

    apology = "utter_newsletter_failed"
    failures: ClassVar[tuple[type[Exception], ...]] = (ProviderError, OSError)


def topics_wanted(tracker: Tracker, known: list[str]) -> list[str]:
    entity = latest_entity(tracker, "topic")
    named = pick_topics(_text(tracker), known)
    if entity and entity.lower() in known and entity.lower() not in named:
        named.append(entity.lower())
    return named


class ValidateNewsletterForm(FormValidationAction):
    def name(self) -> str:
        return "validate_newsletter_form"

    def validate_newsletter_email(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        try:
            return {"newsletter_email": parse_email(str(value or ""))}
        except InvalidEmail as error:
            dispatcher.utter_message(response="utter_newsletter_email_invalid", reason=str(error))
            return {"newsletter_email": None}

    def validate_newsletter_topics(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        known = services.config().topics
        topics = pick_topics(str(value or ""), known)
        if not topics:
            dispatcher.utter_message(response="utter_newsletter_topics_invalid",
                                     topics=", ".join(known))
            return {"newsletter_topics": None}
        return {"newsletter_topics": ", ".join(topics)}

    def validate_newsletter_frequency(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        choices = services.config().newsletter.frequencies
        frequency = pick_frequency(str(value or ""), choices)
        if frequency is None:
            dispatcher.utter_message(response="utter_newsletter_frequency_invalid",
                                     choices=" or ".join(choices))
        return {"newsletter_frequency": frequency}


class ActionAskNewsletterEmail(Action):
    """Shows the consent text from penpal.yml before asking for the address."""

    def name(self) -> str:
        return "action_ask_newsletter_email"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(response="utter_ask_newsletter_email",
                                 consent=services.config().newsletter.consent_text)
        return []


class ActionAskNewsletterTopics(Action):
    def name(self) -> str:
        return "action_ask_newsletter_topics"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topics = services.config().topics
        dispatcher.utter_message(
            response="utter_ask_newsletter_topics", topics=", ".join(topics),
            buttons=[{"title": "All of them", "payload": "all of them"}]
            + [{"title": topic, "payload": topic} for topic in topics],
        )
        return []


class ActionAskNewsletterFrequency(Action):
    def name(self) -> str:
        return "action_ask_newsletter_frequency"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        choices = services.config().newsletter.frequencies
        dispatcher.utter_message(
            response="utter_ask_newsletter_frequency", choices=" or ".join(choices),
            buttons=[{"title": choice, "payload": choice} for choice in choices],
        )
        return []


class ActionNewsletterSubscribe(NewsletterAction):
    """Keeps the completed signup and sends the confirmation email."""

    failures = (*NewsletterAction.failures, ValueError)

    def name(self) -> str:
        return "action_newsletter_subscribe"

    def safe_events(self, tracker: Tracker) -> list[EventType]:
        return reset_form_slots()

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        email = tracker.get_slot("newsletter_email") or ""
        topics = [t.strip() for t in (tracker.get_slot("newsletter_topics") or "").split(",")
                  if t.strip()]
        signup = await blocking(
            services.newsletter().subscribe, tracker.sender_id,
            tracker.get_latest_input_channel(), email, topics,
            tracker.get_slot("newsletter_frequency") or "",
        )
        if signup.outcome == "pending":
            response = ("utter_newsletter_check_inbox" if signup.mail_sent
                        else "utter_newsletter_mail_later")
        else:
            response = f"utter_newsletter_{signup.outcome}"
        dispatcher.utter_message(response=response, email=signup.email)
        return reset_form_slots()


class ActionResetNewsletterForm(Action):
    def name(self) -> str:
        return "action_newsletter_reset_form"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        return reset_form_slots()


class ActionNewsletterConfirm(NewsletterAction):
    """The code from the confirmation email, typed in chat."""

    def name(self) -> str:
        return "action_newsletter_confirm"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        code = find_code(_text(tracker))
        if code is None:
            dispatcher.utter_message(response="utter_newsletter_code_missing")
            return []
        result = await blocking(services.newsletter().confirm_code, tracker.sender_id, code)
        dispatcher.utter_message(response=CONFIRM_RESPONSES[result.outcome])
        return []


class ActionNewsletterUnsubscribe(NewsletterAction):
    def name(self) -> str:
        return "action_newsletter_unsubscribe"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        gone = await blocking(services.newsletter().unsubscribe, tracker.sender_id,
                              tracker.get_latest_input_channel())
        if gone is None:
            dispatcher.utter_message(response="utter_newsletter_not_subscribed")
        else:
            dispatcher.utter_message(response="utter_newsletter_unsubscribed", email=gone.email)
        return []


class ActionNewsletterChange(NewsletterAction):
    """"make it monthly", "only worldbuilding": one message changes the preferences."""

    def name(self) -> str:
        return "action_newsletter_change"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        config = services.config()
        topics = topics_wanted(tracker, config.topics)
        frequency = pick_frequency(_text(tracker), config.newsletter.frequencies)
        if not topics and frequency is None:
            dispatcher.utter_message(response="utter_newsletter_change_what",
                                     choices=" or ".join(config.newsletter.frequencies),
                                     topics=", ".join(config.topics))
            return []
        changed = await blocking(
            services.newsletter().change, tracker.sender_id, topics or None, frequency)
        if changed is None:
            dispatcher.utter_message(response="utter_newsletter_not_subscribed")
        else:
            dispatcher.utter_message(response="utter_newsletter_changed",
                                     topics=", ".join(changed.topics),
                                     frequency=changed.frequency)
        return []


class ActionNewsletterBroadcast(GuardedAction):
    """Says the writer's broadcast, pushed with EXTERNAL_newsletter_broadcast.

    If it cannot be read, nothing is said (the reader asked nothing).
    """

    failures = (ValueError,)

    def name(self) -> str:
        return "action_newsletter_broadcast"

    async def act(self, dispatcher: CollectingDispatcher, tracker: Tracker) -> list[EventType]:
        broadcast_id = latest_entity(tracker, "broadcast_id")
        if broadcast_id is None or not broadcast_id.isdigit():
            return []
        text = await blocking(broadcast_text, services.database(), int(broadcast_id))
        if text:
            dispatcher.utter_message(text=text)
        return []
