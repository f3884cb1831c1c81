"""The core vocabulary as tables: workspaces, people, pairs, series, meetings, topics, actions, notes."""

from __future__ import annotations

import enum
from datetime import date, datetime, time
from typing import Any

from sqlalchemy import (
    JSON,
    CheckConstraint,
    Enum,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
    text,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.domain.agenda import TopicStatus, Visibility
from bot.domain.cadence import Cadence
from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import DeliveryStatus
from bot.domain.templates import TopicKind
from bot.store.base import Base


def _enum(kind: type[enum.Enum], name: str) -> Enum:
    # Stored as short strings (no native PostgreSQL enum), so adding a value needs no type migration.
    return Enum(kind, name=name, native_enum=False, length=16, values_callable=lambda e: [m.value for m in e])


class Workspace(Base):
    __tablename__ = "workspace"

    id: Mapped[int] = mapped_column(primary_key=True)
    slack_team_id: Mapped[str] = mapped_column(String(32), unique=True)
    # The Enterprise Grid organisation the workspace belongs to, as its requests said (issue 16): an
    # org-wide installation's token serves every workspace of the organisation.
    slack_enterprise_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime]
    # The app was uninstalled or its tokens revoked (issue 15): nothing is sent there any more, and its data
    # is deleted by the clock once the operator's retention period has passed.
    uninstalled_at: Mapped[datetime | None]


