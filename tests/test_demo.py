"""`make demo` / `python -m bot demo`: a week of 1:1s against the bundled emulator, printed as each person saw
it, and a smoke test of an install (0 when the week played as expected, else 1 and one line why)."""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest

from bot.config import Settings
from bot.demo import play
from bot.demo.week import ACTIONS, ALICE_TOPIC, BOB_TOPIC, CAROL_TOPIC, DAVE_TOPIC

# "Mon 30 Nov 15:00 Berlin     | Bob sees in the bot's DM:", then the message's lines, each after "│ ".
HEADER = re.compile(
    r"^(?P<when>\w{3} \d{1,2} \w{3} \d\d:\d\d) (?P<zone>[\w ]+?) +\| (?P<who>\w+) (?P<what>.*)$"
)
PAIR_TOPICS = {("Alice", "Bob"): (ALICE_TOPIC, BOB_TOPIC), ("Carol", "Dave"): (CAROL_TOPIC, DAVE_TOPIC)}


@dataclass
class Seen:
    """One message in the transcript: who saw it (each at their own local time), how, and its text."""

    viewers: dict[str, str]  # name -> "Mon 30 Nov 15:00 Berlin"
    how: str  # "sees in the bot's DM", "sees (only visible to you)", …
    text: str


@dataclass
class Played:
    code: int
    out: str
    err: str

    @property
    def seen(self) -> list[Seen]:
        return parse(self.out)

    def seen_by(self, name: str, fragment: str = "") -> list[Seen]:
        return [s for s in self.seen if name in s.viewers and fragment in s.text]


def parse(transcript: str) -> list[Seen]:
    """Each run of "… sees …" header lines, with the message lines that follow it."""
    seen: list[Seen] = []
    headers: list[re.Match[str]] = []
    body: list[str] = []
    for line in [*transcript.splitlines(), ""]:
        header = HEADER.match(line)
        if "│ " in line and headers:
            body.append(line.split("│ ", 1)[1])
            continue
        if headers and (body or not (header and header["what"].startswith("sees"))):
            viewers = {h["who"]: f"{h['when']} {h['zone']}" for h in headers}
            seen.append(Seen(viewers, headers[0]["what"].rstrip(":"), "\n".join(body)))
            headers, body = [], []
        if header and header["what"].startswith("sees"):
            headers.append(header)
    return seen


def played(settings: Settings) -> Played:
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = play(settings)
    return Played(code, out.getvalue(), err.getvalue())


@pytest.fixture(scope="module")
def week() -> Played:
    """The demo, played once for this module, in this process (its settings are not used)."""
    return played(Settings.from_env({"SLACK_BOT_TOKEN": "xoxb-not-for-the-demo"}))


def test_the_week_plays_as_expected_and_says_so(week: Played) -> None:
    assert week.code == 0, week.err
    assert week.err == ""
    assert re.search(r"The week played as expected in \d+\.\d s\.", week.out)


def test_scheduling_by_command_and_form_tells_the_other_person_in_their_own_time(week: Played) -> None:
    (reply,) = week.seen_by("Alice", "Scheduled a weekly 1:1 with @Bob")
    assert reply.how == "sees (only visible to you)" and list(reply.viewers) == ["Alice"]
    assert reply.viewers["Alice"] == "Mon 30 Nov 09:00 New York"
    (told,) = week.seen_by("Bob", "@Alice set up a weekly 1:1 with you")
    assert told.viewers == {"Bob": "Mon 30 Nov 15:00 Berlin"} and told.how == "sees in the bot's DM"
    (form,) = week.seen_by("Carol", "Scheduled a weekly 1:1 with @Dave")
    assert form.how == "sees in the form"
    (told,) = week.seen_by("Dave", "@Carol set up a weekly 1:1 with you")
    assert told.viewers == {"Dave": "Mon 30 Nov 19:35 Bangalore"}


def test_topics_by_dm_are_confirmed_in_their_thread(week: Played) -> None:
    for name in ("Alice", "Bob", "Dave"):
        (confirmed,) = week.seen_by(name, "Added to your 1:1")
        assert confirmed.how == "sees in a thread of the bot's DM"
    assert f"Dave writes to the bot: {DAVE_TOPIC}" in week.out


def test_both_of_a_pair_get_the_prompt_with_the_pairs_topics(week: Played) -> None:
    for pair, topics in PAIR_TOPICS.items():
        for name in pair:
            first = week.seen_by(name, "Agenda so far")[0]
            assert all(topic in first.text for topic in topics), first.text
    # A day before each meeting, in each reader's zone.
    assert week.seen_by("Bob", "Agenda so far")[0].viewers["Bob"] == "Mon 30 Nov 16:00 Berlin"
    assert week.seen_by("Dave", "Agenda so far")[0].viewers["Dave"] == "Tue 1 Dec 15:30 Bangalore"


