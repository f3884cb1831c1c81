"""What nothing in the bot handles still gets Slack's 200: old buttons, unknown ids, other events."""

from __future__ import annotations

import json

import pytest

from emulator.requests import JSON, TEAM_ID, SlackSender, new_ts
from emulator.web_api import SlackEmulator
from tests.slack.helpers import text_of
from tests.slack.people import ALICE, add_people


def test_a_button_from_an_old_message_is_answered_with_a_polite_word(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    url = emulator.new_response_url()
    message = {"ts": new_ts(), "text": "an old prompt"}
    response = slack.action(
        ALICE, [{"action_id": "retired_button_v0", "value": "7"}], message=message, response_url=url
    )
    assert response.status_code == 200  # Bolt alone answers 404, which Slack counts as a failure
    [post] = emulator.response_posts(url)
    assert post.payload["response_type"] == "ephemeral" and post.payload["replace_original"] is False
    assert "older message and no longer does anything" in text_of(post.payload)


def test_an_unknown_action_in_a_modal_is_answered_200_without_a_reply(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    response = slack.action(ALICE, [{"action_id": "nobody_knows_me"}], view={"callback_id": "x"})
    assert response.status_code == 200
    assert emulator.response_posts() == []  # a click inside a modal has no response_url to answer


def test_an_event_the_bot_does_not_act_on_is_answered_200(
    slack: SlackSender, emulator: SlackEmulator
) -> None:
    event = {"type": "reaction_added", "user": ALICE, "reaction": "tada", "event_ts": new_ts()}
    assert slack.event(event).status_code == 200
    assert emulator.calls("chat.postMessage") == []


@pytest.mark.http_only
def test_app_rate_limited_is_answered_200(slack: SlackSender, caplog: pytest.LogCaptureFixture) -> None:
    # Slack posts this to the events URL when it drops an app's events for a minute ("Events API").
    body = {
        "token": "legacy-verification-token",
        "type": "app_rate_limited",
        "team_id": TEAM_ID,
        "minute_rate_limited": 1518467820,
        "api_app_id": "A0001",
    }
    response = slack.post(json.dumps(body).encode(), JSON)
    assert response.status_code == 200
    assert "Slack rate-limited events for team T0001 in minute 1518467820" in caplog.text
