"""The outbox sender: claims due messages, renders them at send time, posts them, records the outcome.

Where things are (import from these modules; this package re-exports nothing):

- passes.py: one pass at one `now` (`DeliveryPass`, `deliver_due`, `deliver_all_due`) and why each message
  takes three short steps.
- claims.py: a claimed row before and after its Slack call (read and render it, record the outcome,
  fenced by the claim's expiry); the claiming queries are in bot/store/outbox.py.
- slack_calls.py: the Slack calls for one message (`build_delivery_client`, post, update, open a group DM).
- tokens.py: which client sends a message: the one SLACK_BOT_TOKEN's, or its workspace's installation
  (OAuth), refreshed when it expires soon (`OneToken`, `Installed`, `clients_from`).
- errors.py: what a failed call means (rate limited, retry, final).
- holds.py: what Slack's 429s hold back for the rest of a pass (per workspace).
- jobs.py: the data a pass moves (`Renderer`, `Job`, `Outcome`).
- report.py: `DeliveryReport`, what passes did.
- lanes.py: a pass installed in many workspaces (`deliver_in_lanes`): each workspace's messages in a lane of
  their own, sent in parallel, each lane sitting out only its own workspace's Retry-After.
- background.py: `deliver_until_idle` (waits out Retry-After; each workspace's in its lane) and
  `BackgroundDeliverer` (its thread).

The processes build the deliverer (bot/processes.py, `build_deliverer`) and hand it to the app.
"""
