"""The EXPORT row's loader: the person's export, built from the database at delivery into two files.

The row holds ids only (`person`, and `pair` when the export is about one 1:1); the files are written
afresh on every attempt, so a retried upload sends what is true then.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import Session

from bot.services import export, export_files
from bot.store.models import OutboxMessage, Person


@dataclass
class ExportUpload:
    files: export_files.ExportFiles
    local_date: str  # the day in the person's zone, for the file names
    meetings: int
    one_on_ones: int
    with_person: export.PersonRef | None  # the other person, when the export is about one 1:1


def load_export(session: Session, row: OutboxMessage, now: datetime) -> ExportUpload | None:
    person = session.get(Person, int(row.params["person"]))
    if person is None or person.erased_at is not None:
        return None  # they deleted their data meanwhile: nothing of theirs to send
    pair_id = row.params.get("pair")
    try:
        header = export.start(session, person.id, int(pair_id) if pair_id is not None else None, now)
    except export.NothingToExport:
        return None
    files = export_files.write(session, header, person.id)
    with_person = None
    if pair_id is not None:
        with_person = next((o.with_person for o in export.one_on_ones(session, header, person.id)), None)
    local = now.astimezone(ZoneInfo(header.timezone)).date().isoformat()
    return ExportUpload(files, local, files.meetings, len(header.pair_ids), with_person)
