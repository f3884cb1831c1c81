"""Work after the ack: never silent when it fails, and what it queued still goes out."""

from __future__ import annotations

import pytest

from bot.domain.outbox import MessageKind
from bot.slack.after_ack import AfterAck
from bot.store import outbox
from bot.store.db import SessionFactory
from tests.conftest import START


def test_work_that_queued_a_message_and_then_failed_is_logged_and_still_kicks_the_deliverer(
    sessions: SessionFactory, caplog: pytest.LogCaptureFixture
) -> None:
    kicks: list[str] = []
    later = AfterAck()
    later.kick = lambda: kicks.append("kick")

    def work() -> None:
        with sessions.begin() as session:
            outbox.enqueue(
                session, key="after-ack:1", kind=MessageKind.NO_MEETING, now=START, channel_id="D1"
            )
        raise RuntimeError("the response_url answered 500")

    later.run(work, "a reply to a click by U1")
    later.run(lambda: None, "work that queued nothing")
    assert later.wait_idle(5)
    assert kicks == ["kick"]  # once: only the work that queued something
    assert "after the acknowledgement, a reply to a click by U1 failed" in caplog.text
    assert "the response_url answered 500" in caplog.text  # with its traceback
