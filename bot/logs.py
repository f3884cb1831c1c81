"""Logging for the bot's processes: ids and error codes, never what people wrote."""

from __future__ import annotations

import logging


def configure() -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # APScheduler logs every run of the minute tick at INFO; keep its warnings only.
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    # Bolt logs the whole body of a request whose signature fails (at INFO): topic text included.
    logging.getLogger("slack_bolt.RequestVerification").setLevel(logging.WARNING)
