"""``python -m emulator``: the Slack emulator on its own, for trying the bot without a Slack workspace."""

from __future__ import annotations

import argparse
import signal
import sys
import time
from collections.abc import Sequence

from emulator.ids import CLIENT_ID, CLIENT_SECRET
from emulator.methods.oauth import AUTHORIZE_V2
from emulator.people import add_people
from emulator.web_api import APP_TOKEN, BOT_TOKEN, BOT_USER_ID, TEAM_ID, SlackEmulator

DESCRIPTION = """\
Serve an emulated Slack on 127.0.0.1: the Web API methods the bot calls (auth.test, users.info,
conversations.open, chat.postMessage, views.open, ...) and the WebSocket end of Socket Mode, which
apps.connections.open hands out. The workspace holds the bot and a few people with their own time
zones. It prints the base URL and the tokens to use, and runs until Ctrl-C.
"""

EPILOG = """\
example:
  python -m emulator --port 3001 --people 3
  SLACK_API_URL=http://127.0.0.1:3001/api/ SLACK_BOT_TOKEN=xoxb-test-token \\
    SLACK_APP_TOKEN=xapp-1-test-app-token python -m bot run
"""


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m emulator",
        description=DESCRIPTION,
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--port", type=int, default=3001, help="port of the Web API (default 3001; 0 for any free port)"
    )
    parser.add_argument("--people", type=int, default=3, help="workspace members besides the bot (default 3)")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.error(f"--port must be between 0 and 65535, not {args.port}")
    if args.people < 0:
        parser.error(f"--people cannot be negative ({args.people})")

    # Ctrl-C stops it even when started where SIGINT is ignored (a background job); SIGTERM does the same.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    emulator = SlackEmulator(port=args.port)
    try:
        emulator.start()
    except OSError as error:
        print(f"cannot serve on 127.0.0.1:{args.port}: {error.strerror or error}", file=sys.stderr)
        return 1
    try:
        people = add_people(emulator, args.people)
        print(f"Slack emulator: {emulator.url} (Web API; Socket Mode through apps.connections.open)")
        print(f"bot token: {BOT_TOKEN}  (bot user {BOT_USER_ID}, team {TEAM_ID})")
        print(f"app token: {APP_TOKEN}")
        print(f"OAuth: client id {CLIENT_ID}, client secret {CLIENT_SECRET}")
        print(f"       consent page {emulator.base}{AUTHORIZE_V2}")
        width = max((len(person.user_id) for person in people), default=0)
        for person in people:
            print(f"  {person.user_id:<{width}}  {person.name:<8} {person.tz}")
        print(
            f"Point the bot at it: SLACK_API_URL={emulator.url} SLACK_BOT_TOKEN={BOT_TOKEN} "
            f"SLACK_APP_TOKEN={APP_TOKEN} python -m bot run"
        )
        print("Ctrl-C stops it.", flush=True)
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
