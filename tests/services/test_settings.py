"""A person's settings against a real database: read with defaults, saved (or refused, changing nothing),
and what they change: when each person is prompted, and the slots a missed meeting is offered."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, event, select

from bot.domain.outbox import MessageKind
from bot.domain.settings import Field, PersonalSettings, WorkingHours
from bot.services import series
from bot.services.followups import report_not_held
from bot.services.prompts import queue_due_prompts
from bot.services.settings import SettingsForm, SettingsInput, save_settings, settings_form
from bot.store import outbox
from bot.store.db import SessionFactory
from bot.store.models import OutboxMessage, Person, Series
from tests.services.conftest import FIRST, FIRST_END, SECOND, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import meeting, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, DAVE

DAY = 24 * 60
WEEKDAYS = frozenset(range(5))
TUE_TO_THU = frozenset({1, 2, 3})


def choice(
    days: frozenset[int] = WEEKDAYS,
    start: time | None = time(9),
    end: time | None = time(17),
    lead: int | None = None,
    questions: bool = True,
) -> SettingsInput:
    return SettingsInput(days, start, end, lead, questions)


def stored(sessions: SessionFactory, user_id: str) -> tuple[object, ...]:
    with sessions() as session:
        person = session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()
        return (
            person.work_days,
            person.work_start,
            person.work_end,
            person.prompt_lead_minutes,
            person.question_suggestions,
        )


def people_lead(sessions: SessionFactory, series_id: int) -> int | None:
    with sessions() as session:
        found = session.get(Series, series_id)
        assert found is not None
        return found.people_lead_minutes


def prompt_times(sessions: SessionFactory, meeting_id: int) -> dict[int | None, datetime]:
    """When each person's prompt for the meeting may go out, by person id."""
    return {
        m.recipient_id: m.next_attempt_at
        for m in queued(sessions, MessageKind.PROMPT)
        if m.meeting_id == meeting_id
    }


# --- reading and saving -----------------------------------------------------------------------------


def test_someone_the_bot_doesnt_know_yet_sees_the_defaults(sessions: SessionFactory) -> None:
    assert settings_form(sessions, AS_ALICE) == SettingsForm(PersonalSettings(), None, (DAY,))


