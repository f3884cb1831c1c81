"""People's time zones: the cache while it is fresh, Slack when it is not, and what stands in when Slack
can't say."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from bot.services.pairs import Actor
from bot.services.people import (
    DirectoryError,
    NotCached,
    SlackBusy,
    UnknownPerson,
    timezone_of,
    timezones,
)
from bot.store.db import SessionFactory
from bot.store.models import Person
from tests.services.conftest import SET_UP, Weekly
from tests.services.people import ALICE, AS_ALICE, BERLIN, BOB, CAROL, TEAM

TOKYO = "Asia/Tokyo"
A_DAY = timedelta(hours=24)


class FakeDirectory:
    """Slack's answers: a zone per person, or an error to raise; records whom it was asked about."""

    def __init__(self, answers: dict[str, str | Exception]) -> None:
        self.answers = answers
        self.asked: list[str] = []

    def timezone(self, slack_user_id: str) -> str:
        self.asked.append(slack_user_id)
        answer = self.answers[slack_user_id]
        if isinstance(answer, Exception):
            raise answer
        return answer


def cached(sessions: SessionFactory) -> dict[str, tuple[str | None, datetime | None]]:
    with sessions() as session:
        return {p.slack_user_id: (p.timezone, p.timezone_checked_at) for p in session.scalars(select(Person))}


def test_a_zone_checked_less_than_a_day_ago_is_not_asked_again(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    directory = FakeDirectory({ALICE: TOKYO, BOB: TOKYO})
    just_fresh = SET_UP + A_DAY - timedelta(seconds=1)
    assert timezones(sessions, directory, just_fresh, TEAM, [ALICE, BOB, ALICE]) == {
        ALICE: BERLIN,
        BOB: BERLIN,
    }
    assert directory.asked == []


def test_a_zone_a_day_old_is_asked_again_and_remembered(sessions: SessionFactory, weekly: Weekly) -> None:
    directory = FakeDirectory({ALICE: TOKYO, BOB: TOKYO})
    now = SET_UP + A_DAY
    assert timezones(sessions, directory, now, TEAM, [ALICE, BOB, ALICE]) == {ALICE: TOKYO, BOB: TOKYO}
    assert directory.asked == [ALICE, BOB]  # each once
    assert cached(sessions) == {ALICE: (TOKYO, now), BOB: (TOKYO, now)}


def test_looking_up_someone_unknown_stores_nobody(sessions: SessionFactory) -> None:
    directory = FakeDirectory({CAROL: TOKYO})
    assert timezone_of(sessions, directory, SET_UP, Actor(TEAM, CAROL)) == TOKYO
    assert cached(sessions) == {}


def test_while_slack_waits_for_an_ack_a_stale_zone_stands_in(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    directory = FakeDirectory({ALICE: NotCached()})
    later = SET_UP + 2 * A_DAY
    assert timezone_of(sessions, directory, later, AS_ALICE) == BERLIN
    assert cached(sessions)[ALICE] == (BERLIN, SET_UP)  # not refreshed: that happens after the ack


def test_while_slack_waits_for_an_ack_a_zone_never_seen_is_asked_for_after_it(
    sessions: SessionFactory,
) -> None:
    with pytest.raises(NotCached):
        timezone_of(sessions, FakeDirectory({ALICE: NotCached()}), SET_UP, AS_ALICE)


def test_when_slack_cannot_say_a_stale_zone_or_utc_stands_in_with_a_warning(
    sessions: SessionFactory, weekly: Weekly, caplog: pytest.LogCaptureFixture
) -> None:
    directory = FakeDirectory({ALICE: DirectoryError("ratelimited"), CAROL: DirectoryError("ratelimited")})
    later = SET_UP + 2 * A_DAY
    with caplog.at_level(logging.WARNING, logger="bot.services.people"):
        assert timezones(sessions, directory, later, TEAM, [ALICE, CAROL]) == {ALICE: BERLIN, CAROL: "UTC"}
    # Operators can tell whose zone was guessed, and as what.
    assert [(r.levelname, r.args) for r in caplog.records] == [
        ("WARNING", (ALICE, BERLIN)),
        ("WARNING", (CAROL, "UTC")),
    ]
    assert cached(sessions)[ALICE] == (BERLIN, SET_UP)


def test_a_zone_that_decides_something_lasting_is_not_guessed(sessions: SessionFactory) -> None:
    directory = FakeDirectory({ALICE: DirectoryError("ratelimited"), BOB: DirectoryError("ratelimited")})
    with pytest.raises(SlackBusy) as busy:
        timezones(sessions, directory, SET_UP, TEAM, [BOB, ALICE], required=[ALICE])
    assert busy.value.message == (
        "Slack is busy and I couldn't look up your time zone just now; nothing was saved. "
        "Please try again in a minute."
    )
    with pytest.raises(SlackBusy):
        timezone_of(sessions, directory, SET_UP, AS_ALICE, required=True)
    assert timezone_of(sessions, directory, SET_UP, AS_ALICE) == "UTC"


def test_a_required_zone_already_cached_stands_in_when_slack_cannot_say(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    directory = FakeDirectory({ALICE: DirectoryError("ratelimited")})
    assert timezone_of(sessions, directory, SET_UP + 2 * A_DAY, AS_ALICE, required=True) == BERLIN


def test_someone_slack_does_not_know_is_named_in_the_refusal(sessions: SessionFactory) -> None:
    with pytest.raises(UnknownPerson) as unknown:
        timezones(sessions, FakeDirectory({CAROL: UnknownPerson(CAROL)}), SET_UP, TEAM, [CAROL])
    assert (unknown.value.message, unknown.value.people) == ("I can't find {} in this workspace.", (CAROL,))
