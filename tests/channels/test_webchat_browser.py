"""The web chat page in a real browser (Debian's headless Chromium, driven by Playwright).

Open the page, chat, click a button, reload and find the conversation still
there, then receive a message pushed by the server. A screenshot of the end
state is kept in results/screenshots/ (scripts/ensure-browser installs Chromium).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect, sync_playwright

from penpal.push import RasaPusher
from tests.channels.conftest import PROJECT, Channels
from tests.conftest import _skip_or_fail

pytestmark = pytest.mark.e2e

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
SCREENSHOTS = PROJECT / "results" / "screenshots"
WAIT_MS = 60_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not CHROMIUM.exists():
        _skip_or_fail(f"{CHROMIUM} is missing: run scripts/ensure-browser (as root) to install it")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def session_of(page: Page) -> str:
    expect(page.locator("body[data-session]:not([data-session=''])")).to_be_attached(
        timeout=WAIT_MS)
    return page.locator("body").get_attribute("data-session")


def test_chat_click_reload_and_receive_a_push(channels: Channels, browser: Browser) -> None:
    page = browser.new_page()
    transcript = page.locator("#transcript")
    bot = transcript.locator(".message--bot")
    user = transcript.locator(".message--user")

    page.goto(f"{channels.stack.rasa_url}/chat")
    session_id = session_of(page)
    page.fill("#message", "what can you do?")
    page.press("#message", "Enter")
    offer = bot.filter(has_text="I can recommend")
    expect(offer).to_have_count(1, timeout=WAIT_MS)
    replies_before_click = bot.count()
    offer.get_by_role("button", name="About the writer").click()
    expect(user.last).to_have_text("About the writer")
    expect(bot.nth(replies_before_click)).to_be_visible(timeout=WAIT_MS)
    answer = bot.nth(replies_before_click).inner_text()

    page.reload()
    assert session_of(page) == session_id
    expect(bot.first).to_contain_text("I'm a bot, not", timeout=WAIT_MS)  # the disclosure
    expect(user).to_have_text(["what can you do?", "About the writer"], timeout=WAIT_MS)
    expect(bot.filter(has_text="I can recommend")).to_have_count(1)
    expect(bot.filter(has_text=answer)).to_have_count(1)

    RasaPusher(channels.stack.rasa_url).trigger(
        f"socketio:{session_id}", "bot_challenge", "socketio")
    expect(bot.last).to_contain_text("Yes, I'm a bot", timeout=WAIT_MS)
    page.reload()  # the pushed message stays, and nothing the reader did not type appears
    expect(bot.last).to_contain_text("Yes, I'm a bot", timeout=WAIT_MS)
    expect(user).to_have_text(["what can you do?", "About the writer"])

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "webchat.png"), full_page=True)
    page.close()
