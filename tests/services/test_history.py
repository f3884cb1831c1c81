"""A pair's history without Slack (issue 14, part 4): past meetings newest first, a page at a time, each with
what it recorded as the viewer may see it; words that find key points, topics, action items and the viewer's
own notes from long ago; and refusals that reveal and change nothing. Runs on both databases."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select, update

from bot.domain.agenda import Visibility
from bot.domain.meetings import MeetingStatus
from bot.domain.templates import TopicKind
from bot.services import actions, history, summaries, topics
from bot.services.agenda import add_note
from bot.services.history import HistoryView, KeyPoints, PastMeeting
from bot.services.materialise import materialise_due
from bot.services.pairs import Actor, NoSuchPair
from bot.services.summaries import ActionInput, SummaryInput
from bot.store.db import SessionFactory
from bot.store.models import ActionItem, Meeting, Pair, PulseCheck, Summary, TemplateOutcome, Topic
from tests.services.conftest import FIRST, SET_UP, Weekly, schedule_weekly
from tests.services.helpers import refused
from tests.services.people import ALICE, AS_ALICE, AS_BOB, AS_CAROL, AS_DAVE, BERLIN, BOB, DAVE


def meeting_ids(sessions: SessionFactory, weekly: Weekly, weeks: int) -> list[int]:
    """The pair's first `weeks` meetings, soonest first (materialised that far)."""
    for week in range(0, weeks, 4):  # the clock adds meetings a few weeks ahead as time goes by
        materialise_due(sessions, FIRST + timedelta(weeks=week))
    with sessions() as session:
        query = select(Meeting.id).where(Meeting.pair_id == weekly.pair_id).order_by(Meeting.starts_at)
        return list(session.scalars(query))[:weeks]


def start_of(sessions: SessionFactory, meeting_id: int) -> datetime:
    with sessions() as session:
        found = session.get(Meeting, meeting_id)
        assert found is not None
        return found.starts_at


def hold(
    sessions: SessionFactory,
    meeting_id: int,
    key_points: str,
    *,
    by: Actor = AS_ALICE,
    actions: list[ActionInput] | None = None,
    note: str = "",
) -> None:
    """The meeting took place and `by` wrote its summary right after."""
    after = start_of(sessions, meeting_id) + timedelta(minutes=35)
    form = SummaryInput(meeting_id, f"view:{meeting_id}:{by.user_id}", key_points, actions or [], note=note)
    summaries.submit_summary(sessions, after, by, form)


def set_status(sessions: SessionFactory, meeting_id: int, status: MeetingStatus) -> None:
    with sessions.begin() as session:
        session.execute(update(Meeting).where(Meeting.id == meeting_id).values(status=status))


def texts(view: HistoryView) -> list[list[str]]:
    """Each meeting's key points, newest first."""
    return [[part.text for part in meeting.key_points] for meeting in view.meetings]


def only(view: HistoryView) -> PastMeeting:
    (meeting,) = view.meetings
    return meeting


# ------------------------------------------------------------------------------------------------ the list


def test_past_meetings_newest_first_five_a_page_each_with_what_happened_and_what_it_recorded(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 8)
    for week in (0, 1, 3, 6):
        hold(sessions, ids[week], f"Week {week} points")
    set_status(sessions, ids[2], MeetingStatus.SKIPPED)
    set_status(sessions, ids[4], MeetingStatus.MISSED)
    set_status(sessions, ids[5], MeetingStatus.AWAY)
    hold(sessions, ids[6], "Bob's own view", by=AS_BOB)
    # Made between meetings, an action item belongs to the one after (here, across the pages' border).
    between = start_of(sessions, ids[1]) + timedelta(days=2)
    actions.add_action(sessions, between, AS_BOB, None, "Send the draft", None, None)
    actions.add_action(
        sessions, start_of(sessions, ids[3]) + timedelta(days=1), AS_BOB, None, "Ask HR", None, None
    )
    now = start_of(sessions, ids[7]) - timedelta(hours=1)  # the 8th is still ahead

    first = history.history(sessions, now, AS_ALICE, BOB, "", BERLIN)

    assert (first.total, first.pages, first.page, first.searching) == (7, 2, 0, False)
    assert [m.meeting_id for m in first.meetings] == ids[6:1:-1]  # five, newest first
    assert [m.status for m in first.meetings] == [
        MeetingStatus.HELD,
        MeetingStatus.AWAY,
        MeetingStatus.MISSED,
        MeetingStatus.HELD,
        MeetingStatus.SKIPPED,
    ]
    newest = first.meetings[0]
    assert [(p.author_user_id, p.text) for p in newest.key_points] == [
        (ALICE, "Week 6 points"),
        (BOB, "Bob's own view"),
    ]
    assert (first.other_user_id, first.viewer_user_id, first.timezone) == (BOB, ALICE, BERLIN)
    assert [[a.text for a in m.actions] for m in first.meetings] == [
        [],
        [],
        ["Ask HR"],
        [],
        ["Send the draft"],
    ]
    second = history.history(sessions, now, AS_ALICE, BOB, "", BERLIN, page=1)
    assert [m.meeting_id for m in second.meetings] == [ids[1], ids[0]]
    assert texts(second) == [["Week 1 points"], ["Week 0 points"]]
    assert [m.actions for m in second.meetings] == [[], []]
    set_status(sessions, ids[4], MeetingStatus.CANCELLED)  # passed over: the next one gets its items
    moved = history.history(sessions, now, AS_ALICE, BOB, "", BERLIN)
    assert [[a.text for a in m.actions] for m in moved.meetings] == [
        [],
        ["Ask HR"],
        [],
        [],
        ["Send the draft"],
    ]
    # An old or crafted page past the end shows the last one.
    for page in (2, 2**31 - 1):
        assert history.history(sessions, now, AS_ALICE, BOB, "", BERLIN, page=page).page == 1
    # Bob sees the same meetings from his side.
    assert history.history(sessions, now, AS_BOB, None, "", BERLIN, page=1).other_user_id == ALICE


