"""A person's own calendar for busy times: set, fetched every 15 minutes at most, expanded (issue 13).

Reading runs outside any database transaction: due calendars are claimed in one short transaction, each is
fetched over HTTP with no session open, and its result is written in another short one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlalchemy.orm import Session

from bot.calendar import busy_fetch, busy_ics
from bot.domain.errors import DomainError
from bot.domain.outbox import MessageKind, outbox_key
from bot.services.pairs import Actor
from bot.store import busy as store
from bot.store import outbox, people
from bot.store.db import SessionFactory
from bot.store.models import Person

logger = logging.getLogger(__name__)

READ_EVERY = timedelta(minutes=15)
AHEAD = timedelta(days=21)  # what is kept: reschedule slots look 10 days ahead
BATCH = 50  # calendars read per run (about a minute apart): slow feeds can't hold the job for long

Fetch = Callable[..., busy_fetch.Fetched]


class BadCalendarAddress(DomainError):
    """An address that can't be used as a busy calendar; the message says why."""


@dataclass(frozen=True)
class DueCalendar:
    person_id: int
    slack_user_id: str
    url: str
    etag: str | None
    last_modified: str | None
    zone: str | None


@dataclass(frozen=True)
class ReadReport:
    read: int = 0  # new busy times stored
    unchanged: int = 0  # 304: the busy times stored stand
    failed: int = 0


def normalised(url: str) -> str:
    """The address as we fetch it: Apple and Outlook hand out webcal:// links for the same https one."""
    url = url.strip()
    return "https://" + url[len("webcal://") :] if url.lower().startswith("webcal://") else url


def set_busy_url(
    sessions: SessionFactory, now: datetime, actor: Actor, url: str | None, *, allow_private: bool = False
) -> None:
    """Store (or with None, forget) the person's calendar address; a DomainError/InvalidField says what is
    wrong with an address that can't be used (not https, a private address…). Fetched later, by the clock."""
    if url is not None:
        url = normalised(url)
        problem = busy_fetch.url_problem(url, allow_private=allow_private)
        if problem:
            raise BadCalendarAddress(problem)
    with sessions.begin() as session:
        team = people.workspace(session, actor.team_id, now)
        me = people.person(session, team.id, actor.user_id, now)
        if url is not None and me.busy_url == url:
            return  # the same address again: what was read from it stands
        me.busy_url = url
        # A new address starts from nothing: read at the next run, its own validators, its own errors.
        me.busy_checked_at = me.busy_etag = me.busy_last_modified = None
        me.busy_error = me.busy_error_told_at = None
        store.forget_intervals(session, me.id)


def read_due_calendars(
    sessions: SessionFactory, now: datetime, *, allow_private: bool, fetch: Fetch = busy_fetch.fetch
) -> ReadReport:
    """Read the calendars not read for READ_EVERY (at most BATCH): store busy times, report failures."""
    with sessions.begin() as session:
        due = [_due(person) for person in store.claim_due(session, now - READ_EVERY, now, limit=BATCH)]
    report = ReadReport()
    for calendar in due:
        outcome = _read(sessions, now, calendar, allow_private, fetch)
        report = ReadReport(
            report.read + (outcome == "read"),
            report.unchanged + (outcome == "unchanged"),
            report.failed + (outcome == "failed"),
        )
    return report


def _due(person: Person) -> DueCalendar:
    assert person.busy_url is not None
    return DueCalendar(
        person.id, person.slack_user_id, person.busy_url, person.busy_etag, person.busy_last_modified,
        person.timezone,
    )  # fmt: skip


def _read(
    sessions: SessionFactory, now: datetime, calendar: DueCalendar, allow_private: bool, fetch: Fetch
) -> str:
    try:
        fetched = fetch(
            calendar.url,
            etag=calendar.etag,
            last_modified=calendar.last_modified,
            allow_private=allow_private,
        )
        found = (
            None
            if fetched.body is None
            else busy_ics.busy_times(fetched.body, now, now + AHEAD, _zone(calendar))
        )
    except busy_fetch.FetchError as error:
        return _failed(sessions, now, calendar, str(error))
    except busy_ics.Unreadable:
        return _failed(sessions, now, calendar, "What it answered is not an iCal calendar.")
    except Exception:  # anything else is our bug: logged (ids only, never the address), told as a failure
        logger.exception("reading the busy calendar of person %s failed", calendar.person_id)
        return _failed(sessions, now, calendar, "Something went wrong on my side while reading it.")
    with sessions.begin() as session:
        person = _still(session, calendar)
        if person is None:
            return "unchanged"
        person.busy_etag, person.busy_last_modified = fetched.etag, fetched.last_modified
        person.busy_error = person.busy_error_told_at = None  # working again: a new failure is told again
        if found is None:
            return "unchanged"
        store.replace_intervals(
            session, person.id, [(b.starts_at, b.ends_at, b.out_of_office) for b in found]
        )
    logger.info("busy calendar of person %s read: %d busy stretches", calendar.person_id, len(found))
    return "read"


def _failed(sessions: SessionFactory, now: datetime, calendar: DueCalendar, reason: str) -> str:
    # The reason names a host at most (busy_fetch never puts the address in it), so it may be logged.
    logger.info("busy calendar of person %s not read: %s", calendar.person_id, reason)
    with sessions.begin() as session:
        person = _still(session, calendar)
        if person is None:
            return "failed"
        person.busy_error = reason[:200]
        if person.busy_error_told_at is None:  # told once, until a read works again
            person.busy_error_told_at = now
            outbox.enqueue(
                session,
                key=outbox_key(MessageKind.NO_MEETING, "busy", person.id, now.isoformat())[:200],
                kind=MessageKind.NO_MEETING,
                now=now,
                channel_id=person.slack_user_id,  # a user id posts to the bot's DM with them
                params={"problem": failure_notice(calendar.url, reason), "people": []},
            )
    return "failed"


def failure_notice(url: str, reason: str) -> str:
    return (
        f"I couldn't read your calendar at {busy_fetch.host_of(url)}…: {reason} Until I can, reschedule "
        "suggestions don't know your busy times. I'll keep trying every 15 minutes and won't tell you "
        "again; to fix it, give the address again with `/1on1 calendar busy <address>`, or stop with "
        "`/1on1 calendar busy off`."
    )


def _still(session: Session, calendar: DueCalendar) -> Person | None:
    """The person, if the address read is still theirs (they may have changed or removed it meanwhile)."""
    person = session.get(Person, calendar.person_id, with_for_update=True)
    return person if person is not None and person.busy_url == calendar.url else None


def _zone(calendar: DueCalendar) -> ZoneInfo:
    try:
        return ZoneInfo(calendar.zone or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        return ZoneInfo("UTC")
