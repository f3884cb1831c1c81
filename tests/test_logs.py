import logging

from bot import logs


def test_bolt_does_not_log_the_bodies_of_rejected_requests() -> None:
    logs.configure()
    verification = logging.getLogger("slack_bolt.RequestVerification")
    assert not verification.isEnabledFor(logging.INFO)
    assert verification.isEnabledFor(logging.WARNING)