def test_a_meeting_under_way_is_in_it_and_one_ahead_is_not(sessions: SessionFactory, weekly: Weekly) -> None:
    ids = meeting_ids(sessions, weekly, 2)

    assert history.history(sessions, FIRST - timedelta(minutes=1), AS_ALICE, None, "", BERLIN).total == 0
    under_way = history.history(sessions, FIRST + timedelta(minutes=5), AS_ALICE, None, "", BERLIN)

    assert [(m.meeting_id, m.status) for m in under_way.meetings] == [(ids[0], MeetingStatus.SCHEDULED)]


def test_action_items_done_or_open_outcomes_and_only_the_viewers_own_notes(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 2)
    grow = topics.add_topic(sessions, SET_UP, AS_BOB, None, "Becoming a tech lead").topic_id
    hold(
        sessions,
        ids[0],
        "Agreed on a plan",
        actions=[
            ActionInput("a1", "Draft the plan", BOB, None),
            ActionInput("a2", "Book a mentor", ALICE, None),
        ],
        note="Alice's own thoughts",
    )
    hold(
        sessions, ids[0], "", by=AS_BOB, actions=[ActionInput("a1", "Read the book", BOB, None)], note="Bob's"
    )
    with sessions.begin() as session:
        session.execute(update(Topic).where(Topic.id == grow).values(kind=TopicKind.GROW))
        summary_id = session.scalars(select(Summary.id).order_by(Summary.id)).first()
        for step, text in (("goal", "Lead the platform team"), ("will", "Pair with Dana weekly")):
            session.add(
                TemplateOutcome(summary_id=summary_id, topic_id=grow, step=step, text=text, created_at=SET_UP)
            )
    actions.complete_action(
        sessions, FIRST + timedelta(hours=2), AS_BOB, action_id(sessions, "Draft the plan")
    )
    add_note(sessions, FIRST + timedelta(hours=3), AS_BOB, None, "Bob's later note")  # on the next meeting
    now = start_of(sessions, ids[1]) + timedelta(hours=1)

    alice = history.history(sessions, now, AS_ALICE, None, "", BERLIN)
    bob = history.history(sessions, now, AS_BOB, None, "", BERLIN)

    first = alice.meetings[1]
    assert [p.text for p in first.key_points] == ["Agreed on a plan"]  # Bob's summary had no key points
    assert [(a.text, a.owner_user_id, a.done) for a in first.actions] == [
        ("Draft the plan", BOB, True),
        ("Book a mentor", ALICE, False),
        ("Read the book", BOB, False),
    ]
    assert [(o.topic_text, o.kind, o.step, o.text) for o in first.outcomes] == [
        ("Becoming a tech lead", TopicKind.GROW, "goal", "Lead the platform team"),
        ("Becoming a tech lead", TopicKind.GROW, "will", "Pair with Dana weekly"),
    ]
    assert [n.text for n in first.my_notes] == ["Alice's own thoughts"]
    assert [n.text for n in bob.meetings[1].my_notes] == ["Bob's"]
    assert [n.text for n in bob.meetings[0].my_notes] == ["Bob's later note"]
    assert alice.meetings[0].my_notes == []
    assert first.topics == []  # topics show only when words found them


def action_id(sessions: SessionFactory, text: str) -> int:
    with sessions() as session:
        return session.scalars(select(ActionItem.id).where(ActionItem.text == text)).one()


# ---------------------------------------------------------------------------------------------- the search


