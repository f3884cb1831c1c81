from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.domain.slots import Attendee, find_slots

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
