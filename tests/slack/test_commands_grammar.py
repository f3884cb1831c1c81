"""The /1on1 grammar, without Slack: every form DESIGN.md lists, and the errors for bad ones."""

from __future__ import annotations

from datetime import date, time, timedelta

import pytest

from bot.services.series import ScheduleRequest
from bot.slack import subcommands as c
from bot.slack.subcommands.cancel import Cancel
from bot.slack.subcommands.grammar import NoArguments, PersonAndText, PersonOnly
from bot.slack.subcommands.reschedule import Reschedule


@pytest.mark.parametrize("text", ["", "   ", "help", "HELP", "help me"])
def test_help_and_empty(text: str) -> None:
    assert c.parse_command(text)[0] is c.row("help")


def test_schedule_full_form() -> None:
    parsed = c.parse("schedule <@U2|bob> biweekly Thu 10:30 45m from 2026-12-03 lead 48h as report")
    assert parsed == ScheduleRequest(
        "U2", "biweekly", 3, time(10, 30), 45, date(2026, 12, 3), False, timedelta(hours=48)
    )


def test_schedule_defaults() -> None:
    assert c.parse("schedule <@U2> weekly monday 9:05") == ScheduleRequest("U2", "weekly", 0, time(9, 5))


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("schedule weekly mon 10:00", "mention them"),
        ("schedule <@U2> daily mon 10:00", "weekly, biweekly or monthly"),
        ("schedule <@U2> weekly funday 10:00", "isn't a weekday"),
        ("schedule <@U2> weekly mon 25:00", "isn't a time"),
        ("schedule <@U2> weekly mon 10:00 2m", "between 5m and 480m"),
        ("schedule <@U2> weekly mon 10:00 from 2026-13-01", "isn't a date"),
        ("schedule <@U2> weekly mon 10:00 from", "first date"),
        ("schedule <@U2> weekly mon 10:00 sometimes", "didn't expect"),
        ("schedule <@U2> weekly", "cadence, the weekday and the time"),
        ("schedule @bob weekly mon 10:00", "couldn't tell who"),
        ("schedule <@U2> weekly mon 10:00 lead 0h", "between 1h and 168h"),
        ("schedule <@U2> weekly mon 10:00 lead", "between 1h and 168h"),
    ],
)
def test_schedule_errors_name_the_problem_and_show_usage(text: str, fragment: str) -> None:
    with pytest.raises(c.CommandError) as raised:
        c.parse(text)
    assert fragment in raised.value.problem
    assert raised.value.usage == "/1on1 " + c.row("schedule").usage


def test_add_topic_keeps_the_text_exactly() -> None:
    # Slack escapes what was typed; the command holds what the person meant.
    parsed = c.parse("add-topic <@U2|bob>   career  growth &amp; &lt;b&gt;")
    assert parsed == PersonAndText("U2", "career  growth & <b>")
    mentioned = c.parse("add-topic <@U2> ask <@U3|carol> in <#C9|general>, <!here>")
    assert mentioned == PersonAndText("U2", "ask <@U3> in <#C9>, @here")
    assert c.parse("add-topic Talk about Q3") == PersonAndText(None, "Talk about Q3")


def test_add_topic_without_text_is_refused() -> None:
    with pytest.raises(c.CommandError) as raised:
        c.parse("add-topic <@U2>")
    assert raised.value.usage == "/1on1 add-topic [@person] <text>"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agenda", PersonOnly(None)),
        ("agenda <@W9ABC|x>", PersonOnly("W9ABC")),
        ("list", NoArguments()),
        ("actions <@U2>", PersonOnly("U2")),
        ("note <@U2> keep this private", PersonAndText("U2", "keep this private")),
        ("skip", PersonOnly(None)),
        ("reschedule tomorrow 14:00", Reschedule(None, "tomorrow", time(14))),
        ("reschedule <@U2> fri 09:30", Reschedule("U2", 4, time(9, 30))),
        ("reschedule 2026-12-24 16:00", Reschedule(None, date(2026, 12, 24), time(16))),
        ("cancel <@U2>", Cancel("U2")),
    ],
)
def test_other_subcommands(text: str, expected: object) -> None:
    row, parsed = c.parse_command(text)
    assert (row.name, parsed) == (text.split()[0], expected)


@pytest.mark.parametrize(
    ("text", "sub"),
    [
        ("list everything", "list"),
        ("agenda <@U2> now", "agenda"),
        ("reschedule soon", "reschedule"),
        ("reschedule someday 10:00", "reschedule"),
        ("cancel", "cancel"),
        ("cancel <@U2> <@U3>", "cancel"),
    ],
)
def test_malformed_arguments_show_that_subcommands_usage(text: str, sub: str) -> None:
    with pytest.raises(c.CommandError) as raised:
        c.parse(text)
    assert raised.value.usage == f"/1on1 {c.row(sub).usage}"


def test_unknown_subcommand_is_named_and_escaped() -> None:
    with pytest.raises(c.CommandError) as raised:
        c.parse("&lt;!channel&gt; hello")  # typed as characters: shown as characters, escaped once
    assert raised.value.problem == "I don't know the command `&lt;!channel&gt;`."
    assert raised.value.usage is None
    with pytest.raises(c.CommandError) as raised:
        c.parse("<!channel> hello")  # picked from the menu: named, but notifies nobody
    assert raised.value.problem == "I don't know the command `@channel`."


def test_every_subcommand_has_one_row_with_its_usage_and_help() -> None:
    names = [row.name for row in c.SUBCOMMANDS]
    assert len(names) == len(set(names))
    for row in c.SUBCOMMANDS:
        assert row.usage.split()[0] == row.name and row.help.strip()
        assert c.row(row.name) is row
