"""`/1on1 calendar` and `/1on1 calendar reset` over the wire: the address a person is given, fetched over
real HTTP from the served app; only its hash is stored; a reset makes the old address a 404."""

from __future__ import annotations

import hashlib

import httpx
from icalendar import Calendar
from sqlalchemy import select

from bot.store.db import SessionFactory
from bot.store.models import Person
from emulator.forms import ModalForm
from emulator.requests import SlackSender
from emulator.web_api import SlackEmulator
from tests.calendar.served import PUBLIC_URL, FeedApp
from tests.slack.helpers import opened_form, reply_text, snapshot, submit_form, text_of
from tests.slack.people import ALICE, BOB, add_people


def stored_hash(sessions: SessionFactory, user_id: str) -> str | None:
    with sessions() as session:
        return session.scalar(select(Person.calendar_token_hash).where(Person.slack_user_id == user_id))


def token_of(url: str) -> str:
    return url.rsplit("/", 1)[1].removesuffix(".ics")


def test_the_first_ask_gives_a_private_address_stored_only_as_its_hash(
    app: FeedApp, sessions: SessionFactory
) -> None:
    text = reply_text(app.sender.command("calendar", user_id=ALICE))
    assert PUBLIC_URL + "/calendar/" in text
    assert "From URL" in text and "Subscribe from web" in text and "New Calendar Subscription" in text
    url = app.feed_url(BOB)  # Bob, who has no 1:1s at all, gets a feed too
    token = token_of(url)
    assert len(token) == 43
    assert stored_hash(sessions, BOB) == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(snapshot(sessions))  # never stored as itself

    answer = app.get(url)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/calendar; charset=utf-8"
    calendar = Calendar.from_ical(answer.content)
    assert calendar.walk("VEVENT") == []  # an empty calendar, not an error


def test_asking_again_says_one_was_given_and_keeps_it_working(app: FeedApp, sessions: SessionFactory) -> None:
    url = app.feed_url(ALICE)
    before = snapshot(sessions)
    text = reply_text(app.sender.command("calendar", user_id=ALICE))
    assert "already have a calendar address" in text and "/1on1 calendar reset" in text
    assert "/calendar/" not in text
    assert snapshot(sessions) == before
    assert app.get(url).status_code == 200


def test_reset_replaces_the_address_and_the_old_one_answers_404(
    app: FeedApp, sessions: SessionFactory
) -> None:
    old = app.feed_url(ALICE)
    new = app.feed_url(ALICE, reset=True)
    assert new != old
    gone = app.get(old)
    assert gone.status_code == 404
    assert app.get(new).status_code == 200
    # A malformed or made-up token gets the very same answer as a reset one.
    for made_up in (app.url + "/calendar/nope.ics", app.url + "/calendar/" + "A" * 43 + ".ics"):
        answer = app.get(made_up)
        assert (answer.status_code, answer.content) == (404, gone.content)


def test_etag_revalidation_head_and_other_methods(app: FeedApp) -> None:
    url = app.feed_url(ALICE)
    first = app.get(url)
    etag = first.headers["etag"]
    assert etag.startswith('"') and first.headers["last-modified"].endswith("GMT")
    assert "private" in first.headers["cache-control"]
    again = app.get(url, **{"If-None-Match": etag})
    assert (again.status_code, again.content, again.headers["etag"]) == (304, b"", etag)
    assert app.get(url, **{"If-None-Match": f'"other", W/{etag}'}).status_code == 304
    assert app.get(url, **{"If-None-Match": '"other"'}).status_code == 200
    head = httpx.head(url, timeout=10)
    assert head.status_code == 200 and head.content == b""
    assert int(head.headers["content-length"]) == len(first.content)
    assert httpx.post(url, timeout=10).status_code == 405


def test_without_public_url_the_person_is_told_and_nothing_is_stored(
    slack: SlackSender, emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    """The default test app has no PUBLIC_URL: feeds are off."""
    add_people(emulator)
    before = snapshot(sessions)
    for command in ("calendar", "calendar reset"):
        text = reply_text(slack.command(command, user_id=ALICE))
        assert "PUBLIC_URL" in text and "/calendar/" not in text
    assert snapshot(sessions) == before


def _home_calendar_form(app: FeedApp, emulator: SlackEmulator) -> ModalForm:
    """Alice opens her Home tab and clicks its *Calendar* button, as published: the modal it opened."""
    app.sender.home_opened(ALICE)
    view = emulator.home_view(ALICE)
    assert view is not None
    [button] = [
        {"action_id": e["action_id"], "block_id": b["block_id"], "value": e.get("value", "")}
        for b in view["blocks"]
        for e in b.get("elements") or []
        if e.get("action_id") == "calendar_open"
    ]
    return opened_form(emulator, lambda: app.sender.home_action(ALICE, [button]))


def _address_in(text: str, app: FeedApp) -> str:
    start = text.index(PUBLIC_URL + "/calendar/")
    end = text.index(".ics", start) + len(".ics")
    return app.url + text[start + len(PUBLIC_URL) : end]


def test_the_home_tabs_calendar_button_gives_the_address_once_then_a_new_one_on_request(
    app: FeedApp, own_emulator: SlackEmulator, sessions: SessionFactory
) -> None:
    reply_text(app.sender.command(f"schedule <@{BOB}> weekly tue 10:00", user_id=ALICE))
    first = _home_calendar_form(app, own_emulator)
    assert first.view["submit"] is None  # nothing to confirm: the address is shown
    url = _address_in(text_of({"blocks": first.view["blocks"]}), app)
    assert app.get(url).status_code == 200 and stored_hash(sessions, ALICE) is not None

    again = _home_calendar_form(app, own_emulator)
    assert "You already have a calendar address" in text_of({"blocks": again.view["blocks"]})
    assert again.view["submit"]["text"] == "Make a new address"
    answer = submit_form(app.sender, ALICE, again).json()
    assert answer["response_action"] == "update"
    new = _address_in(text_of({"blocks": answer["view"]["blocks"]}), app)
    assert new != url and app.get(url).status_code == 404 and app.get(new).status_code == 200
