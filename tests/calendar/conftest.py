"""The calendar tests' app: PUBLIC_URL set, served once per module and transport (served.py), and for
each test a clean emulator with the people in it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine

from bot.config import Settings
from bot.store.db import SessionFactory
from emulator.web_api import SlackEmulator
from tests.calendar.served import FeedApp, feed_app
from tests.conftest import FakeClock, reset_around
from tests.slack.people import add_people


@pytest.fixture(scope="module", params=["http", "socket_mode"])
def served(
    request: pytest.FixtureRequest,
    settings: Settings,
    engine: Engine,
    _clock: FakeClock,
    own_emulator: SlackEmulator,
) -> Iterator[FeedApp]:
    with feed_app(request.param, settings, engine, _clock, own_emulator) as app:
        yield app


@pytest.fixture
def app(served: FeedApp, own_emulator: SlackEmulator, sessions: SessionFactory) -> Iterator[FeedApp]:
    # `sessions` (a clean database after each test) is asked for so that it wraps the test.
    for emulator in reset_around(own_emulator):
        add_people(emulator)
        yield served
