"""Rate-limit holds: what Slack held back during one pass (its 429s), so the pass asks no more of it.

Slack limits each method per workspace, and chat.postMessage also per channel (about one message a
second). A 429 on a channel that already took a message in this pass is taken for that channel's limit:
its messages wait and the others go on. Any other 429 on chat.postMessage stops the workspace (the rest of
its messages wait too); one on conversations.open, chat.update or views.publish (the Home tab) holds back
only the messages that need that method. With one token (SLACK_BOT_TOKEN) there is one workspace, so a stop
ends the pass; installed in many workspaces, each has its own limits: one's 429s hold back only its own
(and in the background each workspace's lane keeps holds of its own: lanes.py).
"""

from __future__ import annotations

from datetime import datetime

from bot.delivery.jobs import Job, Outcome


class Holds:
    """What Slack held back during one pass (429s), so the pass asks no more of it than it may.

    A 429 on chat.postMessage to a channel that already took a message in this pass, right after a
    post that went through, is that channel's limit (about one a second): only its messages wait. Any
    other 429 on chat.postMessage (a fresh channel, or two 429s in a row) is taken for the workspace's
    limit and stops its messages. conversations.open, chat.update and views.publish are limited per method.
    Everything is kept per workspace when `per_workspace` (each its own token), else as one.
    """

    def __init__(self, per_workspace: bool = False) -> None:
        self.per_workspace = per_workspace
        self.until: dict[tuple[str | None, str, str | None], datetime] = {}
        self.posted: set[tuple[str | None, str]] = set()
        self.stopped: set[str | None] = set()  # the workspaces whose chat.postMessage limit was met
        self._last_limited: set[str | None] = set()  # the workspaces whose last answer was a 429

    @property
    def everything_stopped(self) -> bool:
        """The one workspace stopped: nothing more goes in this pass."""
        return not self.per_workspace and bool(self.stopped)

    def workspace(self, job: Job) -> str | None:
        """Whose limits the job counts against."""
        return job.team_id if self.per_workspace else None

    def stopped_for(self, job: Job) -> bool:
        return self.workspace(job) in self.stopped

    def check(self, job: Job) -> datetime | None:
        """When the job may go, if a limit met in this pass holds it back; None when it may go now."""
        workspace = self.workspace(job)
        if job.method != "chat.postMessage":
            keys = [(workspace, job.method, None)]
        else:
            keys = [(workspace, "chat.postMessage", job.target)]
            if job.target is None:
                keys.append((workspace, "conversations.open", None))
        return max((self.until[key] for key in keys if key in self.until), default=None)

    def learn(self, job: Job, outcome: Outcome, now: datetime) -> None:
        """What Slack's answer to the job tells about its workspace's limits."""
        workspace = self.workspace(job)
        if outcome.result == "sent":
            self.posted.update((workspace, c) for c in (outcome.target, outcome.channel) if c)
            self._last_limited.discard(workspace)
        elif outcome.result == "rate_limited" and outcome.method:
            resume = now + outcome.retry_after
            if outcome.method != "chat.postMessage":
                self.until[(workspace, outcome.method, None)] = resume
            elif (workspace, outcome.target) in self.posted and workspace not in self._last_limited:
                self.until[(workspace, outcome.method, outcome.target)] = resume
            else:
                self.stopped.add(workspace)
            self._last_limited.add(workspace)