def test_words_find_a_key_point_from_twenty_meetings_ago_with_its_meeting(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 22)
    hold(sessions, ids[0], "Bob takes over the zeppelin migration\nHiring: two engineers")
    for week in range(1, 22):
        hold(sessions, ids[week], f"Week {week}: hiring went on, budgets reviewed")
    now = start_of(sessions, ids[21]) + timedelta(hours=1)

    for actor in (AS_ALICE, AS_BOB):
        found = history.history(sessions, now, actor, None, "Zeppelin", BERLIN)
        assert (found.total, found.searching) == (1, True)
        assert only(found).meeting_id == ids[0] and only(found).starts_at == FIRST
        assert [(p.text.splitlines()[0], p.matched) for p in only(found).key_points] == [
            ("Bob takes over the zeppelin migration", True)
        ]
    # Stems and prefixes: "hired" and "budg" find "hiring" and "budgets"; every word must be there.
    assert history.history(sessions, now, AS_ALICE, None, "hired budg", BERLIN).total == 21
    assert history.history(sessions, now, AS_ALICE, None, "hired zeppelins", BERLIN).total == 1
    assert history.history(sessions, now, AS_ALICE, None, "zeppelin budgets", BERLIN).total == 0
    # Newest first, a page at a time, like the list.
    many = history.history(sessions, now, AS_ALICE, None, "hiring", BERLIN, page=4)
    assert (many.total, many.pages, [m.meeting_id for m in many.meetings]) == (22, 5, [ids[1], ids[0]])


def test_words_find_topics_action_items_and_only_the_viewers_own_notes(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 3)
    # Added before the first meeting, so on its agenda; and an action item added between meetings, which
    # belongs to the meeting after it, as its agenda showed it.
    topics.add_topic(sessions, SET_UP, AS_BOB, None, "The conference in Lisbon")
    hold(sessions, ids[0], "Talked travel", note="Lisbon would suit Bob; ask about the visa")
    actions.add_action(
        sessions, FIRST + timedelta(days=2), AS_ALICE, None, "Ask finance about Lisbon", None, None
    )
    hold(sessions, ids[1], "Budget", by=AS_BOB, note="I want to present in Lisbon")
    now = start_of(sessions, ids[2]) + timedelta(hours=1)

    alice = history.history(sessions, now, AS_ALICE, None, "lisbon", BERLIN)
    bob = history.history(sessions, now, AS_BOB, None, "lisbon", BERLIN)

    assert [m.meeting_id for m in alice.meetings] == [ids[1], ids[0]]
    second, first = alice.meetings
    assert [(a.text, a.matched) for a in second.actions] == [("Ask finance about Lisbon", True)]
    assert [(t.text, t.author_user_id, t.matched) for t in first.topics] == [
        ("The conference in Lisbon", BOB, True)
    ]
    assert [(n.text, n.matched) for n in first.my_notes] == [
        ("Lisbon would suit Bob; ask about the visa", True)
    ]
    assert second.my_notes == []  # Bob's note is his
    assert [n.text for n in bob.meetings[0].my_notes] == ["I want to present in Lisbon"]
    assert all(
        n.text != "Lisbon would suit Bob; ask about the visa" for m in bob.meetings for n in m.my_notes
    )
    # A note's words find its meeting for its author alone.
    assert history.history(sessions, now, AS_BOB, None, "visa", BERLIN).total == 0
    assert history.history(sessions, now, AS_ALICE, None, "visa", BERLIN).total == 1
    assert history.history(sessions, now, AS_ALICE, None, "present", BERLIN).total == 0


def test_a_private_topic_is_its_authors_and_a_held_back_concern_nobodys_until_its_meeting_begins(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 2)
    private = topics.add_topic(sessions, SET_UP, AS_BOB, None, "Thinking about leaving").topic_id
    concern = topics.add_topic(sessions, SET_UP, AS_ALICE, None, "Missed deadlines lately").topic_id
    with sessions.begin() as session:
        session.execute(update(Topic).where(Topic.id == private).values(visibility=Visibility.PRIVATE))
        session.execute(
            update(Topic)
            .where(Topic.id == concern)
            .values(kind=TopicKind.CONCERN, held_back=True, meeting_id=ids[1])
        )
    hold(sessions, ids[0], "Talked")

    before = start_of(sessions, ids[1]) - timedelta(hours=1)
    assert history.history(sessions, before, AS_BOB, None, "leaving", BERLIN).total == 1
    assert history.history(sessions, before, AS_ALICE, None, "leaving", BERLIN).total == 0
    for actor in (AS_ALICE, AS_BOB):  # not before its meeting: not in anyone's history yet
        assert history.history(sessions, before, actor, None, "deadlines", BERLIN).total == 0
    during = start_of(sessions, ids[1]) + timedelta(minutes=10)
    for actor in (AS_ALICE, AS_BOB):
        shown = only(history.history(sessions, during, actor, None, "deadlines", BERLIN))
        assert [t.text for t in shown.topics] == ["Missed deadlines lately"]


