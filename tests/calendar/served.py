"""The app with PUBLIC_URL set, served over real HTTP (the feed) and reached as Slack does (HTTP or Socket
Mode), for the calendar feed's wire tests."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx
from sqlalchemy import Engine

from bot.config import Settings
from bot.delivery.background import BackgroundDeliverer
from emulator.requests import SlackSender
from emulator.socket_mode_app import SocketModeBot, SocketModeSender
from emulator.web_api import APP_TOKEN, SlackEmulator
from tests.conftest import FakeClock, app_under_test, http_sender, serving, socket_mode_sender
from tests.slack.helpers import reply_text

# Where the bot says it is; a feed address is fetched from where the test serves it (a proxy's job).
PUBLIC_URL = "https://bot.example.com"


@dataclass
class FeedApp:
    sender: SlackSender | SocketModeSender
    url: str  # the served app's own base URL

    def feed_url(self, user_id: str, *, reset: bool = False) -> str:
        """The address `/1on1 calendar [reset]` gives `user_id`, as the test reaches it."""
        text = reply_text(self.sender.command("calendar reset" if reset else "calendar", user_id=user_id))
        start = text.index(PUBLIC_URL + "/calendar/")
        end = text.index(".ics", start) + len(".ics")
        return self.url + text[start + len(PUBLIC_URL) : end]

    def get(self, url: str, **headers: str) -> httpx.Response:
        return httpx.get(url, headers=headers, timeout=10)


@contextmanager
def feed_app(
    transport: str, settings: Settings, engine: Engine, clock: FakeClock, emulator: SlackEmulator
) -> Iterator[FeedApp]:
    settings = replace(settings, slack_api_url=emulator.url, public_url=PUBLIC_URL)
    if transport == "socket_mode":
        settings = replace(settings, app_token=APP_TOKEN)
    app, later, deliverer = app_under_test(settings, engine, clock)
    assert isinstance(deliverer, BackgroundDeliverer)
    try:
        with serving(app, engine, clock) as url:
            if transport == "http":
                with http_sender(url, emulator, later, deliverer, app) as sender:
                    yield FeedApp(sender, url)
            else:
                with SocketModeBot(app, APP_TOKEN):
                    yield FeedApp(socket_mode_sender(emulator, later, deliverer, app), url)
    finally:
        deliverer.stop()
