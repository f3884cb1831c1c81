import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from datetime import time as time_of
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.settings import WorkingHours
from bot.domain.slots import WORK_DAYS, WORK_END, WORK_START, Attendee, describe, find_slots

NOW = datetime(2026, 12, 3, 18, 0, tzinfo=UTC)  # Thursday
HALF_HOUR = timedelta(minutes=30)


def in_hours(instant: datetime, zone: str) -> bool:
    local = instant.astimezone(ZoneInfo(zone))
    return (
        local.weekday() < 5
        and local.hour >= 9
        and (local + HALF_HOUR).time() <= (datetime(2000, 1, 1, 17).time())
        and (local + HALF_HOUR).date() == local.date()
    )


def test_new_york_and_berlin_slots_fall_inside_both_working_days() -> None:
    people = [Attendee("A", "America/New_York"), Attendee("B", "Europe/Berlin")]
    slots = find_slots(people, NOW, HALF_HOUR)
    assert 1 <= len(slots) <= 4
    for slot in slots:
        assert slot.inside_everyones_hours
        assert in_hours(slot.starts_at, "America/New_York") and in_hours(slot.starts_at, "Europe/Berlin")
    days = {slot.starts_at.date() for slot in slots}
    assert len(days) == len(slots)  # one a day
    assert slots == sorted(slots, key=lambda s: s.starts_at) and slots[0].starts_at > NOW


def test_new_york_and_tokyo_get_the_closest_slots_with_whose_evening_it_is() -> None:
    people = [Attendee("A", "America/New_York"), Attendee("C", "Asia/Tokyo")]
    slots = find_slots(people, NOW, HALF_HOUR)
    assert slots
    for slot in slots:
        assert not slot.inside_everyones_hours
        # The burden is shared: New York stays late, Tokyo comes in early.
        assert [view.label for view in slot.views] == ["evening", "early morning"]


def test_busy_times_are_avoided() -> None:
    people = [Attendee("A", "Europe/Berlin"), Attendee("B", "Europe/Berlin")]
    first = find_slots(people, NOW, HALF_HOUR)[0]
    again = find_slots(people, NOW, HALF_HOUR, busy=[(first.starts_at, first.starts_at + HALF_HOUR)])
    assert all(slot.starts_at != first.starts_at for slot in again)


@settings(max_examples=40, deadline=None)
@given(
    st.sampled_from(["America/New_York", "Europe/Berlin", "Asia/Kolkata", "Australia/Sydney", "UTC"]),
    st.sampled_from(["America/Los_Angeles", "Europe/London", "Asia/Tokyo", "America/Sao_Paulo"]),
    st.datetimes(min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31)).map(
        lambda d: d.replace(tzinfo=UTC)
    ),
)
def test_slots_are_in_the_future_and_inside_hours_whenever_the_zones_overlap(zone_a, zone_b, now) -> None:  # type: ignore[no-untyped-def]
    people = [Attendee("A", zone_a), Attendee("B", zone_b)]
    slots = find_slots(people, now, HALF_HOUR)
    assert slots
    for slot in slots:
        assert slot.starts_at >= now + timedelta(hours=1)
        if slot.inside_everyones_hours:
            assert in_hours(slot.starts_at, zone_a) and in_hours(slot.starts_at, zone_b)
    if any(slot.inside_everyones_hours for slot in slots):
        assert all(slot.inside_everyones_hours for slot in slots)


# --- exact rules: where the search starts, what clashes, what is offered ----------------------------

BERLIN = "Europe/Berlin"
BERLINERS = [Attendee("A", BERLIN), Attendee("B", BERLIN)]
TUESDAY_8 = datetime(2026, 12, 1, 7, 0, tzinfo=UTC)  # 08:00 in Berlin


def berlin(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo(BERLIN))


@pytest.fixture
def server_zone(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[str], None]]:
    """Sets the machine's own time zone (TZ), which must make no difference to anyone's slots."""

    def set_zone(name: str) -> None:
        monkeypatch.setenv("TZ", name)
        time.tzset()

    yield set_zone
    monkeypatch.undo()
    time.tzset()


def test_the_first_slot_may_start_exactly_an_hour_from_now() -> None:
    assert find_slots(BERLINERS, TUESDAY_8, HALF_HOUR)[0].starts_at == berlin(1, 9)


