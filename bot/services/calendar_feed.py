"""A person's calendar feed: handing out its secret address, and serving what it holds.

Only the token's hash is stored, so an address can be shown once: asking again says one was given, and
`reset` makes a new one (the old stops working at once).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from bot.calendar import feed as ics
from bot.calendar.token import feed_path, new_token, token_hash
from bot.domain.names import is_placeholder
from bot.services.pairs import Actor
from bot.store import calendar_feed as store
from bot.store import people
from bot.store.db import SessionFactory
from bot.store.models import Person
from bot.store.series import rule_of


@dataclass(frozen=True)
class Issued:
    url: str | None  # the new address; None: they already have one and didn't ask for a new one
    replaced: bool  # a `reset` made this one: an older address stopped working


@dataclass(frozen=True)
class Served:
    body: bytes
    etag: str  # quoted, as sent in the ETag header
    last_modified: datetime


def issue(sessions: SessionFactory, now: datetime, actor: Actor, public_url: str, *, reset: bool) -> Issued:
    """The person's feed address: made on the first ask, or anew with `reset`; else None (it was shown)."""
    with sessions.begin() as session:
        me = people.person(session, people.workspace(session, actor.team_id, now).id, actor.user_id, now)
        person = session.get(Person, me.id, with_for_update=True)  # two asks at once: one address wins
        assert person is not None
        had_one = person.calendar_token_hash is not None
        if had_one and not reset:
            return Issued(url=None, replaced=False)
        token = new_token()
        person.calendar_token_hash = token_hash(token)
        return Issued(url=public_url + feed_path(token), replaced=had_one)


def serve(sessions: SessionFactory, token: str, now: datetime) -> Served | None:
    """The feed a token opens, or None for a token nobody holds. Reads only."""
    with sessions() as session:
        found = store.owner_of(session, token_hash(token))
        if found is None:
            return None
        owner, team_id = found
        rows = store.series_of(session, owner.id)
    stamp = _last_change(owner, rows)
    feed = ics.Feed(
        # UIDs name the workspace, not PUBLIC_URL: they stay the same if the bot moves to another address.
        uid_domain=f"{team_id.lower()}.1on1-bot",
        stamp=stamp,
        today=now.date(),
        series=tuple(_feed_series(row, team_id) for row in rows),
    )
    body = ics.build(feed)
    return Served(body=body, etag=f'"{hashlib.sha256(body).hexdigest()[:32]}"', last_modified=stamp)


def _feed_series(row: store.SeriesRow, team_id: str) -> ics.FeedSeries:
    series = row.series
    return ics.FeedSeries(
        series_id=series.id,
        rule=rule_of(series),
        revision=series.revision,
        ended_at=None if series.active else (series.ended_at or series.materialised_until),
        materialised_until=series.materialised_until,
        title=title(row.role, row.other_name),
        description=description(row.other_user_id, team_id),
        meetings=tuple(
            ics.FeedMeeting(m.id, m.local_date, m.starts_at, m.ends_at, m.status, m.revision)
            for m in row.meetings
        ),
    )


def title(role: str, other_name: str | None = None) -> str:
    """The event's name, from the feed owner's side: the other person by the name Slack shows for them (a
    calendar can't show a Slack mention), else by their part in the pair until the bot has seen it."""
    if other_name:
        return f"1:1 with {other_name}"
    return {"report": "1:1 with your report", "manager": "1:1 with your manager"}.get(role, "1:1")


def description(other_user_id: str, team_id: str) -> str:
    if is_placeholder(other_user_id):  # they deleted their data: no link to a Slack id that is gone
        return "Your 1:1 with a former participant. Topics, notes and summaries stay in Slack."
    # slack://user opens a DM with them in the Slack app: who it is, one click away. No topics, ever.
    return (
        f"Your 1:1 in Slack. The other person: slack://user?team={team_id}&id={other_user_id}\n"
        "Topics, notes and summaries stay in Slack (/1on1 agenda)."
    )


def _last_change(owner: Person, rows: list[store.SeriesRow]) -> datetime:
    """The latest instant the data records a change at: feeds' DTSTAMP and Last-Modified. A move or a skip
    leaves no timestamp, so this is a lower bound; the ETag (a hash of the body) is what changes then."""
    stamps = [owner.created_at]
    for row in rows:
        stamps.append(row.series.created_at)
        stamps.extend(s for s in (row.series.ended_at,) if s is not None)
        stamps.extend(m.created_at for m in row.meetings)
    return max(stamps)
