import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from penpal.channels.rest import DEFAULT_APOLOGY, PenpalRestInput


def handle(connector: PenpalRestInput, reply: str | None) -> list[dict]:
    async def on_new_message(message: UserMessage) -> None:
        if reply is not None:
            await message.output_channel.send_text_message(message.sender_id, reply)

    output = CollectingOutputChannel()
    asyncio.run(connector._never_silent(on_new_message)(UserMessage("hi", output, "reader")))
    return output.messages


def test_a_turn_with_replies_is_left_alone() -> None:
    assert [m["text"] for m in handle(PenpalRestInput(), "Hello!")] == ["Hello!"]


def test_a_silent_turn_gets_the_configured_apology() -> None:
    connector = PenpalRestInput.from_credentials({"apology": "Oops, try again."})
    assert [m["text"] for m in handle(connector, None)] == ["Oops, try again."]
    assert PenpalRestInput.from_credentials(None).apology == DEFAULT_APOLOGY
    assert PenpalRestInput.name() == "rest"
