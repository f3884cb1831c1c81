"""What the four people do in Slack (type a command, write to the bot, click a button, fill in a form),
sent to the bot as Slack sends it, and what each of them then sees, written to the transcript."""

from __future__ import annotations

from typing import Any

import httpx

from bot.demo.checks import DemoFailed, expect
from bot.demo.people import BY_ID, Person
from bot.demo.render import Reader, mrkdwn
from bot.demo.stage import Stage
from bot.demo.transcript import NAMES, Place, Seen, Transcript, read
from emulator.forms import ModalForm
from emulator.ids import BOT_USER_ID
from emulator.web_api import Call

Message = dict[str, Any]


class Slack:
    """The people's side of Slack: each act answers once the bot has done everything it set off."""

    def __init__(self, stage: Stage, transcript: Transcript) -> None:
        self._stage = stage
        self._emulator = stage.emulator
        self._transcript = transcript
        self._calls_shown = 0

    # ------------------------------------------------------------------ what people do
    def types(self, person: Person, text: str) -> str:
        """`person` types `/1on1 {text}` (mentions as `<@U…>`, as Slack's composer inserts them); the reply
        only they see."""
        self._act(person, f"types: /1on1 {mrkdwn(text, Reader(NAMES, person.zone, self._stage.clock()))}")
        response = self._stage.slack.command(text, user_id=person.user_id)
        expect(response.status_code == 200, f"/1on1 {text.split()[0]} was answered {response.status_code}")
        reply = _reply(response)
        self._see(Seen(self._stage.clock(), [person], Place.EPHEMERAL, reply))
        self.show_new_messages()
        return self.read(person, reply)

    def writes(self, person: Person, text: str) -> None:
        """`person` writes `text` in their DM with the bot."""
        self._act(person, f"writes to the bot: {text}")
        channel = self._emulator.open_dm(person.user_id)
        ts = self._emulator.add_message(channel, person.user_id, text)["ts"]
        response = self._stage.slack.dm(person.user_id, text, channel=channel, ts=ts)
        expect(response.status_code == 200, f"{person.name}'s DM was answered {response.status_code}")
        self.show_new_messages()

    def opens_form(self, person: Person, message: Message, action_id: str) -> ModalForm:
        """`person` clicks a button that opens a form (a modal): the form as Slack shows it to them."""
        button = _button(message, action_id)
        self._act(person, f"clicks [{button['text']['text']}]")
        shown = len(self._emulator.calls("views.open"))
        self._click(person, message, button)
        return self._opened(person, shown)

    def types_for_a_form(self, person: Person, text: str) -> ModalForm:
        """`person` types a command that opens a form, e.g. `/1on1 schedule`."""
        self._act(person, f"types: /1on1 {text}")
        shown = len(self._emulator.calls("views.open"))
        response = self._stage.slack.command(text, user_id=person.user_id)
        expect(response.status_code == 200, f"/1on1 {text} was answered {response.status_code}")
        return self._opened(person, shown)

    def submits(self, person: Person, form: ModalForm, filled_in: str) -> None:
        """`person` submits `form`, filled in as `filled_in` says."""
        self._act(person, f"fills in “{form.view['title']['text']}” and submits it:\n{filled_in}")
        response = self._stage.slack.submit(person.user_id, form.view, form.state_values())
        expect(response.status_code == 200, f"the {form.view['title']['text']} form was answered {response}")
        ack = response.json() if response.content else {}
        expect(
            not ack.get("errors"), f"the {form.view['title']['text']} form was refused: {ack.get('errors')}"
        )
        if ack.get("response_action") == "update":
            self._see(Seen(self._stage.clock(), [person], Place.FORM, ack["view"]))
        self.show_new_messages()

    # ------------------------------------------------------------------ what they see
    def show_new_messages(self) -> None:
        """Every message the bot posted, posted only to one person, or changed since the last look."""
        calls = self._emulator.calls()
        for call in calls[self._calls_shown :]:
            seen = self._seen_in(call)
            if seen is not None:
                self._see(seen)
        self._calls_shown = len(calls)

    def latest(self, person: Person, fragment: str) -> tuple[str, Message]:
        """The bot's latest message in `person`'s DM whose text has `fragment`: its channel and itself."""
        channel = self._emulator.dm_channel_for(person.user_id) or ""
        found = [m for m in self._emulator.messages(channel) if m.get("bot_id") and fragment in _raw(m)]
        expect(found, f"{person.name} never got a message with “{fragment}”")
        return channel, found[-1]

    def group_messages(self, *people: Person) -> list[Message]:
        """The bot's messages in the group DM of `people` and the bot (none if it was never opened)."""
        wanted = {p.user_id for p in people} | {BOT_USER_ID}
        for call in self._emulator.calls("conversations.open"):
            channel = call.response.get("channel", {}).get("id") if call.ok else None
            if channel and set(self._emulator.members(channel) or ()) == wanted:
                return [m for m in self._emulator.messages(channel) if m.get("bot_id")]
        return []

    def read(self, person: Person, message: Message) -> str:
        """What Slack shows `person` of `message` now."""
        return read(message, person, self._stage.clock())

    # ------------------------------------------------------------------ plumbing
    def _act(self, person: Person, what: str) -> None:
        self._transcript.act(self._stage.clock(), person, what)

    def _see(self, seen: Seen) -> None:
        self._transcript.seen(seen)

    def _click(self, person: Person, message: Message, button: dict[str, Any]) -> None:
        channel = self._emulator.dm_channel_for(person.user_id)
        url = self._emulator.new_response_url()
        response = self._stage.slack.action(
            person.user_id, [button], channel_id=channel, message=message, response_url=url
        )
        expect(response.status_code == 200, f"{person.name}'s click was answered {response.status_code}")
        for post in self._emulator.response_posts(url):
            place = Place.DM if post.payload.get("replace_original") else Place.EPHEMERAL
            self._see(Seen(self._stage.clock(), [person], place, post.payload, edited=place is Place.DM))

    def _opened(self, person: Person, shown: int) -> ModalForm:
        opened = [c for c in self._emulator.calls("views.open")[shown:] if c.ok]
        expect(opened, f"no form opened for {person.name}")
        return ModalForm.stored(self._emulator, opened[0].response["view"]["id"])

    def _seen_in(self, call: Call) -> Seen | None:
        """A Web API call as what people see: a message posted, posted to one person only, or changed."""
        if not call.ok or call.method not in ("chat.postMessage", "chat.postEphemeral", "chat.update"):
            return None
        at = self._stage.clock()  # still the step's instant: the demo's clock stands while the bot works
        if call.method == "chat.postEphemeral":
            person = BY_ID[str(call.args["user"])]
            return Seen(at, [person], Place.EPHEMERAL, call.args)
        message = call.response["message"]
        members = self._emulator.members(call.response["channel"]) or []
        viewers = [BY_ID[m] for m in members if m in BY_ID]
        if len(viewers) > 1:
            place = Place.GROUP
        elif message.get("thread_ts") not in (None, message["ts"]):
            place = Place.THREAD
        else:
            place = Place.DM
        return Seen(at, viewers, place, message, edited=call.method == "chat.update")


def _reply(response: httpx.Response) -> Message:
    """A command's answer as Slack reads it: a JSON message, or plain text shown as it is."""
    try:
        body = response.json()
    except ValueError:
        return {"text": response.text}
    return body if isinstance(body, dict) else {"text": response.text}


def _button(message: Message, action_id: str) -> dict[str, Any]:
    for block in message.get("blocks") or []:
        for element in [block.get("accessory"), *(block.get("elements") or [])]:
            if (
                isinstance(element, dict)
                and element.get("type") == "button"
                and element.get("action_id") == action_id
            ):
                return {**element, **({"block_id": block["block_id"]} if block.get("block_id") else {})}
    raise DemoFailed(f"no [{action_id}] button on the message “{_raw(message)[:60]}”")


def _raw(message: Message) -> str:
    """A message's text and its blocks' texts, unrendered (to find it by a fragment)."""
    parts = [str(message.get("text") or "")]
    for block in message.get("blocks") or []:
        for item in [block.get("text"), *(block.get("elements") or []), *(block.get("fields") or [])]:
            if isinstance(item, dict) and isinstance(item.get("text"), str):
                parts.append(item["text"])
    return "\n".join(parts)
