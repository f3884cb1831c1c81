"""The feed as a calendar app sees it: subscribed over real HTTP from the served app, expanded with
recurring-ical-events over six months across a DST change, and compared with the bot's own meetings."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import recurring_ical_events
from icalendar import Calendar
from sqlalchemy import select

from bot.domain.cadence import occurrences_between
from bot.domain.meetings import MeetingStatus
from bot.services.pairs import Actor
from bot.services.series_edit import SeriesEdit, edit_series
from bot.services.tick import run_tick
from bot.store.db import SessionFactory
from bot.store.models import Meeting, Person, Series, Summary, Workspace
from bot.store.series import rule_of
from tests.calendar.served import FeedApp
from tests.conftest import START
from tests.slack.helpers import reply_text
from tests.slack.people import ALICE, BOB

SIX_MONTHS = timedelta(days=183)  # from 2026-12-01: past New York's change (2027-03-14) and Berlin's
GONE = (MeetingStatus.SKIPPED, MeetingStatus.CANCELLED, MeetingStatus.AWAY)
SECRETS = ("TOPIC-4f1c", "NOTE-77ab", "ACTION-c0de", "SUMMARY-e9e9")


def command(app: FeedApp, text: str, user_id: str = ALICE) -> str:
    return reply_text(app.sender.command(text, user_id=user_id))


def expanded(body: bytes, start: datetime, end: datetime) -> list[tuple[datetime, datetime]]:
    events = recurring_ical_events.of(Calendar.from_ical(body)).between(start, end)
    return sorted((e.start.astimezone(UTC), e.end.astimezone(UTC)) for e in events)


def bots_meetings(
    sessions: SessionFactory, start: datetime, end: datetime
) -> list[tuple[datetime, datetime]]:
    """What the bot holds in [start, end): its meeting rows that take place, then its rule past the rows."""
    with sessions() as session:
        series = session.scalars(select(Series)).one()
        rows = session.scalars(select(Meeting).where(Meeting.status.not_in(GONE))).all()
        held = [(m.starts_at, m.ends_at) for m in rows if start <= m.starts_at < end]
        later = occurrences_between(rule_of(series), series.materialised_until, end)
        return sorted(held + [(o.starts_at, o.ends_at) for o in later])


def events(body: bytes) -> list[dict[str, object]]:
    return [
        {"uid": str(e["UID"]), "sequence": int(e["SEQUENCE"]), "recurrence_id": e.get("RECURRENCE-ID")}
        for e in Calendar.from_ical(body).walk("VEVENT")
    ]


def test_the_feed_expands_to_the_bots_meetings_across_dst_with_a_move_and_a_skip(
    app: FeedApp, sessions: SessionFactory
) -> None:
    command(app, f"schedule <@{BOB}> weekly tue 10:00")  # Alice, in New York: 15:00 UTC in winter
    alice, bob = app.feed_url(ALICE), app.feed_url(BOB)
    command(app, f"skip <@{BOB}>")  # 2026-12-01
    command(app, f"reschedule <@{BOB}> 2026-12-10 11:30")  # 2026-12-08, to a Thursday
    for week in range(1, 13):  # the clock runs weekly to late February: rows reach past the March change
        run_tick(sessions, START + timedelta(weeks=week))

    end = START + SIX_MONTHS
    for url in (alice, bob):
        answer = app.get(url)
        assert answer.status_code == 200
        shown = expanded(answer.content, START, end)
        assert shown == bots_meetings(sessions, START, end)
        assert len(shown) == 26  # 27 Tuesdays, one skipped; the moved one is on its Thursday
    assert datetime(2026, 12, 10, 16, 30, tzinfo=UTC) in [s for s, _ in shown]  # 11:30 EST
    assert datetime(2026, 12, 1, 15, 0, tzinfo=UTC) not in [s for s, _ in shown]  # skipped
    assert datetime(2027, 3, 9, 15, 0, tzinfo=UTC) in [s for s, _ in shown]  # 10:00 EST, before the change
    assert datetime(2027, 3, 16, 14, 0, tzinfo=UTC) in [s for s, _ in shown]  # 10:00 EDT, after it
    body = app.get(alice).content
    assert b"BEGIN:VTIMEZONE" in body and b"TZID=America/New_York" in body
    assert b"SUMMARY:1:1 with your report" in body
    assert b"SUMMARY:1:1 with your manager" in app.get(bob).content


def test_nothing_said_in_the_pair_appears_in_the_feed(app: FeedApp, sessions: SessionFactory) -> None:
    command(app, f"schedule <@{BOB}> weekly tue 10:00")
    command(app, f"add-topic <@{BOB}> {SECRETS[0]}")
    command(app, f"note <@{BOB}> {SECRETS[1]}")
    command(app, f"add-action <@{BOB}> {SECRETS[2]}")
    with sessions.begin() as session:
        meeting = session.scalars(select(Meeting).order_by(Meeting.starts_at)).first()
        author = session.scalars(select(Person).where(Person.slack_user_id == ALICE)).one()
        assert meeting is not None
        meeting.status = MeetingStatus.HELD
        session.add(
            Summary(
                meeting_id=meeting.id,
                author_id=author.id,
                key_points=SECRETS[3],
                source="v1",
                created_at=START,
            )
        )
    for url in (app.feed_url(ALICE), app.feed_url(BOB)):
        body = app.get(url).content.decode()
        assert "BEGIN:VEVENT" in body
        for secret in SECRETS:
            assert secret not in body


def test_an_edit_and_a_move_raise_sequence(app: FeedApp, sessions: SessionFactory) -> None:
    command(app, f"schedule <@{BOB}> weekly tue 10:00")
    url = app.feed_url(ALICE)
    first = app.get(url)
    [master] = events(first.content)
    assert master["sequence"] == 0

    with sessions() as session:
        series_id = session.scalars(select(Series.id)).one()
        team = session.scalars(select(Workspace.slack_team_id)).one()
    edit = SeriesEdit("weekly", 1, time(10, 0), 45, None, caller_is_manager=True, lead=timedelta(hours=24))
    edit_series(sessions, START, Actor(team, ALICE), series_id, edit, "America/New_York", source="test-edit")
    edited = app.get(url, **{"If-None-Match": first.headers["etag"]})
    assert edited.status_code == 200 and edited.headers["etag"] != first.headers["etag"]
    [master] = events(edited.content)
    after_edit = master["sequence"]
    assert isinstance(after_edit, int) and after_edit > 0
    assert b"DURATION:PT45M" in edited.content
    end = START + SIX_MONTHS
    assert expanded(edited.content, START, end) == bots_meetings(sessions, START, end)

    command(app, f"reschedule <@{BOB}> 2026-12-03 12:00")
    moved = events(app.get(url).content)
    assert len(moved) == 2
    override = moved[1]
    assert override["recurrence_id"] is not None and override["uid"] == moved[0]["uid"]
    assert override["sequence"] == moved[0]["sequence"]
    assert isinstance(override["sequence"], int) and override["sequence"] > after_edit


def test_the_other_person_is_named_as_slack_shows_them_once_the_bot_has_seen_it(app: FeedApp) -> None:
    """Until the bot has read Bob's profile, Alice's feed calls him by his part ("your report"); a
    `user_change` (or the daily users.info look-up) gives his name, and the feed uses it."""
    command(app, f"schedule <@{BOB}> weekly tue 10:00")
    alice = app.feed_url(ALICE)
    assert b"SUMMARY:1:1 with your report" in app.get(alice).content
    bob = app.sender.responses.user_object(BOB)  # type: ignore[union-attr]
    bob["profile"] = {**bob["profile"], "display_name": "Bob Builder"}
    app.sender.user_changed(BOB, bob)
    assert b"SUMMARY:1:1 with Bob Builder" in app.get(alice).content
