"""Calling Slack for one job: post, update, open a group DM first, publish a Home tab, or upload files (an
export); every answer becomes an `Outcome`.

Retries are the outbox's job, not the HTTP client's: a 429 reschedules the row for after its
Retry-After instead of sleeping inside the call as slack-sdk's RateLimitErrorRetryHandler would
(see holds.py for how a pass takes a 429, background.py for how Retry-After is waited out).

A DM goes to the person's user id (chat.postMessage opens the app's DM itself and answers with its
D… id, which is kept on the person); only a group DM is opened with conversations.open, a Tier 3 method.
"""

from __future__ import annotations

from dataclasses import replace

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from bot.delivery.errors import classify
from bot.delivery.jobs import Job, Outcome


def build_delivery_client(token: str | None, base_url: str | None) -> WebClient:
    """A WebClient that never retries by itself (not even connection errors): the outbox reschedules."""
    return WebClient(token=token, base_url=base_url or WebClient.BASE_URL, retry_handlers=[])


def send(client: WebClient, job: Job) -> Outcome:
    if job.publish:
        return _publish(client, job)
    if "file_uploads" in job.content:
        return _upload(client, job)
    channel = job.target
    method = "chat.postMessage"
    try:
        if channel is None:
            opened = _open(client, job)
            if isinstance(opened, Outcome):
                return opened
            channel = opened
        if job.update_ts is not None:
            method = "chat.update"
            response = client.chat_update(**{**job.content, "channel": channel, "ts": job.update_ts})
        else:
            response = client.chat_postMessage(
                **{
                    **job.content,
                    "channel": channel,
                    "thread_ts": job.thread_ts,
                    "unfurl_links": False,
                    "unfurl_media": False,
                }
            )
        sent_to = str(response.get("channel") or channel)
        # Posted to a user id: Slack opened (or found) the DM and answered with its id; keep it.
        dm_channel = sent_to if job.channel is None and len(job.users) == 1 else None
        return Outcome("sent", channel=sent_to, ts=str(response["ts"]), dm_channel=dm_channel, target=channel)
    except Exception as exc:
        return replace(classify(exc, job), method=method, target=channel)


def _publish(client: WebClient, job: Job) -> Outcome:
    """A Home tab: views.publish to the person's user id (it posts nothing, so no DM is learned)."""
    try:
        client.views_publish(user_id=job.users[0], **job.content)
    except Exception as exc:
        return replace(classify(exc, job), method=job.method)
    return Outcome("sent", method=job.method)


def _upload(client: WebClient, job: Job) -> Outcome:
    """Files (an export) to the person's DM with files_upload_v2: getUploadURLExternal and an upload per
    file, then one completeUploadExternal that shares them all. A failure anywhere is retried as a whole
    (the files are written afresh): nothing is shared until the completion goes through, so they arrive once.
    """
    content = {key: value for key, value in job.content.items() if key != "close"}
    method = "files.getUploadURLExternal"
    try:
        channel = job.channel
        if channel is None:  # the DM's id is not known yet: files are shared in a channel, not to a user
            method = "conversations.open"
            channel = str(client.conversations_open(users=job.users[0])["channel"]["id"])
        method = "files.completeUploadExternal"
        client.files_upload_v2(channel=channel, **content)
    except Exception as exc:
        if isinstance(exc, SlackApiError):  # which of the three calls Slack answered so
            method = exc.response.api_url.rsplit("/", 1)[-1] or method
        return replace(classify(exc, job), method=method, target=job.target)
    finally:
        job.content.get("close", lambda: None)()
    learned = channel if job.channel is None else None
    return Outcome("sent", channel=channel, dm_channel=learned, method=method, target=channel)


def _open(client: WebClient, job: Job) -> str | Outcome:
    """The group DM with the job's users; one that can't be opened falls back to each person's DM."""
    try:
        opened = client.conversations_open(users=",".join(job.users))
    except SlackApiError as exc:
        outcome = replace(classify(exc, job), method="conversations.open")
        if outcome.result == "failed":
            return replace(outcome, group_unavailable=True)
        return outcome
    return str(opened["channel"]["id"])
