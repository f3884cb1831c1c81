"""The pulse against a real database: a tap stored (and refused), who is offered the check-in, the pair's
trend as each of the two sees it, and the Home tabs it republishes."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from bot.domain.meetings import MeetingStatus
from bot.domain.outbox import MessageKind
from bot.domain.pulse import WINDOW, Feeling, Run
from bot.services import pulse
from bot.services.agenda import build_agenda
from bot.services.materialise import materialise_due
from bot.services.pairs import Actor
from bot.services.pulse import CheckIn, PulseView, Trend
from bot.store.db import SessionFactory
from bot.store.models import Meeting, OutboxMessage, Pair, Person, PulseCheck
from tests.services.conftest import FIRST, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BERLIN, BOB, DAVE

H, C, S, E = Feeling.HAPPY, Feeling.CHALLENGED, Feeling.STRESSED, Feeling.ENGAGED
UNTAPPED = dict.fromkeys(Feeling)


def start_of(sessions: SessionFactory, meeting_id: int) -> datetime:
    with sessions() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        return meeting.starts_at


def tap(
    sessions: SessionFactory, who: Actor, meeting_id: int, feeling: Feeling, score: int, before: int = 60
) -> PulseView | None:
    """`who` taps `score` for `feeling` `before` minutes ahead of the meeting: the pulse of their prompt."""
    at = start_of(sessions, meeting_id) - timedelta(minutes=before)
    return pulse.tap(sessions, at, who, meeting_id, feeling, score).pulse


def tap_all(sessions: SessionFactory, who: Actor, meeting_id: int, scores: tuple[int, int, int, int]) -> None:
    for feeling, score in zip(Feeling, scores, strict=True):
        tap(sessions, who, meeting_id, feeling, score)


def checks(sessions: SessionFactory) -> list[tuple[int, int, int | None, int | None, int | None, int | None]]:
    with sessions() as session:
        return [
            (c.meeting_id, c.person_id, c.happy, c.challenged, c.stressed, c.engaged)
            for c in session.scalars(select(PulseCheck).order_by(PulseCheck.id))
        ]


def view_of(sessions: SessionFactory, user_id: str, meeting_id: int, now: datetime) -> PulseView | None:
    """The pulse in `user_id`'s agenda of the meeting, at `now`."""
    with sessions() as session:
        meeting = session.get(Meeting, meeting_id)
        assert meeting is not None
        pair = session.get(Pair, meeting.pair_id)
        viewer = session.scalars(select(Person).where(Person.slack_user_id == user_id)).one()
        assert pair is not None
        return build_agenda(session, pair, viewer, meeting, now, BERLIN).pulse


def set_person(sessions: SessionFactory, person_id: int, **values: object) -> None:
    with sessions.begin() as session:
        person = session.get(Person, person_id)
        for name, value in values.items():
            setattr(person, name, value)


# --- a tap --------------------------------------------------------------------------------------------------


