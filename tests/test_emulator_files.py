"""The emulator's file methods, through the real slack_sdk: ``files_upload_v2`` (getUploadURLExternal, a POST
of the bytes, completeUploadExternal) and what Slack refuses along the way.

Reference: docs.slack.dev/reference/methods/files.getUploadURLExternal and files.completeUploadExternal;
``files.upload`` is retired. The error codes of a bad completion are GUESSes (emulator/methods/files.py).
"""

from __future__ import annotations

import io
import json
import urllib.request
from collections.abc import Iterator

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from emulator.web_api import BOT_TOKEN, SlackEmulator

ALICE = "UALICE01"


@pytest.fixture(scope="module")
def _emulator() -> Iterator[SlackEmulator]:
    with SlackEmulator() as emulator:
        yield emulator


@pytest.fixture
def emu(_emulator: SlackEmulator) -> SlackEmulator:
    _emulator.reset()
    _emulator.add_user(ALICE)
    return _emulator


@pytest.fixture
def client(emu: SlackEmulator) -> WebClient:
    return WebClient(token=BOT_TOKEN, base_url=emu.url)


def error_of(client: WebClient, method: str, **params: object) -> str:
    with pytest.raises(SlackApiError) as excinfo:
        client.api_call(method, params=params)
    return str(excinfo.value.response["error"])


def post(url: str, data: bytes) -> tuple[int, str]:
    with urllib.request.urlopen(urllib.request.Request(url, data=data, method="POST")) as answer:
        return answer.status, answer.read().decode()


def test_files_upload_v2_shares_two_files_in_the_dm(emu: SlackEmulator, client: WebClient) -> None:
    dm = emu.open_dm(ALICE)
    answer = client.files_upload_v2(
        file_uploads=[
            {"filename": "a.md", "file": io.BytesIO(b"# Hello\n"), "title": "Readable"},
            {"filename": "a.json", "content": '{"x": 1}'},
        ],
        channel=dm,
        initial_comment="Here you are",
    )
    assert [f["name"] for f in answer["files"]] == ["a.md", "a.json"]
    shared = emu.files(dm)
    assert [(f.name, f.title, f.data) for f in shared] == [
        ("a.md", "Readable", b"# Hello\n"),
        ("a.json", "a.json", b'{"x": 1}'),
    ]
    assert shared[0].initial_comment == "Here you are"
    assert [c.method for c in emu.calls()] == [
        "files.getUploadURLExternal",
        "files.getUploadURLExternal",
        "files.completeUploadExternal",
    ]
    assert emu.messages(dm)[-1]["files"][1]["id"] == shared[1].id


def test_the_upload_url_answers_ok_and_the_length(emu: SlackEmulator, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="x.txt", length=5)
    assert url["file_id"].startswith("F")
    assert post(url["upload_url"], b"hello") == (200, "OK - 5")


def test_missing_or_bad_arguments_are_refused(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(client, "files.getUploadURLExternal", length=3) == "invalid_arguments"
    assert error_of(client, "files.getUploadURLExternal", filename="x") == "invalid_arguments"
    assert error_of(client, "files.getUploadURLExternal", filename="x", length="many") == "invalid_arguments"
    assert error_of(client, "files.completeUploadExternal") == "invalid_arguments"
    assert error_of(client, "files.completeUploadExternal", files="not json") == "invalid_arguments"


def test_a_length_that_does_not_match_is_refused_at_completion(emu: SlackEmulator, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="x.txt", length=10)
    post(url["upload_url"], b"short")
    files = json.dumps([{"id": url["file_id"], "title": "x"}])
    assert error_of(client, "files.completeUploadExternal", files=files) == "file_size_mismatch"
    assert emu.files() == []


def test_unknown_never_uploaded_or_completed_twice_is_refused(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(client, "files.completeUploadExternal", files='[{"id": "F404"}]') == "file_not_found"
    url = client.files_getUploadURLExternal(filename="x.txt", length=2)
    files = json.dumps([{"id": url["file_id"]}])
    assert error_of(client, "files.completeUploadExternal", files=files) == "file_not_found"
    post(url["upload_url"], b"ok")
    client.files_completeUploadExternal(files=[{"id": url["file_id"]}])
    assert error_of(client, "files.completeUploadExternal", files=files) == "file_not_found"
    assert [f.channel for f in emu.files()] == [None]  # completed without a channel: private


def test_a_bad_channel_is_refused_and_nothing_is_shared(emu: SlackEmulator, client: WebClient) -> None:
    url = client.files_getUploadURLExternal(filename="x.txt", length=2)
    post(url["upload_url"], b"ok")
    files = json.dumps([{"id": url["file_id"]}])
    assert (
        error_of(client, "files.completeUploadExternal", files=files, channel_id="CNOPE")
        == "channel_not_found"
    )
    assert emu.files() == []


def test_tokens_are_checked(emu: SlackEmulator) -> None:
    stranger = WebClient(token="xoxb-not-ours", base_url=emu.url)
    assert error_of(stranger, "files.getUploadURLExternal", filename="x", length=1) == "invalid_auth"
    assert error_of(stranger, "files.completeUploadExternal", files='[{"id": "F1"}]') == "invalid_auth"


def test_files_upload_is_retired(emu: SlackEmulator, client: WebClient) -> None:
    assert error_of(client, "files.upload", channels=ALICE, content="hi") == "method_deprecated"
