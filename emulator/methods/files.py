"""Files, Slack's current way: ``files.getUploadURLExternal``, a POST of the bytes to the URL it gave, then
``files.completeUploadExternal`` shares them. ``files.upload`` is retired (Slack turned it off for new apps
in 2024 and for all on 2025-11-12) and answers ``method_deprecated``.

What Slack documents: getUploadURLExternal takes ``filename`` and ``length`` (bytes), optional ``alt_txt``
and ``snippet_type``, and answers ``upload_url`` and ``file_id``; the upload URL takes the raw bytes in one
POST (slack-sdk's ``files_upload_v2`` sends them so) and answers ``200 OK - <length>``;
completeUploadExternal takes ``files`` (a JSON list of ``{"id", "title"}``) and optional ``channel_id``,
``initial_comment``, ``thread_ts``. GUESS: the error codes of a bad completion (``file_not_found`` for an
id never issued, never uploaded or already completed, ``file_size_mismatch`` for bytes that don't match
the declared length, ``channel_not_found`` for a conversation the bot can't post to).
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from typing import Any

from emulator.workspace import ApiError, Workspace, fail, missing

UPLOAD_PATH = "/upload/v1/"


@dataclass
class _Upload:
    """A file between getUploadURLExternal and completeUploadExternal."""

    id: str
    filename: str
    length: int
    path: str
    data: bytes | None = None  # None until its bytes were posted
    completed: bool = False


@dataclass(frozen=True)
class SharedFile:
    """A file completeUploadExternal shared in a conversation, as tests read it back."""

    id: str
    name: str
    title: str
    data: bytes
    channel: str | None
    initial_comment: str | None
    thread_ts: str | None

    @property
    def text(self) -> str:
        return self.data.decode("utf-8")


class FileMethods(Workspace):
    base: str  # the server's own address (emulator/server.py), for the upload URLs it hands out

    def _reset_files(self) -> None:
        self._uploads: dict[str, _Upload] = {}
        self._upload_paths: dict[str, str] = {}
        self._shared: list[SharedFile] = []

    # ------------------------------------------------------------------ inspection
    def files(self, channel: str | None = None) -> list[SharedFile]:
        """Files completed (shared in ``channel``, or anywhere), in completion order."""
        with self._cond:
            return [f for f in self._shared if channel is None or f.channel == channel]

    # ------------------------------------------------------------------ methods
    def _files_upload(self, args: dict[str, Any]) -> dict[str, Any]:
        raise fail("method_deprecated")

    def _files_get_upload_url_external(self, args: dict[str, Any]) -> dict[str, Any]:
        filename, length = args.get("filename"), args.get("length")
        if not filename:
            raise missing("filename")
        if length in (None, ""):
            raise missing("length")
        try:
            size = int(str(length))
        except ValueError:
            raise ApiError("invalid_arguments", "[ERROR] invalid value for field: length") from None
        if size < 1:  # GUESS: Slack refuses an empty file
            raise ApiError("invalid_arguments", "[ERROR] length must be at least 1")
        file_id = self._new_id("F")
        path = UPLOAD_PATH + secrets.token_hex(12)
        self._uploads[file_id] = _Upload(file_id, str(filename), size, path)
        self._upload_paths[path] = file_id
        return {"upload_url": self.base + path, "file_id": file_id}

    def _upload_post(self, path: str, raw: bytes) -> tuple[int, str]:
        """The upload URL: the bytes, as one POST. The length is checked when the upload is completed."""
        with self._cond:
            upload = self._uploads.get(self._upload_paths.get(path, ""))
            if upload is None or upload.completed:
                return 404, "not_found"  # GUESS: an URL never issued or already used
            upload.data = raw
            self._cond.notify_all()
        return 200, f"OK - {len(raw)}"

    def _files_complete_upload_external(self, args: dict[str, Any]) -> dict[str, Any]:
        files = _file_list(args.get("files"))
        channel = args.get("channel_id") or None
        if channel is not None:
            self._postable(str(channel))
        uploads = [self._uploaded(item) for item in files]
        comment, thread_ts = args.get("initial_comment") or None, args.get("thread_ts") or None
        answered = []
        for upload, item in zip(uploads, files, strict=True):
            upload.completed = True
            title = str(item.get("title") or upload.filename)
            shared = SharedFile(
                upload.id, upload.filename, title, upload.data or b"", channel, comment, thread_ts
            )
            self._shared.append(shared)
            answered.append(_file_object(shared, self._caller_bot_user()))
        if channel is not None:
            self._post_files_message(str(channel), answered, comment, thread_ts)
        return {"files": answered}

    # ------------------------------------------------------------------ helpers
    def _uploaded(self, item: dict[str, Any]) -> _Upload:
        upload = self._uploads.get(str(item.get("id") or ""))
        if upload is None or upload.data is None or upload.completed:
            raise fail("file_not_found")
        if len(upload.data) != upload.length:
            raise fail("file_size_mismatch")
        return upload

    def _postable(self, channel: str) -> None:
        conv = self._convs.get(channel)
        if conv is None or not self._reaches(conv.team_id):
            raise fail("channel_not_found")
        self._note_team(conv.team_id)
        if conv.members is not None and self._teams[conv.team_id].bot_user_id not in conv.members:
            raise fail("channel_not_found")

    def _post_files_message(
        self, channel: str, files: list[dict[str, Any]], comment: str | None, thread_ts: str | None
    ) -> None:
        msg: dict[str, Any] = {
            "type": "message",
            "subtype": "file_share",
            "user": self._teams[self._convs[channel].team_id].bot_user_id,
            "text": comment or "",
            "files": files,
            "ts": self._next_ts(),
        }
        if thread_ts:
            msg["thread_ts"] = thread_ts
        self._convs[channel].messages.append(msg)


def _file_list(value: Any) -> list[dict[str, Any]]:
    if value in (None, ""):
        raise missing("files")
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            raise ApiError("invalid_arguments", "[ERROR] files must be a JSON array") from None
    if not isinstance(value, list) or not value or not all(isinstance(f, dict) for f in value):
        raise ApiError("invalid_arguments", "[ERROR] files must be a non-empty array of objects")
    return value


def _file_object(shared: SharedFile, bot_user_id: str) -> dict[str, Any]:
    return {
        "id": shared.id,
        "name": shared.name,
        "title": shared.title,
        "size": len(shared.data),
        "user": bot_user_id,
        "channels": [shared.channel] if shared.channel else [],
        "is_public": False,
    }
