"""What each outgoing message says, gathered at delivery time from the ids its outbox row holds.

One loader per message kind, `(session, row, now) -> data | None`, each returning a small frozen dataclass
with what that kind's renderer needs; None means the message is obsolete and is dropped unsent.
`bot/slack/messages.py` pairs each kind's loader with its renderer.
"""
