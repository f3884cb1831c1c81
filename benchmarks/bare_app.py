"""The yardstick for benchmarks/ack_latency.py: a slack-bolt app that verifies the signature and acks.

It is built and served exactly like `python -m bot serve` (bot/slack/app.py and bot/processes.py):
the same sync `App` options (a WebClient pointed at SLACK_API_URL, no token check at start-up,
`process_before_response=True`), the same logging, the same `GunicornServer` and `server_options`
(gthread, WEB_CONCURRENCY workers x WEB_THREADS threads), but no database and no work: `/1on1`
answers an empty ack. Whatever the bot costs above this is the bot's own.

    SLACK_BOT_TOKEN=xoxb-… SLACK_SIGNING_SECRET=… PORT=3000 .venv/bin/python benchmarks/bare_app.py
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from slack_bolt import Ack, App
from slack_bolt.adapter.wsgi import SlackRequestHandler
from slack_sdk import WebClient

from bot import logs
from bot.slack.ids import COMMAND
from bot.web import GunicornServer, WsgiApp, server_options


def build_bare_app() -> App:
    app = App(
        client=WebClient(
            token=os.environ["SLACK_BOT_TOKEN"],
            base_url=os.environ.get("SLACK_API_URL") or WebClient.BASE_URL,
        ),
        signing_secret=os.environ["SLACK_SIGNING_SECRET"],
        token_verification_enabled=False,
        process_before_response=True,
    )

    @app.command(COMMAND)
    def on_command(ack: Ack) -> None:
        ack()

    return app


def build_bare_wsgi() -> WsgiApp:
    return SlackRequestHandler(build_bare_app(), path="/slack/events")  # type: ignore[return-value]


def main() -> int:
    logs.configure()
    GunicornServer(
        build_bare_wsgi,
        server_options(int(os.environ.get("PORT", "3000")), host=os.environ.get("HOST", "0.0.0.0")),
    ).run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
