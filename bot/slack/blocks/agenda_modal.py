"""The agenda in a modal (the Home tab's *Agenda*): the next 1:1 as the reader sees it, their notes too."""

from __future__ import annotations

from typing import Any

from slack_sdk.models.blocks import ActionsBlock
from slack_sdk.models.views import View

from bot.services.agenda import AgendaView
from bot.slack.blocks.agenda import agenda_reply_blocks
from bot.slack.ids import AGENDA_MODAL


def agenda_modal(view: AgendaView) -> dict[str, Any]:
    # Read only: the reply's "Add a topic" button is left out (the Home tab has its own, and a modal
    # opened from a modal would have to be pushed onto it).
    blocks = [block for block in agenda_reply_blocks(view) if not isinstance(block, ActionsBlock)]
    return View(
        type="modal", callback_id=AGENDA_MODAL, title="1:1 agenda", close="Close", blocks=blocks
    ).to_dict()