def test_a_tap_stores_one_score_in_the_persons_row_for_the_meeting_and_shows_it_chosen(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    shown = tap(sessions, AS_BOB, first, S, 4)
    assert checks(sessions) == [(first, weekly.bob_id, None, None, 4, None)]
    assert shown is not None and shown.check_in == CheckIn(first, {**UNTAPPED, S: 4})
    # More taps fill the same row; a second tap on a feeling changes it (until the meeting starts).
    tap(sessions, AS_BOB, first, H, 2)
    shown = tap(sessions, AS_BOB, first, S, 3, before=1)
    assert checks(sessions) == [(first, weekly.bob_id, 2, None, 3, None)]
    assert shown is not None and shown.check_in == CheckIn(first, {**UNTAPPED, H: 2, S: 3})
    with sessions() as session:
        row = session.scalars(select(PulseCheck)).one()
        assert (row.pair_id, row.updated_at) == (weekly.pair_id, FIRST - timedelta(minutes=1))


def test_the_same_tap_again_changes_nothing_more(sessions: SessionFactory, weekly: Weekly) -> None:
    first = weekly.meeting_ids[0]
    tap(sessions, AS_BOB, first, E, 5)
    tap(sessions, AS_BOB, first, E, 5)
    assert checks(sessions) == [(first, weekly.bob_id, None, None, None, 5)]


def test_a_tap_once_the_meeting_started_is_refused_and_stores_nothing(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    tap(sessions, AS_BOB, first, S, 2)
    with refused(sessions, "has started, so its check-in is closed"):
        pulse.tap(sessions, FIRST, AS_BOB, first, S, 5)
    with refused(sessions, "has started"):
        pulse.tap(sessions, FIRST + timedelta(days=1), AS_BOB, first, H, 1)
    assert checks(sessions) == [(first, weekly.bob_id, None, None, 2, None)]


def test_a_tap_for_a_skipped_meeting_is_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with sessions.begin() as session:
        meeting = session.get(Meeting, weekly.meeting_ids[1])
        assert meeting is not None
        meeting.status = MeetingStatus.SKIPPED
    with refused(sessions, "isn't going ahead"):
        pulse.tap(sessions, SET_UP, AS_BOB, weekly.meeting_ids[1], S, 2)


def test_someone_outside_the_pair_is_refused_alike_for_a_real_id_and_a_missing_one(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE, weekday=2)  # Carol is known, with a 1:1 of her own
    for meeting_id in (weekly.meeting_ids[0], 999_999):
        with refused(sessions, "That 1:1 isn't one of yours."):
            pulse.tap(sessions, SET_UP, AS_CAROL, meeting_id, S, 5)
    with refused(sessions, "That 1:1 isn't one of yours."):
        pulse.tap(sessions, SET_UP, Actor("T0002", BOB), weekly.meeting_ids[0], S, 5)  # Bob elsewhere


def test_the_manager_is_refused_until_they_turn_it_on_and_the_report_once_they_turn_it_off(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    with refused(sessions, "The pulse check-in is off for you in this 1:1", "Settings"):
        pulse.tap(sessions, SET_UP, AS_ALICE, first, S, 3)
    set_person(sessions, weekly.alice_id, pulse_as_manager=True)
    tap(sessions, AS_ALICE, first, S, 3)
    set_person(sessions, weekly.bob_id, pulse_as_report=False)
    with refused(sessions, "is off for you"):
        pulse.tap(sessions, SET_UP, AS_BOB, first, S, 3)
    assert checks(sessions) == [(first, weekly.alice_id, None, None, 3, None)]


def test_in_a_pair_nobody_leads_the_check_in_is_offered_to_nobody(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with sessions.begin() as session:
        pair = session.get(Pair, weekly.pair_id)
        assert pair is not None
        pair.manager_id = None
    set_person(sessions, weekly.alice_id, pulse_as_manager=True)
    for who, user_id in ((AS_ALICE, ALICE), (AS_BOB, BOB)):
        assert view_of(sessions, user_id, weekly.meeting_ids[0], SET_UP) is None
        with refused(sessions, "is off for you"):
            pulse.tap(sessions, SET_UP, who, weekly.meeting_ids[0], S, 3)


# --- the check-in offered -----------------------------------------------------------------------------------


def test_the_report_is_offered_the_check_in_until_the_meeting_starts_and_the_manager_is_not(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    assert view_of(sessions, BOB, first, SET_UP) == PulseView(CheckIn(first, UNTAPPED), 0, ())
    assert view_of(sessions, ALICE, first, SET_UP) is None  # nothing to show her: no check-in, no pulse
    assert view_of(sessions, BOB, first, FIRST) is None  # started: closed
    set_person(sessions, weekly.alice_id, pulse_as_manager=True)
    assert view_of(sessions, ALICE, first, SET_UP) == PulseView(CheckIn(first, UNTAPPED), 0, ())


def test_turning_it_off_hides_the_check_in_but_the_pairs_scores_stay_in_the_trend(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first, second = weekly.meeting_ids[:2]
    tap_all(sessions, AS_BOB, first, (4, 3, 2, 5))
    set_person(sessions, weekly.bob_id, pulse_as_report=False)
    for user_id in (BOB, ALICE):
        shown = view_of(sessions, user_id, second, FIRST + timedelta(days=1))
        assert shown is not None and shown.check_in is None
        assert [t.user_id for t in shown.trends] == [BOB] and shown.trends[0].values[E] == (5,)


# --- the trend ----------------------------------------------------------------------------------------------


def test_the_trend_is_the_pairs_last_meetings_with_a_pulse_per_person_with_gaps_and_runs(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    set_person(sessions, weekly.alice_id, pulse_as_manager=True)
    m = weekly.meeting_ids
    tap_all(sessions, AS_BOB, m[0], (4, 3, 2, 5))
    # No pulse at all for m[1]: not in the trend. Bob answers only stress for m[2].
    tap(sessions, AS_BOB, m[2], S, 3)
    tap_all(sessions, AS_BOB, m[3], (3, 3, 4, 4))
    tap_all(sessions, AS_ALICE, m[3], (5, 2, 1, 5))
    shown = view_of(sessions, ALICE, m[4], start_of(sessions, m[4]) - timedelta(hours=1))
    assert shown == PulseView(
        CheckIn(m[4], UNTAPPED),
        3,
        (
            Trend(
                BOB,
                is_viewer=False,
                leads=False,
                values={H: (4, None, 3), C: (3, None, 3), S: (2, 3, 4), E: (5, None, 4)},
                runs=(Run(S, "up", 2),),
            ),
            Trend(
                ALICE,
                is_viewer=True,
                leads=True,
                values={H: (None, None, 5), C: (None, None, 2), S: (None, None, 1), E: (None, None, 5)},
                runs=(),
            ),
        ),
    )
    # Bob sees the same trend, as his own.
    bobs = view_of(sessions, BOB, m[4], start_of(sessions, m[4]) - timedelta(hours=1))
    assert bobs is not None
    assert [(t.user_id, t.is_viewer) for t in bobs.trends] == [(BOB, True), (ALICE, False)]
    assert bobs.trends[0].values == shown.trends[0].values


def test_the_trend_spans_the_last_eight_meetings_with_a_pulse(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    materialise_due(sessions, FIRST + timedelta(weeks=8))
    with sessions() as session:
        meeting_ids = list(
            session.scalars(
                select(Meeting.id).where(Meeting.pair_id == weekly.pair_id).order_by(Meeting.starts_at)
            )
        )
    assert len(meeting_ids) >= WINDOW + 2
    stress = [1, 1, 1, 2, 2, 3, 4, 5, 5, 5]
    for meeting_id, score in zip(meeting_ids, stress, strict=False):
        tap(sessions, AS_BOB, meeting_id, S, score)
    after = start_of(sessions, meeting_ids[9]) + timedelta(hours=1)
    shown = view_of(sessions, ALICE, meeting_ids[10], after)
    assert shown is not None and shown.meetings == WINDOW
    assert shown.trends[0].values[S] == (1, 2, 2, 3, 4, 5, 5, 5)
    assert shown.trends[0].runs == ()  # level at the top for two meetings: no longer rising


def test_a_pair_sees_only_its_own_pulse(sessions: SessionFactory, weekly: Weekly) -> None:
    carols = schedule_weekly(sessions, AS_CAROL, DAVE, weekday=2)
    tap_all(sessions, AS_BOB, weekly.meeting_ids[0], (1, 1, 5, 1))
    with sessions() as session:
        theirs = session.scalars(
            select(Meeting.id).where(Meeting.series_id == carols.series_id).order_by(Meeting.starts_at)
        ).first()
    assert theirs is not None
    for user_id in ("UCAROL01", DAVE):
        shown = view_of(sessions, user_id, theirs, SET_UP)
        assert shown is None or shown.trends == ()


# --- Home tabs ----------------------------------------------------------------------------------------------


def test_a_tap_republishes_both_home_tabs_of_the_pair(sessions: SessionFactory, weekly: Weekly) -> None:
    set_person(sessions, weekly.alice_id, home_opened_at=SET_UP)
    set_person(sessions, weekly.bob_id, home_opened_at=SET_UP)
    with sessions.begin() as session:
        for row in session.scalars(select(OutboxMessage)):
            session.delete(row)
    tap(sessions, AS_BOB, weekly.meeting_ids[0], S, 4)
    republished = {row.recipient_id for row in queued(sessions, MessageKind.HOME)}
    assert republished == {weekly.alice_id, weekly.bob_id}
    # No score travels in what is queued: the Home tab reads the pulse when it is published.
    assert all(row.params in ({}, None) for row in queued(sessions))