def test_the_summary_with_two_action_items_reaches_both_in_their_group_dm(week: Played) -> None:
    for name, other, when in (
        ("Alice", "Bob", "Tue 1 Dec 10:40 New York"),
        ("Bob", "Alice", "Tue 1 Dec 16:40 Berlin"),
    ):
        (summary,) = [s for s in week.seen_by(name, "1:1 summary") if "Action items" in s.text]
        assert summary.viewers == {name: when} and summary.how == f"sees in the group DM with {other}"
        assert all(f"{text} — @{owner.name}" in summary.text for text, owner, _ in ACTIONS)
        assert summary.text.count("[Done]") == 2
    # The meeting's time as Slack shows each of them a date: in their own zone.
    assert "1:1 summary: @Alice and @Bob, today at 10:00 AM" in week.seen_by("Alice", "1:1 summary")[0].text
    assert "1:1 summary: @Alice and @Bob, today at 4:00 PM" in week.seen_by("Bob", "1:1 summary")[0].text


def test_the_missed_meeting_is_nudged_to_both_with_concrete_slots(week: Played) -> None:
    for name, hours in (("Carol", "9:00 AM"), ("Dave", "2:30 PM")):  # both working days: 09:00 London
        first, last_call = week.seen_by(name, "didn't happen. Pick a new time")
        assert "Last call" not in first.text and "Last call" in last_call.text
        slots = [line for line in first.text.splitlines() if line.endswith("[Book this]")]
        assert 2 <= len(slots) <= 4, first.text
        assert slots[0] == f"tomorrow at {hours}  [Book this]"
        assert all(
            re.fullmatch(rf"(tomorrow|Dec \d+, 2026) at {hours}  \[Book this\]", slot) for slot in slots
        )
    assert not week.seen_by("Alice", "Pick a new time") and not week.seen_by("Bob", "Pick a new time")


def test_the_next_prompt_carries_over_the_uncovered_topic_and_the_open_items(week: Played) -> None:
    for name in ("Alice", "Bob"):
        prompt = week.seen_by(name, "Carried over from last time")[-1]
        assert ALICE_TOPIC in prompt.text and ACTIONS[0][0] in prompt.text
        assert prompt.viewers[name].startswith("Mon 7 Dec")


def test_nobody_sees_another_pairs_topics(week: Played) -> None:
    assert week.seen  # the transcript was read
    for pair, _ in PAIR_TOPICS.items():
        others = [t for p, topics in PAIR_TOPICS.items() if p != pair for t in topics]
        for seen in week.seen:
            if set(seen.viewers) & set(pair):
                assert not any(topic in seen.text for topic in others), seen


def test_a_week_that_goes_wrong_exits_1_with_one_line_saying_what(monkeypatch: pytest.MonkeyPatch) -> None:
    # The bot's token is one Slack does not know: nothing it sends arrives.
    monkeypatch.setattr("bot.demo.stage.BOT_TOKEN", "xoxb-unknown-to-slack")
    broken = played(Settings.from_env({}))
    assert broken.code == 1
    assert broken.err.splitlines() == [
        "demo: the week did not play as expected: Bob was never told of the new 1:1"
    ]


@pytest.mark.e2e
def test_python_m_bot_demo_runs_from_anywhere_and_leaves_the_operators_database_alone(tmp_path: Path) -> None:
    operators = tmp_path / "operator.db"
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "DATABASE_URL"))}
    env |= {"DATABASE_URL": f"sqlite:///{operators}", "SLACK_BOT_TOKEN": "xoxb-real-workspace"}
    result = subprocess.run(
        [sys.executable, "-m", "bot", "demo"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert "The week played as expected" in result.stdout
    assert "@Alice set up a weekly 1:1 with you" in result.stdout
    assert not operators.exists()


@pytest.mark.e2e
def test_without_the_emulators_websockets_the_demo_says_so_in_one_line(tmp_path: Path) -> None:
    # An install without the emulator's WebSocket library: the demo cannot start its Slack, and says so.
    without = "\n".join(
        (
            "import sys",
            "sys.modules['websockets'] = None",
            "import bot.__main__",
            "sys.exit(bot.__main__.main(['demo']))",
        )
    )
    result = subprocess.run(
        [sys.executable, "-c", without], cwd=tmp_path, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "demo: cannot start the bundled Slack emulator: the package 'websockets' is not installed"
    ]
