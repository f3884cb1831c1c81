"""The request budget: in time the work's result is the answer; late, a stand-in answers and the result goes
to `then` once the work is done: one or the other, never both, never neither."""

from __future__ import annotations

import threading
from contextvars import ContextVar

import pytest

from bot.slack.budget import Budget

WHO: ContextVar[str] = ContextVar("who", default="nobody")


def test_work_done_in_time_is_the_answer_and_nothing_follows() -> None:
    budget = Budget(10, workers=2)
    told: list[object] = []
    assert budget.run(lambda: "stored", late=lambda: "saving", then=told.append) == "stored"
    assert budget.wait_idle(10) and told == []


def test_late_work_is_answered_at_the_deadline_and_its_result_follows_once() -> None:
    budget = Budget(0.05, workers=2)
    release = threading.Event()
    told: list[object] = []

    def slow() -> str:
        release.wait(10)
        return "stored"

    assert budget.run(slow, late=lambda: "saving", then=told.append) == "saving"
    assert told == []  # still running
    release.set()
    assert budget.wait_idle(10) and told == ["stored"]


def test_work_that_fails_in_time_raises_to_the_caller_and_late_it_hands_on_none() -> None:
    budget = Budget(10, workers=2)

    def broken() -> str:
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        budget.run(broken, late=lambda: "saving", then=lambda _: None)
    release = threading.Event()

    def slow_then_broken() -> str:
        release.wait(10)
        raise RuntimeError("late boom")

    told: list[object] = []
    late_budget = Budget(0.05, workers=2)
    assert late_budget.run(slow_then_broken, late=lambda: "saving", then=told.append) == "saving"
    release.set()
    assert late_budget.wait_idle(10) and told == [None]


def test_the_work_runs_in_the_callers_context() -> None:
    budget = Budget(10, workers=2)
    WHO.set("the request")
    assert budget.run(WHO.get, late=lambda: "late", then=lambda _: None) == "the request"


@pytest.mark.parametrize("deadline", [0.0, 0.001, 0.01])
def test_at_the_edge_of_the_deadline_it_is_one_or_the_other(deadline: float) -> None:
    """Work finishing right at the deadline: its result is either the answer or handed to `then`."""
    budget = Budget(deadline, workers=4)
    for _ in range(200):
        told: list[object] = []
        answer = budget.run(lambda: "stored", late=lambda: "saving", then=told.append)
        assert budget.wait_idle(10)
        assert (answer, told) in (("stored", []), ("saving", ["stored"]))