def test_slots_start_on_the_half_hour_even_when_asked_at_an_odd_instant() -> None:
    odd = TUESDAY_8 + timedelta(seconds=30, microseconds=500)
    assert find_slots(BERLINERS, odd, HALF_HOUR)[0].starts_at == berlin(1, 9, 30)


def test_slots_start_on_the_half_hour_whatever_the_servers_zone(server_zone: Callable[[str], None]) -> None:
    server_zone("Asia/Kathmandu")  # UTC+05:45
    starts = [slot.starts_at for slot in find_slots(BERLINERS, TUESDAY_8, HALF_HOUR)]
    assert starts[0] == berlin(1, 9)
    assert all(start.minute in (0, 30) and start.second == 0 for start in starts)


def test_meetings_may_be_back_to_back_with_busy_times() -> None:
    busy = [(berlin(1, 8, 30), berlin(1, 9)), (berlin(1, 9, 30), berlin(1, 10))]
    assert find_slots(BERLINERS, TUESDAY_8, HALF_HOUR, busy=busy)[0].starts_at == berlin(1, 9)


def test_a_day_without_free_time_inside_working_hours_is_not_offered_when_others_have_some() -> None:
    # Berlin and London share 10:00 to 17:00 Berlin time. Friday's is taken: 09:30 or 17:00 would be only
    # half an hour outside one of them, but other days have time inside both.
    people = [Attendee("A", BERLIN), Attendee("B", "Europe/London")]
    busy = [(berlin(4, 10), berlin(4, 17))]
    slots = find_slots(people, TUESDAY_8, HALF_HOUR, count=10, busy=busy)
    assert [slot.starts_at for slot in slots] == [berlin(day, 10) for day in (1, 2, 3, 7, 8, 9, 10)]
    assert all(slot.inside_everyones_hours for slot in slots)


def test_without_common_hours_a_busy_week_still_gets_a_compromise_a_day() -> None:
    # New York and Tokyo share no working hours: the best slots, New York's 17:30, cost 150 minutes
    # outside them. Mon to Wed those evenings are taken; 19:30, half an hour worse, is offered instead of
    # leaving those days out, after the two Thursdays that still have the best slot.
    new_york = ZoneInfo("America/New_York")
    people = [Attendee("A", "America/New_York"), Attendee("C", "Asia/Tokyo")]
    evenings = [
        (datetime(2026, 12, d, 16, tzinfo=new_york), datetime(2026, 12, d, 19, 30, tzinfo=new_york))
        for d in (7, 8, 9)
    ]
    slots = find_slots(people, NOW, HALF_HOUR, busy=evenings)
    local = [
        (slot.starts_at.astimezone(new_york).day, slot.starts_at.astimezone(new_york).time())
        for slot in slots
    ]
    assert local == [(3, time_of(17, 30)), (7, time_of(19, 30)), (8, time_of(19, 30)), (10, time_of(17, 30))]


def test_one_slot_a_day_counts_the_peoples_days_not_utcs(server_zone: Callable[[str], None]) -> None:
    # Auckland and Sydney overlap from 11:00 to 17:00 Auckland time, across midnight UTC.
    server_zone("UTC")
    auckland = ZoneInfo("Pacific/Auckland")
    people = [Attendee("A", "Pacific/Auckland"), Attendee("B", "Australia/Sydney")]
    days = [slot.starts_at.astimezone(auckland).date() for slot in find_slots(people, TUESDAY_8, HALF_HOUR)]
    assert len(set(days)) == len(days) == 4


@pytest.mark.parametrize(
    ("local", "label"),
    [
        (berlin(5, 10), "weekend"),  # Saturday
        (berlin(7, 5, 30), "night"),
        (berlin(7, 6), "early morning"),
        (berlin(7, 8, 30), "early morning"),
        (berlin(7, 9), None),
        (berlin(7, 16, 30), None),
        (berlin(7, 17), "evening"),
        (berlin(7, 20, 30), "evening"),
        (berlin(7, 21), "night"),
    ],
)
def test_each_person_is_told_whose_morning_evening_or_night_a_slot_is(
    local: datetime, label: str | None
) -> None:
    slot = describe(local.astimezone(UTC), [Attendee("A", BERLIN), Attendee("B", "UTC")])
    view = slot.views[0]
    assert (view.key, view.local, view.label, view.outside_hours) == ("A", local, label, label is not None)
    assert view.local.utcoffset() == timedelta(hours=1)  # Berlin's own clock
    assert slot.views[1].key == "B" and slot.views[1].local.utcoffset() == timedelta(0)


