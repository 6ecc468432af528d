import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from penpal.channels.rest import DEFAULT_APOLOGY, PenpalRestInput


def handle(connector: PenpalRestInput, reply: str | None) -> list[dict]:
    async def on_new_message(message: UserMessage) -> None:
        if reply is not None:
            await message.output_channel.send_text_message(message.sender_id, reply)

    output = CollectingOutputChannel()
    asyncio.run(connector._answer(UserMessage("hi", output, "rest:reader"), on_new_message))
    return output.messages


def test_a_turn_with_replies_is_left_alone() -> None:
    assert [m["text"] for m in handle(PenpalRestInput(), "Hello!")] == ["Hello!"]


def test_a_failing_turn_gets_the_apology_too() -> None:
    async def on_new_message(message: UserMessage) -> None:
        raise RuntimeError("the action server is down")

    output = CollectingOutputChannel()
    asyncio.run(PenpalRestInput()._answer(UserMessage("hi", output, "rest:r"), on_new_message))
    assert [m["text"] for m in output.messages] == [DEFAULT_APOLOGY]


def test_a_silent_turn_gets_the_configured_apology() -> None:
    connector = PenpalRestInput.from_credentials({"apology": "Oops, try again."})
    assert [m["text"] for m in handle(connector, None)] == ["Oops, try again."]
    assert PenpalRestInput.from_credentials(None).apology == DEFAULT_APOLOGY
    assert PenpalRestInput.name() == "rest"
