"""`python -m bot serve` as a real process under gunicorn, reached over HTTP like Slack would."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import Select, select

from bot.store import migrations
from bot.store.db import make_engine, make_session_factory
from bot.store.models import Topic
from emulator.requests import SlackSender
from emulator.web_api import BOT_TOKEN, SlackEmulator
from tests.conftest import SIGNING_SECRET
from tests.slack.people import add_people

pytestmark = pytest.mark.e2e


@dataclass
class ServedBot:
    url: str
    database_url: str
    log: list[str]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served_bot(tmp_path_factory: pytest.TempPathFactory, _emulator: SlackEmulator) -> Iterator[ServedBot]:
    database_url = f"sqlite:///{tmp_path_factory.mktemp('serve') / 'serve.db'}"
    migrations.upgrade(database_url)
    port = free_port()
    env = {
        **os.environ,
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": _emulator.url,
        "DATABASE_URL": database_url,
        "PORT": str(port),
        "HOST": "127.0.0.1",
        "WEB_CONCURRENCY": "2",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "serve"], env=env, stderr=subprocess.PIPE, text=True
    )
    log: list[str] = []
    listening = threading.Event()

    def read_log() -> None:
        assert process.stderr is not None
        for line in process.stderr:
            log.append(line)
            if "Listening at:" in line:
                listening.set()
        listening.set()  # the process ended: stop waiting

    threading.Thread(target=read_log, daemon=True).start()
    # Once gunicorn's master listens, connections queue until a worker takes them.
    assert listening.wait(60) and process.poll() is None, "".join(log)
    yield ServedBot(url=f"http://127.0.0.1:{port}", database_url=database_url, log=log)
    process.send_signal(signal.SIGTERM)
    assert process.wait(30) == 0, "".join(log)


def schedule(served_bot: ServedBot, emulator: SlackEmulator, text: str, user_id: str) -> None:
    """Schedule, and wait for the answer: the zones are new, so it comes through the response_url."""
    with SlackSender(served_bot.url, SIGNING_SECRET) as sender:
        url = emulator.new_response_url()
        assert sender.command(text, user_id=user_id, response_url=url).status_code == 200
        answer = emulator.wait_for_response_posts(1, url, timeout=30)[0].payload["text"]
    assert "Scheduled a weekly 1:1" in answer


def stored(served_bot: ServedBot, query: Select[tuple[str]]) -> list[str]:
    """What `query` reads from the served bot's own database."""
    engine = make_engine(served_bot.database_url)
    try:
        with make_session_factory(engine)() as session:
            return list(session.scalars(query))
    finally:
        engine.dispose()


def test_healthz(served_bot: ServedBot) -> None:
    with SlackSender(served_bot.url, SIGNING_SECRET) as sender:
        response = sender.client.get(f"{served_bot.url}/healthz", timeout=30)
    assert response.status_code == 200 and response.json()["database"] == "ok"


def test_signed_add_topic_is_stored_and_forged_one_is_not(
    served_bot: ServedBot, emulator: SlackEmulator
) -> None:
    add_people(emulator)
    schedule(served_bot, emulator, "schedule <@UBOB0001> weekly tue 10:00", "UALICE01")
    with SlackSender(served_bot.url, SIGNING_SECRET) as sender:
        forged = sender.command("add-topic <@UBOB0001> forged", user_id="UALICE01", secret="wrong")
        ok = sender.command("add-topic <@UBOB0001> Roadmap & <priorities>", user_id="UALICE01")
    assert forged.status_code == 401
    assert ok.status_code == 200
    assert "Roadmap &amp; &lt;priorities&gt;" in ok.json()["blocks"][0]["text"]["text"]
    assert stored(served_bot, select(Topic.text)) == ["Roadmap & <priorities>"]


def test_what_a_request_queued_goes_out_at_once_without_a_clock(
    served_bot: ServedBot, emulator: SlackEmulator
) -> None:
    """`serve` runs no clock: the topic's confirmation in the DM's thread comes from the web process's
    own background deliverer, kicked by the request (README: "the web process delivers at once")."""
    emulator.add_user("UERIN001", name="erin", tz="Europe/Lisbon")
    emulator.add_user("UFRANK01", name="frank", tz="Europe/Lisbon")
    schedule(served_bot, emulator, "schedule <@UERIN001> weekly thu 10:00", "UFRANK01")
    dm = emulator.open_dm("UERIN001")
    ts = emulator.add_message(dm, "UERIN001", "Conference budget")["ts"]
    with SlackSender(served_bot.url, SIGNING_SECRET) as sender:
        assert sender.dm("UERIN001", "Conference budget", channel=dm, ts=ts).status_code == 200
    confirmation = emulator.wait_for(
        "chat.postMessage", lambda call: call.args.get("thread_ts") == ts, timeout=30
    )[-1]
    assert "Added to your 1:1 with <@UFRANK01>" in confirmation.args["text"]


def test_two_workers_behind_one_port_take_concurrent_requests(
    served_bot: ServedBot, emulator: SlackEmulator
) -> None:
    """gunicorn runs two workers here; 24 signed commands at once all land, each once."""
    add_people(emulator)
    schedule(served_bot, emulator, "schedule <@UCAROL01> weekly wed 10:00", "UDAVE001")

    def send(index: int) -> int:
        with SlackSender(served_bot.url, SIGNING_SECRET) as sender:
            return sender.command(f"add-topic <@UCAROL01> Parallel {index}", user_id="UDAVE001").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(send, range(24)))
    assert statuses == [200] * 24
    texts = set(stored(served_bot, select(Topic.text).where(Topic.text.like("Parallel %"))))
    assert texts == {f"Parallel {i}" for i in range(24)}
