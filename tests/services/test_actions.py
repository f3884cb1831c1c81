"""Action items between meetings: owned by one of the two, closed once, by either of them only."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select, update

from bot.domain.outbox import MessageKind
from bot.services import actions, summaries
from bot.services.pairs import Actor
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, OutboxMessage
from tests.services.conftest import FIRST_END, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import addressed, queued, refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, BOB, CAROL, TEAM

NOW = SET_UP + timedelta(hours=1)


def _items(sessions: SessionFactory) -> list[tuple[str, int, object]]:
    with sessions() as session:
        return [
            (a.text, a.owner_id, a.done_at)
            for a in session.scalars(select(ActionItem).order_by(ActionItem.id))
        ]


def test_an_item_is_the_callers_unless_it_is_for_the_other(sessions: SessionFactory, weekly: Weekly) -> None:
    mine = actions.add_action(sessions, NOW, AS_BOB, None, "Draft the RFC", None, date(2026, 12, 4))
    theirs = actions.add_action(sessions, NOW, AS_BOB, ALICE, "Review it", ALICE, None)
    assert (mine.owner_user_id, mine.other_user_id) == (BOB, ALICE)
    assert theirs.owner_user_id == ALICE
    assert _items(sessions) == [("Draft the RFC", weekly.bob_id, None), ("Review it", weekly.alice_id, None)]


def test_an_owner_outside_the_pair_or_a_pair_that_does_not_exist_is_refused(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    with refused(sessions, "An action item belongs to one of the two people of the 1:1."):
        actions.add_action(sessions, NOW, AS_ALICE, BOB, "Hire", CAROL, None)
    with refused(sessions, "You don't have a 1:1 with {}.", people=(CAROL,)):
        actions.add_action(sessions, NOW, AS_ALICE, CAROL, "Hire", None, None)
    with refused(sessions, "The action item is empty."):
        actions.add_action(sessions, NOW, AS_ALICE, BOB, "   ", None, None)


def test_either_person_closes_an_item_once_and_nobody_else_can(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    item = actions.add_action(sessions, NOW, AS_BOB, None, "Draft the RFC", None, None).action_id
    schedule_weekly(sessions, AS_CAROL, "UDAVE001")  # Carol is known, with a 1:1 of her own
    with refused(sessions, f"There is no action item #{item} in your 1:1s."):
        actions.complete_action(sessions, NOW, AS_CAROL, item)
    with refused(sessions, f"There is no action item #{item + 999} in your 1:1s."):
        actions.complete_action(sessions, NOW, AS_ALICE, item + 999)
    done = actions.complete_action(sessions, NOW, AS_ALICE, item)
    assert (done.owner_user_id, done.other_user_id) == (BOB, BOB)
    actions.complete_action(sessions, NOW + timedelta(hours=1), AS_BOB, item)  # both clicked "Done"
    assert _items(sessions) == [("Draft the RFC", weekly.bob_id, NOW)]


def test_closing_an_item_of_a_posted_summary_updates_that_summary(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    items = [summaries.ActionInput(f"action_{n}", f"Item {n}", BOB, None) for n in (1, 2)]
    summaries.submit_summary(
        sessions, FIRST_END, AS_ALICE, summaries.SummaryInput(first, "view:S1", actions=items)
    )
    with sessions() as session:
        before_posting, after_posting = session.scalars(select(ActionItem.id).order_by(ActionItem.id)).all()
    actions.complete_action(sessions, FIRST_END, AS_ALICE, before_posting)  # the summary renders fresh
    assert queued(sessions, MessageKind.SUMMARY_UPDATE) == []
    with sessions.begin() as session:  # as delivery records it once Slack has posted it
        session.execute(update(OutboxMessage).where(OutboxMessage.kind == "summary").values(status="sent"))
    actions.complete_action(sessions, FIRST_END, AS_BOB, after_posting)
    [posted] = queued(sessions, MessageKind.SUMMARY)
    [change] = queued(sessions, MessageKind.SUMMARY_UPDATE)
    assert change.params == {"meeting_id": first, "update_of": posted.id}


def test_an_added_item_keeps_its_due_date_and_says_what_was_added(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    added = actions.add_action(sessions, NOW, AS_ALICE, None, "  Draft   the RFC ", BOB, date(2026, 12, 4))
    with sessions() as session:
        item = session.scalars(select(ActionItem)).one()
        assert (item.text, item.due_date, item.created_by_id) == (
            "Draft the RFC",
            date(2026, 12, 4),
            weekly.alice_id,
        )
    assert added == actions.ActionChange(item.id, "Draft the RFC", BOB, BOB)
    assert actions.add_action(sessions, NOW, AS_BOB, None, "Read it", None, None).other_user_id == ALICE


def test_closing_says_which_item_it_was_and_whose(sessions: SessionFactory, weekly: Weekly) -> None:
    alices = actions.add_action(sessions, NOW, AS_BOB, None, "Review it", ALICE, None).action_id
    assert actions.complete_action(sessions, NOW, AS_BOB, alices) == actions.ActionChange(
        alices, "Review it", ALICE, ALICE
    )


def test_a_stranger_cannot_close_an_item(sessions: SessionFactory, weekly: Weekly) -> None:
    item = actions.add_action(sessions, NOW, AS_BOB, None, "Draft the RFC", None, None).action_id
    with refused(sessions, f"There is no action item #{item} in your 1:1s."):
        actions.complete_action(sessions, NOW, Actor(TEAM, "UNOBODY1"), item)


def test_closing_an_item_of_a_posted_summary_updates_it_under_its_own_key(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    first = weekly.meeting_ids[0]
    items = [summaries.ActionInput("action_1", "Item", BOB, None)]
    summaries.submit_summary(
        sessions, FIRST_END, AS_ALICE, summaries.SummaryInput(first, "view:S1", actions=items)
    )
    with sessions.begin() as session:  # as delivery records it once Slack has posted it
        session.execute(update(OutboxMessage).where(OutboxMessage.kind == "summary").values(status="sent"))
        item = session.scalars(select(ActionItem.id)).one()
    actions.complete_action(sessions, FIRST_END, AS_BOB, item)
    [posted] = queued(sessions, MessageKind.SUMMARY)
    [change] = addressed(sessions, MessageKind.SUMMARY_UPDATE)
    assert (change["key"], change["meeting_id"]) == (f"summary_update:{posted.id}:done-{item}", first)
