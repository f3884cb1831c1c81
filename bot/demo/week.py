"""The week the demo plays, Monday 30 November to Monday 7 December 2026 (UTC).

Alice (New York) leads a weekly 1:1 with Bob (Berlin) on Tuesdays at 10:00 her time; Carol (London) leads
one with Dave (Bangalore) on Wednesdays at 10:00 hers. Monday they schedule (Alice by command, Carol with the
form) and send topics; the clock brings the prompts; Tuesday's 1:1 is held and Bob writes its summary with
two action items; Wednesday's is not, and a day later both get the nudge with new times; the next Monday's
prompt carries over what was not covered. Each step checks what the people saw: the first miss ends the week.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.demo.acts import Slack
from bot.demo.checks import expect
from bot.demo.people import ALICE, BOB, CAROL, DAVE, EVERYONE, Person
from bot.demo.stage import Stage
from bot.demo.transcript import Transcript

MONDAY = datetime(2026, 11, 30, 14, 0, tzinfo=UTC)  # 09:00 in New York, 19:30 in Bangalore
# The clock process ticks every minute; nothing in this week falls due between half hours, so the demo's
# clock ticks at each half hour (a week in a few hundred ticks).
TICK = timedelta(minutes=30)
HELD_END = datetime(2026, 12, 1, 15, 30, tzinfo=UTC)  # Alice and Bob: Tue 10:00–10:30 in New York
MISSED_END = datetime(2026, 12, 2, 10, 30, tzinfo=UTC)  # Carol and Dave: Wed 10:00–10:30 in London
NEXT_PROMPT = datetime(2026, 12, 7, 15, 0, tzinfo=UTC)  # a day before Alice and Bob's next 1:1

BOB_TOPIC = "What would the staff engineer path look like for me?"
ALICE_TOPIC = "Q1 budget for the conference trip"
DAVE_TOPIC = "My visa renewal and working from Bangalore"
CAROL_TOPIC = "Offsite dates in March"
KEY_POINTS = "Staff path: needs a cross-team project. Budget: next week."
ACTIONS = (
    ("Draft a growth plan with two stretch projects", BOB, "2026-12-11"),
    ("Ask about the staff opening", ALICE, None),
)
COVERED = "Topics you covered (the rest carry over)"  # the summary form's checkboxes


class Week:
    def __init__(self, stage: Stage, transcript: Transcript) -> None:
        self.stage = stage
        self.out = transcript
        self.slack = Slack(stage, transcript)

    def play(self) -> None:
        self.out.title("A week of 1:1s, as each person saw it in Slack")
        self.out.note("each line is dated in the zone of the person it is about")
        for person in EVERYONE:
            self.stage.emulator.add_user(
                person.user_id, person.name.lower(), tz=person.zone, real_name=person.name
            )
        self.scheduling()
        self.topics()
        self.prompts()
        self.meeting_and_summary()
        self.missed_meeting()
        self.nudges()
        self.next_prompt()
        self.privacy()

    # ------------------------------------------------------------------ the week, scene by scene
    def scheduling(self) -> None:
        self.out.scene("Monday: two 1:1s are scheduled, one by command and one with the form")
        self.at(MONDAY)
        self.slack.types(ALICE, f"schedule <@{BOB.user_id}> weekly tue 10:00")
        self.told(BOB, f"<@{ALICE.user_id}> set up", "of the new 1:1")
        self.at(MONDAY + timedelta(minutes=5))
        form = self.slack.types_for_a_form(CAROL, "schedule")
        form.choose_user("Who do you meet with?", DAVE.user_id).select("Day", "Wednesday")
        form.pick_time("Time", "10:00")
        self.slack.submits(CAROL, form, "Who do you meet with? Dave · Day: Wednesday · Time: 10:00")
        self.told(DAVE, f"<@{CAROL.user_id}> set up", "of the new 1:1")

    def topics(self) -> None:
        self.out.scene("Monday: topics come in by DM (and one by command)")
        for minutes, person, topic in (
            (10, BOB, BOB_TOPIC),
            (12, ALICE, ALICE_TOPIC),
            (15, DAVE, DAVE_TOPIC),
        ):
            self.at(MONDAY + timedelta(minutes=minutes))
            self.slack.writes(person, topic)
            self.told(person, "Added to your 1:1", f"that {topic!r} was added")
        self.at(MONDAY + timedelta(minutes=20))
        reply = self.slack.types(CAROL, f"add-topic {CAROL_TOPIC}")
        expect(CAROL_TOPIC in reply, "Carol's topic by command was not confirmed")

    def prompts(self) -> None:
        self.out.scene("The clock runs: a day before each 1:1, both are asked for topics and see the agenda")
        self.until(HELD_END - timedelta(minutes=30))
        for pair, topics in (
            ((ALICE, BOB), (BOB_TOPIC, ALICE_TOPIC)),
            ((CAROL, DAVE), (DAVE_TOPIC, CAROL_TOPIC)),
        ):
            for person in pair:
                prompt = self.text(person, "add your topics")
                expect(all(t in prompt for t in topics), f"{person.name}'s prompt lacks the pair's topics")

    def meeting_and_summary(self) -> None:
        self.out.scene("Tuesday: Alice and Bob meet; Bob writes the summary with two action items")
        self.until(HELD_END)
        for person in (ALICE, BOB):
            self.told(person, "How did your 1:1", "to write the summary")
        self.at(HELD_END + timedelta(minutes=10))
        _, follow_up = self.slack.latest(BOB, "How did your 1:1")
        form = self.slack.opens_form(BOB, follow_up, "summary_open")
        form.fill("Key points", KEY_POINTS).check(COVERED, BOB_TOPIC)
        filled = [f"Key points: {KEY_POINTS}"]
        for nth, (text, owner, due) in enumerate(ACTIONS, start=1):
            form.fill(f"Action item {nth}", text).choose_user("Owner", owner.user_id, nth=nth)
            if due is not None:
                form.pick_date("Due", due, nth=nth)
            filled.append(
                f"Action item {nth}: {text} · Owner: {owner.name}" + (f" · Due: {due}" if due else "")
            )
        filled.append(f"{COVERED}: ☑ {BOB_TOPIC}")
        self.slack.submits(BOB, form, "\n".join(filled))
        summary = "\n".join(self.slack.read(ALICE, m) for m in self.slack.group_messages(ALICE, BOB))
        expect(all(a[0] in summary for a in ACTIONS), "the summary with both action items never reached both")

    def missed_meeting(self) -> None:
        self.out.scene("Wednesday: Carol and Dave's 1:1 doesn't happen, and nobody says how it went")
        self.until(MISSED_END)
        for person in (CAROL, DAVE):
            self.told(person, "How did your 1:1", "to write the summary")

    def nudges(self) -> None:
        self.out.scene(
            "Thursday: a day of silence later, both are offered new times in both their working hours"
        )
        self.until(MISSED_END + timedelta(days=1))
        for person in (CAROL, DAVE):
            _, nudge = self.slack.latest(person, "didn't happen")
            slots = [
                b
                for b in nudge.get("blocks") or []
                if (b.get("accessory") or {}).get("action_id") == "slot_choose"
            ]
            expect(slots, f"{person.name}'s nudge offered no new times")
        self.out.scene("Friday: the last call (a second nudge, never a third)")
        self.until(MISSED_END + timedelta(days=2))
        for person in (CAROL, DAVE):
            expect("Last call" in self.text(person, "didn't happen"), f"{person.name} got no last call")

    def next_prompt(self) -> None:
        self.out.scene("Next Monday: the prompt for the next 1:1 carries over what was not covered")
        self.until(NEXT_PROMPT)
        for person in (ALICE, BOB):
            prompt = self.text(person, "add your topics")
            expect(
                "Carried over" in prompt and ALICE_TOPIC in prompt,
                f"{person.name}'s prompt does not carry the topic over",
            )
            expect(ACTIONS[0][0] in prompt, f"{person.name}'s prompt does not list the open action items")

    def privacy(self) -> None:
        for people, theirs in (
            ((ALICE, BOB), (DAVE_TOPIC, CAROL_TOPIC)),
            ((CAROL, DAVE), (BOB_TOPIC, ALICE_TOPIC)),
        ):
            for person in people:
                expect(
                    not any(t in self.everything_to(person) for t in theirs),
                    f"{person.name} saw another pair's topic",
                )

    # ------------------------------------------------------------------ the clock
    def at(self, instant: datetime) -> None:
        self.stage.clock.set(instant)

    def until(self, instant: datetime) -> None:
        """The clock runs to `instant`, ticking as the clock process does; what it sends is shown."""
        now = self.stage.clock()
        tick = now - (now - MONDAY) % TICK + TICK
        while tick <= instant:
            self.stage.tick(tick)
            self.slack.show_new_messages()
            tick += TICK

    # ------------------------------------------------------------------ what they were told
    def told(self, person: Person, fragment: str, what: str) -> None:
        expect(fragment in self.everything_to(person), f"{person.name} was never told {what}")

    def text(self, person: Person, fragment: str) -> str:
        return self.slack.read(person, self.slack.latest(person, fragment)[1])

    def everything_to(self, person: Person) -> str:
        """Every message in `person`'s DM with the bot and in their group DMs, as stored."""
        emulator = self.stage.emulator
        channel = emulator.dm_channel_for(person.user_id)
        groups = [
            m for other in EVERYONE if other != person for m in self.slack.group_messages(person, other)
        ]
        return str([*(emulator.messages(channel) if channel else []), *groups])
