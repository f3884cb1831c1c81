"""Rate-limit holds: what Slack held back during one pass (its 429s), so the pass asks no more of it.

Slack limits each method per workspace, and chat.postMessage also per channel (about one message a
second). A 429 on a channel that already took a message in this pass is taken for that channel's limit:
its messages wait and the others go on. Any other 429 on chat.postMessage stops the batch (the rest wait
too); one on conversations.open, chat.update or views.publish (the Home tab) holds back only the
messages that need that method.
"""

from __future__ import annotations

from datetime import datetime

from bot.delivery.jobs import Job, Outcome


class Holds:
    """What Slack held back during one pass (429s), so the pass asks no more of it than it may.

    A 429 on chat.postMessage to a channel that already took a message in this pass, right after a
    post that went through, is that channel's limit (about one a second): only its messages wait. Any
    other 429 on chat.postMessage (a fresh channel, or two 429s in a row) is taken for the workspace's
    limit and stops the pass. conversations.open, chat.update and views.publish are limited per method.
    """

    def __init__(self) -> None:
        self.until: dict[tuple[str, str | None], datetime] = {}
        self.posted: set[str] = set()
        self.stopped = False
        self._last_limited = False  # the last call Slack answered was a 429

    def check(self, job: Job) -> datetime | None:
        """When the job may go, if a limit met in this pass holds it back; None when it may go now."""
        if job.method != "chat.postMessage":
            keys = [(job.method, None)]
        else:
            keys = [("chat.postMessage", job.target)]
            if job.target is None:
                keys.append(("conversations.open", None))
        return max((self.until[key] for key in keys if key in self.until), default=None)

    def learn(self, outcome: Outcome, now: datetime) -> None:
        if outcome.result == "sent":
            self.posted.update(c for c in (outcome.target, outcome.channel) if c)
            self._last_limited = False
        elif outcome.result == "rate_limited" and outcome.method:
            resume = now + outcome.retry_after
            if outcome.method != "chat.postMessage":
                self.until[(outcome.method, None)] = resume
            elif outcome.target in self.posted and not self._last_limited:
                self.until[(outcome.method, outcome.target)] = resume
            else:
                self.stopped = True
            self._last_limited = True
