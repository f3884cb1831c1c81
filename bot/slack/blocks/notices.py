"""Direct messages the bot sends on its own: announcements, changes, thread replies to DM'd topics."""

from __future__ import annotations

from bot.domain.errors import DomainError
from bot.services.messages.notices import (
    MeetingMoved,
    MeetingSkipped,
    NoMeeting,
    SeriesAnnounced,
    SeriesCancelled,
    TopicConfirmed,
    WhichMeeting,
)
from bot.slack import ids
from bot.slack.blocks.common import Message, section, text_message, to_dicts
from bot.slack.dates import slack_date, weekly_slot
from bot.slack.text import mention, said

MAX_CHOICES = 20


def series_announced_message(notice: SeriesAnnounced) -> Message:
    slot = weekly_slot(notice.weekday, notice.local_time, notice.series_timezone)
    first = (
        slack_date(notice.first_starts_at, notice.timezone)
        if notice.first_starts_at
        else "a date still to come"
    )
    return text_message(
        f":wave: {mention(notice.by_user_id)} set up a *{notice.cadence}* 1:1 with you: {slot}. "
        f"The first one is {first} (shown in your time zone).\n"
        "Before each meeting I'll ask you both for topics. Add one any time with "
        f"`{ids.COMMAND} add-topic`, or just send me a message here."
    )


def series_cancelled_message(notice: SeriesCancelled) -> Message:
    return text_message(
        f":wave: {mention(notice.by_user_id)} ended your {notice.cadence} 1:1 together. "
        "Past agendas and action items are kept."
    )


def meeting_skipped_message(notice: MeetingSkipped) -> Message:
    text = (
        f":fast_forward: {mention(notice.by_user_id)} skipped your 1:1 on "
        f"{slack_date(notice.starts_at, notice.timezone)}."
    )
    if notice.next_starts_at:
        text += (
            f" The next one is {slack_date(notice.next_starts_at, notice.timezone)}; "
            "open topics carry over to it."
        )
    return text_message(text)


def meeting_moved_message(notice: MeetingMoved) -> Message:
    return text_message(
        f":arrows_counterclockwise: {mention(notice.by_user_id)} moved your next 1:1 "
        f"to {slack_date(notice.starts_at, notice.timezone)}. "
        "Later meetings stay as they were."
    )


def topic_confirmed_message(notice: TopicConfirmed) -> Message:
    where = f"your 1:1 with {mention(notice.other_user_id)}"
    if notice.starts_at:
        return text_message(
            f":white_check_mark: Added to {where} {slack_date(notice.starts_at, notice.timezone)}."
        )
    return text_message(
        f":white_check_mark: Added to the shared agenda of {where}; no meeting is scheduled yet."
    )


def which_meeting_message(notice: WhichMeeting) -> Message:
    blocks = [section("Which 1:1 is this topic for?")]
    for choice in notice.choices[:MAX_CHOICES]:
        when = f", next {slack_date(choice.next_starts_at, notice.timezone)}" if choice.next_starts_at else ""
        blocks.append(
            section(
                f"{mention(choice.other_user_id)}{when}",
                accessory=ids.CHOOSE_PAIR.element("Add it here", (notice.pending_id, choice.pair_id)),
            )
        )
    return {"text": "Which 1:1 is this topic for?", "blocks": to_dicts(blocks)}


def no_meeting_message(notice: NoMeeting) -> Message:
    # The refusal a service raised, stored as its plain words and the people they name.
    return text_message(f":warning: {said(DomainError(notice.problem, *notice.people))}")