def test_the_form_shows_the_persons_zone_and_their_1on1s_lead_times(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    request = series.ScheduleRequest(DAVE, "weekly", 3, time(10), lead=timedelta(hours=2))
    series.schedule(sessions, SET_UP, AS_ALICE, request, BERLIN)
    form = settings_form(sessions, AS_ALICE)
    assert (form.timezone, form.series_leads) == (BERLIN, (120, DAY))


def test_a_choice_is_stored_on_the_person_and_shown_back(sessions: SessionFactory, weekly: Weekly) -> None:
    saved = save_settings(sessions, SET_UP, AS_ALICE, choice(TUE_TO_THU, time(12), time(20), 3 * DAY, False))
    hours = WorkingHours(TUE_TO_THU, time(12), time(20))
    assert saved == SettingsForm(PersonalSettings(hours, 3 * DAY, False), BERLIN, (DAY,))
    assert stored(sessions, ALICE) == ("123", time(12), time(20), 3 * DAY, False)
    assert settings_form(sessions, AS_ALICE) == saved
    assert stored(sessions, BOB) == (None, None, None, None, True)  # Bob's are his own


def test_someone_without_a_1on1_may_save_their_settings(sessions: SessionFactory) -> None:
    save_settings(sessions, SET_UP, AS_CAROL, choice(lead=2 * 60))
    assert settings_form(sessions, AS_CAROL).settings.lead_minutes == 2 * 60


def test_no_working_day_is_refused_and_changes_nothing(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "at least one working day") as error:
        save_settings(sessions, SET_UP, AS_ALICE, choice(frozenset(), lead=3 * DAY))
    assert getattr(error.value, "field", None) == Field.DAYS


def test_an_end_before_the_start_is_refused_and_changes_nothing(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with refused(sessions, "isn't after the start") as error:
        save_settings(sessions, SET_UP, AS_ALICE, choice(start=time(17), end=time(9), lead=3 * DAY))
    assert getattr(error.value, "field", None) == Field.END


def test_a_refused_choice_of_someone_unknown_stores_nobody(sessions: SessionFactory) -> None:
    with refused(sessions, "at least an hour"):
        save_settings(sessions, SET_UP, AS_CAROL, choice(start=time(9), end=time(9, 30)))


# --- my own lead time --------------------------------------------------------------------------------


def test_a_longer_own_lead_moves_the_meetings_not_yet_prompted_and_not_the_one_already_asked(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    queue_due_prompts(sessions, SET_UP)  # the 1 Dec meeting's prompt is queued
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=3 * DAY))
    assert people_lead(sessions, weekly.series_id) == 3 * DAY
    assert meeting(sessions, first).prompt_at == FIRST - timedelta(days=1)  # as it was
    for index, meeting_id in enumerate(weekly.meeting_ids[1:], start=1):
        starts = meeting(sessions, meeting_id).starts_at
        assert starts == FIRST + timedelta(weeks=index)
        assert meeting(sessions, meeting_id).prompt_at == starts - timedelta(days=3)
    # Bob wants a week: the meeting is prompted at the earliest either wants.
    save_settings(sessions, SET_UP, AS_BOB, choice(lead=7 * DAY))
    assert (people_lead(sessions, weekly.series_id), meeting(sessions, second).prompt_at) == (
        7 * DAY,
        SECOND - timedelta(days=7),
    )
    # Both back to the 1:1's own: its 24 hours again.
    save_settings(sessions, SET_UP, AS_ALICE, choice())
    save_settings(sessions, SET_UP, AS_BOB, choice())
    assert (people_lead(sessions, weekly.series_id), meeting(sessions, second).prompt_at) == (
        None,
        SECOND - timedelta(days=1),
    )


def test_a_shorter_own_lead_never_makes_the_meeting_later_for_the_other(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    save_settings(sessions, SET_UP, AS_BOB, choice(lead=2 * 60))
    assert people_lead(sessions, weekly.series_id) == 2 * 60
    assert meeting(sessions, weekly.meeting_ids[1]).prompt_at == SECOND - timedelta(days=1)


def test_a_1on1_that_ended_keeps_its_meetings(sessions: SessionFactory, weekly: Weekly) -> None:
    series.cancel(sessions, SET_UP, AS_ALICE, weekly.series_id)
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=7 * DAY))
    assert people_lead(sessions, weekly.series_id) is None


def test_each_persons_prompt_waits_for_their_own_time(sessions: SessionFactory, weekly: Weekly) -> None:
    second = weekly.meeting_ids[1]
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=3 * DAY))
    assert queue_due_prompts(sessions, SECOND - timedelta(days=3, minutes=1)) == 0
    assert queue_due_prompts(sessions, SECOND - timedelta(days=3)) == 2
    # Alice's goes now; Bob's waits for the 1:1's 24 hours (the report is still queued first).
    assert prompt_times(sessions, second) == {
        weekly.alice_id: SECOND - timedelta(days=3),
        weekly.bob_id: SECOND - timedelta(days=1),
    }
    assert [m.recipient_id for m in queued(sessions, MessageKind.PROMPT)] == [weekly.bob_id, weekly.alice_id]


def test_a_shorter_own_lead_waits_after_the_1on1s(sessions: SessionFactory, weekly: Weekly) -> None:
    save_settings(sessions, SET_UP, AS_BOB, choice(lead=2 * 60))
    queue_due_prompts(sessions, SECOND - timedelta(days=1))
    assert prompt_times(sessions, weekly.meeting_ids[1]) == {
        weekly.alice_id: SECOND - timedelta(days=1),
        weekly.bob_id: SECOND - timedelta(hours=2),
    }


def test_a_meeting_sooner_than_someones_own_lead_asks_them_at_once(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=7 * DAY))
    queue_due_prompts(sessions, SET_UP)  # the 1 Dec meeting is a day away
    assert prompt_times(sessions, weekly.meeting_ids[0]) == {weekly.alice_id: SET_UP, weekly.bob_id: SET_UP}