# --- each person's own working days and hours (Settings) ----------------------------------------------

NEW_YORK = "America/New_York"
TUE_TO_THU_NOON_TO_EIGHT = WorkingHours(frozenset({1, 2, 3}), time_of(12), time_of(20))


def new_york(day: int, hour: int, minute: int = 0) -> datetime:
    """December 2026 in New York: the 7th is a Monday."""
    return datetime(2026, 12, day, hour, minute, tzinfo=ZoneInfo(NEW_YORK))


def test_slots_fall_inside_both_peoples_own_days_and_hours() -> None:
    # Alice works Tuesday to Thursday, 12:00 to 20:00; Dave, in the same zone, the default week.
    alice = Attendee("A", NEW_YORK, TUE_TO_THU_NOON_TO_EIGHT)
    dave = Attendee("D", NEW_YORK)
    slots = find_slots([alice, dave], new_york(1, 10, 35).astimezone(UTC), HALF_HOUR)
    assert [slot.starts_at for slot in slots] == [new_york(day, 12) for day in (1, 2, 3, 8)]
    assert all(slot.inside_everyones_hours for slot in slots)
    # With Dave's week alone, Friday and Monday mornings were on offer.
    defaults = find_slots([Attendee("A", NEW_YORK), dave], new_york(1, 10, 35).astimezone(UTC), HALF_HOUR)
    assert [slot.starts_at for slot in defaults] == [new_york(1, 12), *(new_york(d, 9) for d in (2, 3, 4))]


def test_a_person_without_settings_has_the_default_week() -> None:
    assert Attendee("A", BERLIN).hours == WorkingHours(WORK_DAYS, WORK_START, WORK_END)
    explicit = [Attendee("A", BERLIN, WorkingHours()), Attendee("B", BERLIN, WorkingHours())]
    assert find_slots(explicit, TUESDAY_8, HALF_HOUR) == find_slots(BERLINERS, TUESDAY_8, HALF_HOUR)


def test_without_common_hours_the_compromise_counts_each_persons_own_hours() -> None:
    # Alice (New York, 12:00 to 20:00) and Bob (Berlin, 09:00 to 17:00) share no working time: Bob's
    # 17:00 is Alice's 11:00. The best slots stick out by the least in total, split as fairly as can be.
    alice = Attendee("A", NEW_YORK, TUE_TO_THU_NOON_TO_EIGHT)
    bob = Attendee("B", BERLIN)
    slots = find_slots([alice, bob], new_york(1, 10, 35).astimezone(UTC), HALF_HOUR)
    assert slots and not any(slot.inside_everyones_hours for slot in slots)
    for slot in slots:
        alice_view, bob_view = slot.views
        assert alice_view.local.weekday() in (1, 2, 3)  # never on her days off
        assert (alice_view.label, bob_view.label) in (
            ("morning", None),
            (None, "evening"),
            ("morning", "evening"),
        )


@pytest.mark.parametrize(
    ("local", "label"),
    [
        (new_york(7, 14), "day off"),  # Monday: a weekday she doesn't work
        (new_york(5, 14), "weekend"),  # Saturday
        (new_york(8, 5), "night"),
        (new_york(8, 7), "early morning"),
        (new_york(8, 10), "morning"),  # before her 12:00 start
        (new_york(8, 12), None),
        (new_york(8, 19, 30), None),
        (new_york(8, 20), "evening"),
        (new_york(8, 21), "night"),
    ],
)
def test_labels_follow_the_persons_own_hours(local: datetime, label: str | None) -> None:
    view = describe(local.astimezone(UTC), [Attendee("A", NEW_YORK, TUE_TO_THU_NOON_TO_EIGHT)]).views[0]
    assert (view.label, view.outside_hours) == (label, label is not None)


def test_an_afternoon_before_a_late_start_is_called_the_afternoon() -> None:
    late = WorkingHours(frozenset(range(5)), time_of(14), time_of(22))
    assert describe(new_york(8, 13).astimezone(UTC), [Attendee("A", NEW_YORK, late)]).views[0].label == (
        "afternoon"
    )
