"""Templated topics in Slack (issue 14, part 2): how a topic of each kind reads in an agenda, the author's
*Share now* for a held-back concern, the add-topic form's kinds, and a step's input in the summary form."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock, Block, ContextBlock, MarkdownTextObject, Option

from bot.domain.templates import Step, Template, TopicKind, template_of
from bot.services.agenda import AgendaView, TopicLine
from bot.slack import ids
from bot.slack.text import escape, link_target, mention, plain

HELD_BACK_MARK = ":lock: _only you until the meeting_"
MAX_SHARE_BUTTONS = 25  # an actions block's elements
BUTTON_TEXT_MAX = 75
PLAIN_OPTION = "Plain topic"
KIND_OPTIONS: dict[TopicKind, str] = {
    TopicKind.PLAIN: PLAIN_OPTION,
    TopicKind.GROW: "GROW coaching (goal, reality, options, will)",
    TopicKind.CAREER: "Career conversation",
    TopicKind.FEEDBACK: "Feedback both ways",
    TopicKind.CONCERN: "Performance concern (only you, until the meeting)",
}


def topic_text(topic: TopicLine) -> str:
    """A topic's line in an agenda: its text, its author, its message link; a templated topic leads with its
    kind and lists its steps' prompts below; a held-back one (only its author gets it) is marked."""
    line = f"{escape(topic.text)} — {mention(topic.author_user_id)}"
    line += f" (<{link_target(topic.link)}|message>)" if topic.link else ""
    template = template_of(topic.kind)
    if template is not None:
        line = f"*{template.title}:* {line}" + "".join(
            f"\n      ◦ {_prompt(step)}" for step in template.steps
        )
    return line + (f"\n      {HELD_BACK_MARK}" if topic.held_back else "")


def share_blocks(view: AgendaView) -> list[Block]:
    """*Share now* for each of the viewer's own held-back concerns on the agenda (none: no block)."""
    held = [
        t
        for t in (*view.topics, *view.carried_over)
        if t.held_back and t.author_user_id == view.viewer_user_id
    ]
    if not held:
        return []
    buttons = [
        ids.TOPIC_SHARE.element("Share now" if len(held) == 1 else _clip(f"Share now: {plain(t.text)}"), t.id)
        for t in held[:MAX_SHARE_BUTTONS]
    ]
    return [ActionsBlock(elements=buttons)]


def shared_answer(other_user_id: str, text: str) -> dict[str, Any]:
    """What the author sees after *Share now*, below the agenda they clicked in."""
    return {
        "replace_original": False,
        "response_type": "ephemeral",
        "text": f":unlock: Shared with {mention(other_user_id)}: “{escape(text)}” is on their agenda now.",
    }


def added_note(kind: TopicKind, held_back: bool) -> ContextBlock | None:
    """A line under "Added to the agenda" for a templated topic: its steps, and who sees it."""
    template = template_of(kind)
    if template is None:
        return None
    steps = ", ".join(step.label.lower() for step in template.steps)
    text = f"*{template.title}*: the agenda shows its prompts ({steps}); the summary records each."
    if held_back:
        text += " :lock: Only you see it until the meeting starts; *Share now* on the agenda shows it sooner."
    return ContextBlock(elements=[MarkdownTextObject(text=text)])


def kind_options(*, leads: bool) -> list[Option]:
    """The add-topic form's kinds: a performance concern only for the 1:1's manager."""
    kinds = [kind for kind in KIND_OPTIONS if leads or kind is not TopicKind.CONCERN]
    return [Option(value=kind.value, text=KIND_OPTIONS[kind]) for kind in kinds]


def kind_of(value: Any) -> TopicKind | None:
    """A submitted kind; None for anything the form never offers."""
    return next((kind for kind in TopicKind if kind.value == value), None)


def outcome_label(template: Template, step: Step, topic_text: str) -> str:
    """A step's input in the summary form: "GROW · Will: <the topic>", within a readable length."""
    return _clip(f"{template.short} · {step.label}: {plain(topic_text)}", 100)


def _prompt(step: Step) -> str:
    return f"_{escape(step.label)}:_ {escape(step.prompt)}"


def _clip(text: str, limit: int = BUTTON_TEXT_MAX) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
