"""The delete-my-data modal: exactly what goes and what stays, their 1:1s by the other person, and a typed
word that guards against a slip; and what it turns into once the data is gone."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot.domain.names import FORMER_PARTICIPANT
from bot.services.erasure import CONFIRM, CONFIRM_WORD, Erased, ErasureForm, OneOnOne
from bot.slack.blocks.common import bullets, context, section
from bot.slack.forms.state import VALUE
from bot.slack.ids import DELETE_MY_DATA_MODAL
from bot.slack.text import mention

TITLE = "Delete my data"
CONFIRM_LABEL = f'Type "{CONFIRM_WORD}" to confirm'

GOES = (
    "Your private notes and your private topics",
    "Your pulse check-ins",
    "Your settings: working hours, when you are asked for topics, suggestions, public holidays",
    "Your calendar feed (its address stops working) and your busy calendar's address",
    "Your time away",
    "Topics you sent me that wait for you to pick a 1:1",
    "Your Home tab here, and what I know of you: your name, time zone and our DM",
    f'Your name on shared topics, summaries and action items: they show as "{FORMER_PARTICIPANT}"',
)
STAYS = (
    "The other person's copy of your shared history: topics, summaries, action items and outcomes",
    "The other person's own private notes",
)


def erasure_modal(form: ErasureForm) -> dict[str, Any]:
    return View(
        type="modal",
        callback_id=DELETE_MY_DATA_MODAL,
        title=TITLE,
        submit="Delete",
        close="Keep my data",
        blocks=[
            section(bullets("*What goes, for good:*", GOES)),
            section(bullets("*What stays:*", STAYS)),
            section(_endings(form.one_on_ones)),
            context("This can't be undone. A later `/1on1` command starts afresh, as for someone new."),
            InputBlock(
                block_id=CONFIRM,
                label=CONFIRM_LABEL,
                element=PlainTextInputElement(action_id=VALUE, placeholder=CONFIRM_WORD, max_length=20),
            ),
        ],
    ).to_dict()


def _endings(one_on_ones: tuple[OneOnOne, ...]) -> str:
    if not one_on_ones:
        return "*Your 1:1s:* you have none."
    lines = [f"With {mention(o.other_user_id)}: {_ending(o)}" for o in one_on_ones]
    return bullets("*Your 1:1s end:*", lines)


def _ending(one_on_one: OneOnOne) -> str:
    return "it ends, and they are told" if one_on_one.running else "already ended"


def erased_modal(erased: Erased | None) -> dict[str, Any]:
    """The modal once submitted (`response_action: update`); a replayed submission finds nothing left."""
    done = ":white_check_mark: *Your data is deleted.*"
    if erased is not None and erased.ended:
        who = ", ".join(mention(user_id) for user_id in erased.ended)
        done += f" Your 1:1s with {who} have ended; they are told."
    return View(
        type="modal",
        callback_id=DELETE_MY_DATA_MODAL,
        title=TITLE,
        close="Done",
        blocks=[section(done), context("I no longer know you. Any `/1on1` command starts afresh.")],
    ).to_dict()


def emptied_home() -> dict[str, Any]:
    """Their Home tab once their data is gone: nothing of their 1:1s stays on it."""
    return View(
        type="home",
        blocks=[
            section("*Your data is deleted.* I no longer know you or your 1:1s."),
            context("Type `/1on1 help` to start afresh."),
        ],
    ).to_dict()
