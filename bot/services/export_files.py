"""The export's two files, written in one pass over bot/services/export.py's data: Markdown to read and JSON
to keep (schema "oneonone-export/1", docs/export-schema.md).

Both go to `SpooledTemporaryFile`s: a small export stays in memory, a large one spills to disk, and
neither is built as one giant string. Meetings are written as they are read, a page at a time.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time
from tempfile import SpooledTemporaryFile
from typing import IO, Any
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.domain.templates import TopicKind, template_of
from bot.services import export as ex

SPOOL_BYTES = 1024 * 1024  # beyond this a file spills to disk
_WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_PULSE = ("happy", "challenged", "stressed", "engaged")


@dataclass
class ExportFiles:
    """The two files, rewound and ready to read; close them when done."""

    markdown: IO[bytes]
    json: IO[bytes]
    meetings: int

    def close(self) -> None:
        self.markdown.close()
        self.json.close()


def write(session: Session, export: ex.Export, viewer_id: int) -> ExportFiles:
    md, js = _spool(), _spool()
    try:
        count = _Writer(md, js, export.timezone).run(session, export, viewer_id)
    except BaseException:
        md.close()
        js.close()
        raise
    md.seek(0)
    js.seek(0)
    return ExportFiles(md, js, count)


def _spool() -> IO[bytes]:
    return SpooledTemporaryFile(max_size=SPOOL_BYTES, mode="w+b")  # closed by ExportFiles


class _Writer:
    def __init__(self, md: IO[bytes], js: IO[bytes], zone: str) -> None:
        self._md, self._js, self._zone = md, js, ZoneInfo(zone)
        self._zone_name = zone

    def run(self, session: Session, export: ex.Export, viewer_id: int) -> int:
        self._header(export)
        count = 0
        for index, one in enumerate(ex.one_on_ones(session, export, viewer_id)):
            self._j("," if index else "")
            opening = {
                "pair_id": one.pair_id,
                "with": _person(one.with_person),
                "manager": _person(one.manager) if one.manager else None,
                "series": [_series(s) for s in one.series],
            }
            self._j(_open_object(opening, "meetings") + "[")
            self._m(f"\n## 1:1 with {_name(one.with_person)}\n\n")
            if one.manager:
                self._m(f"Led by {_name(one.manager)}.\n\n")
            for s in one.series:
                self._m(f"- {self._series_line(s)}\n")
            for n, meeting in enumerate(ex.meetings(session, one.pair_id, viewer_id, export.generated_at)):
                self._j(("," if n else "") + _dump(_meeting(meeting)))
                self._meeting_md(meeting)
                count += 1
            rest = ex.loose(session, one.pair_id, viewer_id)
            self._j(f'], "not_in_a_meeting": {_dump(_loose(rest))}}}')
            self._loose_md(rest)
        self._j("]}\n")
        return count

    # ------------------------------------------------------------------ JSON
    def _j(self, text: str) -> None:
        self._js.write(text.encode())

    def _header(self, export: ex.Export) -> None:
        head = {
            "schema": ex.SCHEMA,
            "generated_at": _iso(export.generated_at),
            "person": _person(export.person),
            "timezone": export.timezone,
        }
        self._j(_open_object(head, "one_on_ones") + "[")
        self._m(f"# Your 1:1s: export for {_name(export.person)}\n\n")
        self._m(f"Made {self._when(export.generated_at)} ({self._zone_name}). Schema {ex.SCHEMA}.\n")

    # ------------------------------------------------------------------ Markdown
    def _m(self, text: str) -> None:
        self._md.write(text.encode())

    def _when(self, instant: datetime) -> str:
        return instant.astimezone(self._zone).strftime("%Y-%m-%d %H:%M")

    def _series_line(self, s: ex.SeriesData) -> str:
        state = "paused" if s.paused else "active" if s.active else "ended"
        return (
            f"Series {s.id}: {s.cadence}, {_WEEKDAYS[s.weekday]} {s.local_time:%H:%M} ({s.timezone}), "
            f"{s.duration_minutes} min, from {s.first_date}, {state}"
        )

    def _meeting_md(self, m: ex.MeetingData) -> None:
        self._m(f"\n### {self._when(m.starts_at)}: {m.status}\n\n")
        if m.topics:
            self._m("**Agenda**\n\n")
            for t in m.topics:
                private = " (private)" if t.visibility == "private" else ""
                self._m(f"- {_line(t.text)}{private}, by {_name(t.author)}: {t.status}\n")
            self._m("\n")
        topics = {t.id: t for t in m.topics}
        for s in m.summaries:
            self._m(f"**Key points** (by {_name(s.author)})\n\n{_block(s.key_points)}\n\n")
            for o in s.outcomes:
                self._m(f"- {_outcome_label(topics.get(o.topic_id), o.step)}: {_line(o.text)}\n")
            if s.outcomes:
                self._m("\n")
        self._actions_md(m.action_items)
        if m.pulse:
            self._m("**Pulse**\n\n")
            for p in m.pulse:
                scores = ", ".join(f"{k} {getattr(p, k)}" for k in _PULSE if getattr(p, k) is not None)
                self._m(f"- {_name(p.person)}: {scores}\n")
            self._m("\n")
        self._notes_md(m.my_notes)

    def _actions_md(self, actions: tuple[ex.ActionData, ...]) -> None:
        if not actions:
            return
        self._m("**Action items**\n\n")
        for a in actions:
            mark = "x" if a.done_at else " "
            due = f", due {a.due_date}" if a.due_date else ""
            self._m(f"- [{mark}] {_line(a.text)} ({_name(a.owner)}{due})\n")
        self._m("\n")

    def _notes_md(self, notes: tuple[ex.NoteData, ...]) -> None:
        if not notes:
            return
        self._m("**Your private notes**\n\n")
        for note in notes:
            self._m(f"- {self._when(note.created_at)}: {_line(note.text)}\n")
        self._m("\n")

    def _loose_md(self, rest: ex.Loose) -> None:
        if not (rest.topics or rest.action_items or rest.my_notes):
            return
        self._m("\n### Not in a meeting\n\n")
        for t in rest.topics:
            self._m(f"- {_line(t.text)}, by {_name(t.author)}: {t.status}\n")
        self._m("\n")
        self._actions_md(rest.action_items)
        self._notes_md(rest.my_notes)


# ---------------------------------------------------------------------------- plain JSON values


def _dump(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _open_object(fields: dict[str, Any], last_key: str) -> str:
    """An object's JSON up to its last field's value, which is streamed after it (a list of meetings)."""
    return _dump(fields)[:-1] + f", {_dump(last_key)}: "


def _iso(value: datetime | date | time | None) -> str | None:
    return value.isoformat() if value is not None else None


def _person(p: ex.PersonRef) -> dict[str, Any]:
    return {"slack_user_id": p.slack_user_id, "name": p.name}


def _series(s: ex.SeriesData) -> dict[str, Any]:
    return {
        "id": s.id,
        "cadence": s.cadence,
        "weekday": s.weekday,
        "local_time": s.local_time.strftime("%H:%M"),
        "duration_minutes": s.duration_minutes,
        "timezone": s.timezone,
        "first_date": _iso(s.first_date),
        "state": "paused" if s.paused else "active" if s.active else "ended",
        "created_at": _iso(s.created_at),
        "ended_at": _iso(s.ended_at),
    }


def _topic(t: ex.TopicData) -> dict[str, Any]:
    return {
        "id": t.id,
        "text": t.text,
        "author": _person(t.author),
        "visibility": t.visibility,
        "status": t.status,
        "kind": t.kind,
        "link": t.link,
        "created_at": _iso(t.created_at),
    }


def _action(a: ex.ActionData) -> dict[str, Any]:
    return {
        "id": a.id,
        "text": a.text,
        "owner": _person(a.owner),
        "created_by": _person(a.created_by),
        "due_date": _iso(a.due_date),
        "done_at": _iso(a.done_at),
        "created_at": _iso(a.created_at),
    }


def _note(n: ex.NoteData) -> dict[str, Any]:
    return {"text": n.text, "created_at": _iso(n.created_at)}


def _meeting(m: ex.MeetingData) -> dict[str, Any]:
    return {
        "id": m.id,
        "series_id": m.series_id,
        "local_date": _iso(m.local_date),
        "starts_at": _iso(m.starts_at),
        "ends_at": _iso(m.ends_at),
        "status": m.status,
        "topics": [_topic(t) for t in m.topics],
        "summaries": [
            {
                "author": _person(s.author),
                "key_points": s.key_points,
                "created_at": _iso(s.created_at),
                "template_outcomes": [
                    {"topic_id": o.topic_id, "step": o.step, "text": o.text} for o in s.outcomes
                ],
            }
            for s in m.summaries
        ],
        "action_items": [_action(a) for a in m.action_items],
        "pulse": [
            {
                "person": _person(p.person),
                **{k: getattr(p, k) for k in _PULSE},
                "updated_at": _iso(p.updated_at),
            }
            for p in m.pulse
        ],
        "my_notes": [_note(n) for n in m.my_notes],
    }


def _loose(rest: ex.Loose) -> dict[str, Any]:
    return {
        "topics": [_topic(t) for t in rest.topics],
        "action_items": [_action(a) for a in rest.action_items],
        "my_notes": [_note(n) for n in rest.my_notes],
    }


# ---------------------------------------------------------------------------- Markdown text


def _name(p: ex.PersonRef) -> str:
    if p.slack_user_id is None:
        return p.name or ex.FORMER_PARTICIPANT
    return f"{p.name} ({p.slack_user_id})" if p.name else p.slack_user_id


def _line(text: str) -> str:
    """One list item: a person's text kept on its line."""
    return " ".join(text.split())


def _block(text: str) -> str:
    return "\n".join(f"> {line}" if line else ">" for line in text.splitlines())


def _outcome_label(topic: ex.TopicData | None, step: str) -> str:
    """ "GROW · Goal (Becoming a tech lead)": the template's step as the summary form named it."""
    if topic is None:
        return step
    template = template_of(TopicKind(topic.kind)) if topic.kind in TopicKind.__members__.values() else None
    label = next((s.label for s in template.steps if s.key == step), step) if template else step
    short = f"{template.short} · " if template else ""
    return f"{short}{label} ({_line(topic.text)})"