@contextmanager
def statements(engine: Engine) -> Iterator[list[str]]:
    """The SQL statements sent while the block runs."""
    seen: list[str] = []

    def record(conn: object, cursor: object, statement: str, *args: object) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)


def test_the_prompt_queue_reads_own_leads_once_a_batch_and_only_when_someone_set_one(
    sessions: SessionFactory, engine: Engine, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    with statements(engine) as plain:
        assert queue_due_prompts(sessions, SET_UP) == 4  # two meetings, nobody with a lead of their own
    assert not [s for s in plain if "prompt_lead_minutes" in s]
    save_settings(sessions, SET_UP, AS_CAROL, choice(lead=3 * DAY))
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=2 * DAY))
    with statements(engine) as own:
        assert queue_due_prompts(sessions, SECOND - timedelta(days=2)) == 4  # the same, with both leads
    assert len([s for s in own if "prompt_lead_minutes" in s]) == 1
    assert len(own) == len(plain) + 1


# --- working days and hours in the slots a missed meeting is offered ---------------------------------


def test_a_missed_meetings_slots_keep_to_both_peoples_own_days_and_hours(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    # Alice (Berlin, like Bob) works Tuesday to Thursday, 12:00 to 16:00; Bob the default week.
    save_settings(sessions, SET_UP, AS_ALICE, choice(TUE_TO_THU, time(12), time(16)))
    report_not_held(sessions, FIRST_END, AS_BOB, weekly.meeting_ids[0])
    berlin = ZoneInfo(BERLIN)
    offered = [
        datetime.fromtimestamp(e, UTC).astimezone(berlin)
        for e in meeting(sessions, weekly.meeting_ids[0]).offered_slots or []
    ]
    assert offered, "some slots"
    for start in offered:
        assert (
            start.weekday() in TUE_TO_THU
            and time(12) <= start.time()
            and (start + timedelta(minutes=30)).time() <= time(16)
        )


# --- the outbox's `not_before` -----------------------------------------------------------------------


def test_a_message_may_wait_in_the_outbox_until_its_time(sessions: SessionFactory, weekly: Weekly) -> None:
    later = SET_UP + timedelta(hours=5)
    with sessions.begin() as session:
        assert outbox.enqueue(
            session, key="k:later", kind="prompt", now=SET_UP, recipient_id=weekly.bob_id, not_before=later
        )
        assert outbox.enqueue(session, key="k:now", kind="prompt", now=SET_UP, recipient_id=weekly.bob_id)
    with sessions.begin() as session:
        due_now = outbox.claim_due(session, SET_UP, limit=10, lease=timedelta(minutes=1))
        due_later = outbox.claim_due(session, later, limit=10, lease=timedelta(minutes=1))
        keys = {row.id: row.key for row in session.scalars(select(OutboxMessage))}
    assert "k:now" in [keys[i] for i in due_now] and "k:later" not in [keys[i] for i in due_now]
    assert "k:later" in [keys[i] for i in due_later]


# --- the pulse check-in (issue 14) -------------------------------------------------------------------


def test_the_pulse_check_in_choice_is_stored_and_a_form_from_before_the_field_leaves_it(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    assert settings_form(sessions, AS_BOB).settings.pulse_as_report is True  # on as a report by default
    assert settings_form(sessions, AS_ALICE).settings.pulse_as_manager is False  # off where one leads
    chosen = replace(choice(), pulse_as_report=False, pulse_as_manager=True)
    saved = save_settings(sessions, SET_UP, AS_ALICE, chosen)
    assert (saved.settings.pulse_as_report, saved.settings.pulse_as_manager) == (False, True)
    with sessions() as session:
        alice = session.scalars(select(Person).where(Person.slack_user_id == ALICE)).one()
        assert (alice.pulse_as_report, alice.pulse_as_manager) == (False, True)
    # A modal opened before the field existed has no pulse value: what she chose stays as it is.
    save_settings(sessions, SET_UP, AS_ALICE, choice(lead=2 * 60))
    again = settings_form(sessions, AS_ALICE).settings
    assert (again.lead_minutes, again.pulse_as_report, again.pulse_as_manager) == (2 * 60, False, True)
