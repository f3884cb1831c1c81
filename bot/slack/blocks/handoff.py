"""The hand-over's messages (issue 15, part 3): the report is asked, with *Move my 1:1 history* and *Not
now*; then the old manager, the report and the new manager are each told what happened, in their own words."""

from __future__ import annotations

from bot.services.handoff import DECLINED, NEW_MANAGER, OLD_MANAGER, HandoffAnswered
from bot.services.handoff import HandoffAsked as Requested
from bot.services.messages.handoff import HandoffAsked, HandoffDone
from bot.slack import ids
from bot.slack.blocks.clicks import Answer
from bot.slack.blocks.common import Message, ask, bullets, section, to_dicts
from bot.slack.blocks.replies import Reply, reply
from bot.slack.ids import COMMAND
from bot.slack.text import mention

MOVE = "Move my 1:1 history"
NOT_NOW = "Not now"


def handoff_asked_reply(requested: Requested) -> Reply:
    """To the manager who ran `/1on1 handoff`."""
    report, new = mention(requested.report_user_id), mention(requested.new_manager_user_id)
    text = (
        f":envelope_with_arrow: I've asked {report} to confirm moving your 1:1 history to {new}. "
        "Until they do, nothing changes; I'll tell you what they say."
    )
    if requested.replaced:
        text += " This replaces the request you sent them before."
    return reply(text, section(text))


def handoff_answered(answered: HandoffAnswered) -> Answer:
    """Replaces the report's question once they answered it (so its buttons go away)."""
    old, new = mention(answered.old_manager_user_id), mention(answered.new_manager_user_id)
    if answered.accepted:
        text = f":white_check_mark: Done: your 1:1 history is now with {new}. I've told {old} and {new}."
    else:
        text = f"OK, nothing moved: your 1:1 history stays with {old}. I've told them."
    return {"replace_original": True, "text": text}


def handoff_asked_message(asked: HandoffAsked) -> Message:
    old, new = mention(asked.old_manager_user_id), mention(asked.new_manager_user_id)
    what = bullets(
        f":handshake: {old} would like to hand your 1:1s over to {new}, who would lead them from now on. "
        "If you agree:",
        [
            f"your past meetings with {old} (key points, outcomes, check-ins), your topics and the open "
            f"action items move to your 1:1 with {new};",
            "your private notes come along and stay yours alone;",
            f"{old}'s private notes stay with {old}: nobody else ever sees them;",
            f"your 1:1 with {old} ends, and its meetings still ahead are cancelled.",
        ],
    )
    return {
        "text": f"{old} would like to hand your 1:1s over to {new}.",
        "blocks": to_dicts(
            ask(
                what,
                ids.HANDOFF_CONFIRM.element(MOVE, asked.request_id, style="primary"),
                ids.HANDOFF_DECLINE.element(NOT_NOW, asked.request_id),
            )
        ),
    }


def handoff_done_message(done: HandoffDone) -> Message:
    text = _words(done)
    return {"text": text, "blocks": to_dicts([section(text)])}


def _words(done: HandoffDone) -> str:
    old, report, new = (
        mention(u) for u in (done.old_manager_user_id, done.report_user_id, done.new_manager_user_id)
    )
    if done.role == DECLINED:
        return (
            f"{report} said not now to handing their 1:1 history over to {new}: nothing changed, and your "
            "1:1 together carries on."
        )
    if done.role == OLD_MANAGER:
        return (
            f":handshake: {report} agreed: your 1:1 history with them is now {new}'s to carry on, and "
            f"your 1:1 with {report} has ended. {_taken_over(done, False)}"
            f"Your private notes stay yours alone: `{COMMAND} agenda`, naming {report}, shows them."
        )
    if done.role == NEW_MANAGER:
        return (
            f":handshake: {old} handed their 1:1s with {report} over to you, and {report} agreed. "
            f"{_moved(done)}{_taken_over(done, True)}`{COMMAND} history`, naming {report}, shows it. "
            f"Start meeting with `{COMMAND} schedule`, naming them: "
            f"e.g. `{COMMAND} schedule @name weekly tue 10:00`."
        )
    return (
        f":white_check_mark: Your 1:1 history is now with {new}: {_moved(done)}Your private notes came "
        f"along, still yours alone; {old}'s stayed with them. {new} will set up your meetings."
    )


def _moved(done: HandoffDone) -> str:
    meetings = _count(done.meetings, "past meeting")
    actions = _count(done.open_actions, "open action item")
    return f"{meetings} and {actions} moved over. "


def _taken_over(done: HandoffDone, to_new_manager: bool) -> str:
    if not done.taken_over:
        return ""
    items, verb = _count(done.taken_over, "open action item"), "are" if done.taken_over > 1 else "is"
    if to_new_manager:
        return f"{items} {mention(done.old_manager_user_id)} owned {verb} yours now. "
    return f"{items} you owned {verb} {mention(done.new_manager_user_id)}'s now. "


def _count(n: int, thing: str) -> str:
    return f"{n} {thing}{'' if n == 1 else 's'}"