def test_a_search_never_shows_pulse_scores(sessions: SessionFactory, weekly: Weekly) -> None:
    ids = meeting_ids(sessions, weekly, 1)
    with sessions.begin() as session:
        session.add(
            PulseCheck(
                meeting_id=ids[0],
                pair_id=weekly.pair_id,
                person_id=weekly.bob_id,
                happy=1,
                challenged=5,
                stressed=5,
                engaged=1,
                updated_at=SET_UP,
            )
        )
    hold(sessions, ids[0], "Stressed about the launch")

    view = history.history(sessions, FIRST + timedelta(hours=1), AS_ALICE, None, "stressed", BERLIN)

    assert only(view) == PastMeeting(  # the meeting and its key point, and nothing else
        ids[0],
        FIRST,
        FIRST + timedelta(minutes=30),
        MeetingStatus.HELD,
        key_points=[KeyPoints(ALICE, "Stressed about the launch", matched=True)],
    )


@pytest.mark.parametrize(
    "words",
    [
        '"',
        '"zeppelin',
        "*",
        "zeppelin*",
        "-",
        "-zeppelin",
        "NEAR",
        "NEAR(zeppelin migration)",
        "zeppelin OR budget",
        "zeppelin AND NOT budget",
        "key_points: zeppelin",
        "^zeppelin",
        "{key_points}: zeppelin",
        "zeppelin & | ! <-> :* ()",
        "'zeppelin'",
        "\\",
        "Ünïcödé 日本語 😀 ٣",
        "\u200b\x00\x1f",
        "the of and",
        "z" * 500,
        " ".join(["zeppelin"] * 55),
        " ".join(f"w{n}" for n in range(100)),
    ],
)
def test_any_words_are_safe(sessions: SessionFactory, weekly: Weekly, words: str) -> None:
    ids = meeting_ids(sessions, weekly, 1)
    hold(sessions, ids[0], "Bob takes over the zeppelin migration")

    view = history.history(sessions, FIRST + timedelta(hours=1), AS_ALICE, None, words, BERLIN)

    assert view.total in (0, 1) and len(view.meetings) == view.total
    if view.total:
        assert only(view).meeting_id == ids[0]


def test_operators_are_words_every_one_of_which_must_be_there(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    ids = meeting_ids(sessions, weekly, 1)
    hold(sessions, ids[0], "Bob takes over the zeppelin migration")
    now = FIRST + timedelta(hours=1)

    def total(words: str) -> int:
        return history.history(sessions, now, AS_ALICE, None, words, BERLIN).total

    assert total("zeppelin OR budget") == 0  # OR is a common word, left out: "budget" must be there
    assert total("-zeppelin") == 1  # no exclusion: a word
    assert total('"zeppelin migration"') == total("migration zeppelin") == 1
    assert total("NEAR zeppelin") == 0  # NEAR is a word like any other, and isn't there
    assert total("the of and") == 0  # nothing left to look for


def test_words_past_the_limit_are_refused(sessions: SessionFactory, weekly: Weekly) -> None:
    with refused(sessions, "500"):
        history.history(sessions, FIRST, AS_ALICE, None, "x" * 501, BERLIN)


# ------------------------------------------------------------------------------------------------ refusals


def test_another_pairs_history_is_refused_the_same_way_as_a_missing_one(
    sessions: SessionFactory, weekly: Weekly
) -> None:
    schedule_weekly(sessions, AS_CAROL, DAVE)
    ids = meeting_ids(sessions, weekly, 1)
    hold(sessions, ids[0], "Secret plans")
    now = FIRST + timedelta(hours=1)

    for pair_id in (weekly.pair_id, 999_999):
        with refused(sessions, "That 1:1 isn't one of yours."):
            history.history_of_pair(sessions, now, AS_CAROL, pair_id, "", 0)
        with refused(sessions, "That 1:1 isn't one of yours."):
            history.history_of_pair(sessions, now, AS_DAVE, pair_id, "secret", 0)
    with pytest.raises(NoSuchPair):
        history.history(sessions, now, AS_CAROL, ALICE, "secret", BERLIN)
    assert history.history_of_pair(sessions, now, AS_BOB, weekly.pair_id, "secret", 0).total == 1


def test_a_pair_no_series_made_is_no_1on1_to_read(sessions: SessionFactory, weekly: Weekly) -> None:
    with sessions.begin() as session:  # as an older version left pairs that only shared topics
        session.execute(update(Pair).where(Pair.id == weekly.pair_id).values(manager_id=None))

    with refused(sessions, "That 1:1 isn't one of yours."):
        history.history_of_pair(sessions, FIRST, AS_ALICE, weekly.pair_id, "", 0)