class Person(Base):
    __tablename__ = "person"
    __table_args__ = (
        UniqueConstraint("workspace_id", "slack_user_id"),
        # The calendars due a read (store/busy.py, every minute): only the few people who set one.
        Index(
            "ix_person_busy_url",
            "id",
            postgresql_where=text("busy_url IS NOT NULL"),
            sqlite_where=text("busy_url IS NOT NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    slack_user_id: Mapped[str] = mapped_column(String(32))
    # IANA zone from users.info; None until first looked up.
    timezone: Mapped[str | None] = mapped_column(String(64))
    timezone_checked_at: Mapped[datetime | None]
    # The bot's DM with this person, learned from the answer to the first message posted to them.
    dm_channel_id: Mapped[str | None] = mapped_column(String(32))
    # Their own settings (None: the defaults of bot/domain/settings.py): working days as weekday digits
    # ("01234" is Monday to Friday) and hours, and how long before a meeting they are asked for topics.
    work_days: Mapped[str | None] = mapped_column(String(7))
    work_start: Mapped[time | None]
    work_end: Mapped[time | None]
    prompt_lead_minutes: Mapped[int | None]
    question_suggestions: Mapped[bool] = mapped_column(default=True, server_default=true())
    # When they last opened the bot's Home tab: only people who did are re-published to.
    home_opened_at: Mapped[datetime | None]
    # Their calendar feed (GET /calendar/<token>.ics): the token's SHA-256, hex; None until asked for.
    calendar_token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Their own calendar's secret iCal address, for busy times, and how its last fetch went.
    busy_url: Mapped[str | None] = mapped_column(Text)
    busy_checked_at: Mapped[datetime | None]
    busy_etag: Mapped[str | None] = mapped_column(String(200))
    busy_last_modified: Mapped[str | None] = mapped_column(String(100))
    busy_error: Mapped[str | None] = mapped_column(String(200))  # None: the last fetch worked
    busy_error_told_at: Mapped[datetime | None]  # a failing feed is reported to its owner once
    # Public holidays: ISO country code (and subdivision) for the `holidays` package; None: none.
    holiday_country: Mapped[str | None] = mapped_column(String(2))
    holiday_region: Mapped[str | None] = mapped_column(String(10))
    # Away by their Slack status (a holiday emoji or words, with an expiry) until then.
    status_away_until: Mapped[datetime | None]
    # Their name as Slack shows it (users.info, user_change): what a calendar feed calls them.
    display_name: Mapped[str | None] = mapped_column(String(80))
    # The pulse check-in in their prompts (issue 14): offered in 1:1s they don't lead unless they turn it
    # off, and in 1:1s they lead only if they turn it on.
    pulse_as_report: Mapped[bool] = mapped_column(default=True, server_default=true())
    pulse_as_manager: Mapped[bool] = mapped_column(default=False, server_default=false())
    # Their Slack account was deactivated (user_change `deleted`, or `account_inactive` from the API): their
    # series are paused and nothing is sent to them; cleared when the account comes back (issue 15).
    deactivated_at: Mapped[datetime | None]
    # They deleted their data (`/1on1 delete-my-data`): this row is now an anonymous placeholder, "a former
    # participant", that the other person's copy of shared history still points at.
    erased_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Pair(Base):
    """Two people who meet; stored once, with the lower person id first."""

    __tablename__ = "pair"
    __table_args__ = (
        UniqueConstraint("member_a_id", "member_b_id"),
        CheckConstraint("member_a_id < member_b_id", name="members_ordered"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    workspace_id: Mapped[int] = mapped_column(ForeignKey("workspace.id", ondelete="CASCADE"))
    member_a_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    member_b_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    # Who leads: set when a series is scheduled; None while the pair only has topics.
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="SET NULL"), index=True)
    created_at: Mapped[datetime]

    member_a: Mapped[Person] = relationship(foreign_keys=[member_a_id])
    member_b: Mapped[Person] = relationship(foreign_keys=[member_b_id])

    def other(self, person_id: int) -> Person:
        return self.member_b if person_id == self.member_a_id else self.member_a


class Series(Base):
    __tablename__ = "series"
    __table_args__ = (
        CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),
        # The tick's "which series need more meetings" reads only the few active ones running short.
        Index("ix_series_to_extend", "active", "materialised_until"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    cadence: Mapped[Cadence] = mapped_column(_enum(Cadence, "cadence"))
    weekday: Mapped[int]  # 0 = Monday
    local_time: Mapped[time]
    duration_minutes: Mapped[int]
    timezone: Mapped[str] = mapped_column(String(64))
    first_date: Mapped[date]
    lead_minutes: Mapped[int] = mapped_column(default=24 * 60)
    # The longer of the two people's own lead times, when either set one: meetings are prompted at the
    # earliest either person is asked (each person's own prompt waits for their time in the outbox).
    people_lead_minutes: Mapped[int | None]
    active: Mapped[bool] = mapped_column(default=True)
    # Meetings exist as rows up to this instant; the tick extends it.
    materialised_until: Mapped[datetime]
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    # Raised on every change of its terms: the calendar feed's SEQUENCE for the series' event.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # Paused while one of the two is deactivated in Slack (issue 15): no prompts, nudges or new meetings.
    paused_at: Mapped[datetime | None]


class Meeting(Base):
    """One occurrence of a series, materialised ahead of time with UTC start and end."""

    __tablename__ = "meeting"
    __table_args__ = (
        UniqueConstraint("series_id", "local_date"),
        Index("ix_meeting_status_starts_at", "status", "starts_at"),
        # The tick's "which prompts are due" question reads only meetings not yet prompted, in the
        # order it takes them (prompt_at, id), so a batch of 1,000 reads 1,000 entries, not all that are due.
        Index(
            "ix_meeting_prompt_due",
            "prompt_at",
            "id",
            postgresql_where=text("prompt_queued_at IS NULL"),
            sqlite_where=text("prompt_queued_at IS NULL"),
        ),
        Index(
            "ix_meeting_followup_due",
            "ends_at",
            "id",
            postgresql_where=text("followup_queued_at IS NULL"),
            sqlite_where=text("followup_queued_at IS NULL"),
        ),
        # "Which meetings ended unrecorded" reads scheduled meetings by their end, not every future one.
        Index("ix_meeting_status_ends_at", "status", "ends_at", "id"),
        # A pair's next meeting (every command): without it both databases answered it
        # from ix_meeting_status_ends_at, reading every pair's future meetings.
        Index("ix_meeting_pair_id_status_ends_at", "pair_id", "status", "ends_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    series_id: Mapped[int] = mapped_column(ForeignKey("series.id", ondelete="CASCADE"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    # The series' local date: the occurrence's identity, unchanged by a reschedule.
    local_date: Mapped[date]
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    status: Mapped[MeetingStatus] = mapped_column(
        _enum(MeetingStatus, "meeting_status"), default=MeetingStatus.SCHEDULED
    )
    # When both people are asked for topics (start minus the series' lead time), and when that was queued.
    prompt_at: Mapped[datetime]
    prompt_queued_at: Mapped[datetime | None]
    # The question-bank suggestion shown for this meeting (one per meeting, the same for both).
    question_key: Mapped[str | None] = mapped_column(String(64))
    # After the end: when "How did it go?" was queued; reschedule nudges sent and the slots they offered.
    followup_queued_at: Mapped[datetime | None]
    nudge_count: Mapped[int] = mapped_column(default=0, server_default="0")
    last_nudged_at: Mapped[datetime | None]
    offered_slots: Mapped[list[int] | None] = mapped_column(JSON)  # UTC epoch seconds
    # Raised when it moves or stops happening: the calendar feed's SEQUENCE for its override.
    revision: Mapped[int] = mapped_column(default=0, server_default="0")
    # When the people were told someone is away for it (once, ahead).
    away_told_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Topic(Base):
    __tablename__ = "topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    # None: not yet tied to a meeting; it goes on the pair's next one.
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility, "visibility"), default=Visibility.SHARED)
    status: Mapped[TopicStatus] = mapped_column(_enum(TopicStatus, "topic_status"), default=TopicStatus.OPEN)
    # Where it came from in Slack (e.g. "dm:D123:1700000000.0001"), so a redelivered message adds it once.
    source: Mapped[str | None] = mapped_column(String(100), unique=True)
    # A topic made from a Slack message ("Add to 1:1 agenda"): the message's permalink.
    link: Mapped[str | None] = mapped_column(String(500))
    # Its template (issue 14): a plain line, or a GROW, career, feedback or concern conversation.
    kind: Mapped[TopicKind] = mapped_column(
        _enum(TopicKind, "topic_kind"), default=TopicKind.PLAIN, server_default=TopicKind.PLAIN.value
    )
    # Shown to its author alone until its meeting starts (a performance concern not yet shared).
    held_back: Mapped[bool] = mapped_column(default=False, server_default=false())
    created_at: Mapped[datetime]


class Summary(Base):
    """What one person wrote after a meeting; a second person's summary adds to the first."""

    __tablename__ = "summary"

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    key_points: Mapped[str] = mapped_column(Text)
    # The submitted modal's view id: Slack may deliver a submission twice, it is stored once.
    source: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class ActionItem(Base):
    __tablename__ = "action_item"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    due_date: Mapped[date | None]
    done_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class Note(Base):
    """A private note: readable by its author alone, in every view."""

    __tablename__ = "note"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="SET NULL"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class PendingTopic(Base):
    """A DM'd topic waiting for its author to say which 1:1 it is for; nothing is lost meanwhile."""

    __tablename__ = "pending_topic"

    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    text: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(100), unique=True)
    created_at: Mapped[datetime]


class OutboxMessage(Base):
    """A message to Slack: stored first under a unique key, then delivered (and retried) by the outbox.

    `params` holds ids only; the text is rendered at delivery, so no user text sits in this table.
    """

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_due", "status", "next_attempt_at"),
        Index("ix_outbox_sent_message", "sent_channel_id", "sent_ts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(200), unique=True)
    kind: Mapped[str] = mapped_column(String(40))
    # A DM to this person (posted to their user id), or straight to `channel_id`.
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    channel_id: Mapped[str | None] = mapped_column(String(32))
    thread_ts: Mapped[str | None] = mapped_column(String(32))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    meeting_id: Mapped[int | None] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"), index=True)
    status: Mapped[DeliveryStatus] = mapped_column(
        _enum(DeliveryStatus, "delivery_status"), default=DeliveryStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime]
    # A sender holds a row until then; after a crash the row is free again once it passes.
    claimed_until: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(200))
    sent_channel_id: Mapped[str | None] = mapped_column(String(32))
    sent_ts: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None]
    created_at: Mapped[datetime]


class SlackRequest(Base):
    """A request from Slack, being or already handled: a redelivery (Slack retries) has one effect."""

    __tablename__ = "slack_request"

    key: Mapped[str] = mapped_column(String(120), primary_key=True)  # "event:Ev…" or "trigger:…"
    handled_at: Mapped[datetime] = mapped_column(index=True)  # when it was claimed
    # False while the first delivery is being handled: a retry arriving then is turned away, not run.
    done: Mapped[bool] = mapped_column(server_default=true())


class Heartbeat(Base):
    """When something last happened that a health check reports: the clock's tick, the check's own write."""

    __tablename__ = "heartbeat"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)  # "clock" or "health_check"
    at: Mapped[datetime]


class QuestionShown(Base):
    """A question of the bank shown to a pair (every one: a meeting prompted again shows another)."""

    __tablename__ = "question_shown"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    question_key: Mapped[str] = mapped_column(String(64))
    shown_at: Mapped[datetime]


class TimeAway(Base):
    """Days someone is away (`/1on1 away`, Settings): no prompts, nudges or slots on them."""

    __tablename__ = "time_away"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    first_day: Mapped[date]
    last_day: Mapped[date]
    created_at: Mapped[datetime]


class BusyInterval(Base):
    """A busy stretch from someone's own calendar: times only, never titles. Replaced at every fetch."""

    __tablename__ = "busy_interval"
    __table_args__ = (Index("ix_busy_interval_person_starts", "person_id", "starts_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime]
    ends_at: Mapped[datetime]
    # An all-day event marked out of office (or free-busy OOF): a meeting on it counts as time away.
    out_of_office: Mapped[bool] = mapped_column(default=False, server_default=false())


class PulseCheck(Base):
    """One person's pulse before one meeting: each feeling on SCALE, None until tapped. The pair's alone."""

    __tablename__ = "pulse_check"
    __table_args__ = (UniqueConstraint("meeting_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(ForeignKey("meeting.id", ondelete="CASCADE"))
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    happy: Mapped[int | None]
    challenged: Mapped[int | None]
    stressed: Mapped[int | None]
    engaged: Mapped[int | None]
    updated_at: Mapped[datetime]


class TemplateOutcome(Base):
    """What the two recorded for one step of a templated topic (e.g. GROW's "will") in a summary."""

    __tablename__ = "template_outcome"
    __table_args__ = (UniqueConstraint("summary_id", "topic_id", "step"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    summary_id: Mapped[int] = mapped_column(ForeignKey("summary.id", ondelete="CASCADE"), index=True)
    topic_id: Mapped[int] = mapped_column(ForeignKey("topic.id", ondelete="CASCADE"), index=True)
    step: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime]


class QuestionRetired(Base):
    """A question of the bank one of the pair found not useful: never suggested to that pair again."""

    __tablename__ = "question_retired"
    __table_args__ = (UniqueConstraint("pair_id", "question_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"))
    question_key: Mapped[str] = mapped_column(String(64))
    retired_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    retired_at: Mapped[datetime]


class HandoffRequest(Base):
    """A manager's request to hand a report's 1:1 history over to a new manager, until the report answers."""

    __tablename__ = "handoff_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    pair_id: Mapped[int] = mapped_column(ForeignKey("pair.id", ondelete="CASCADE"), index=True)
    new_manager_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime]
    # When the report confirmed or declined; None while waiting.
    decided_at: Mapped[datetime | None]
    accepted: Mapped[bool | None]


# slack-sdk's installation and OAuth state tables, on this metadata so that the migrations create them.
from bot.store import installation_tables  # noqa: E402, F401
