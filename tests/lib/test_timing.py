import threading
import time

import pytest

from mnist_lr.timing import PhaseTimer, in_background, timed


def test_phase_timer_records_each_phase_in_order():
    timer = PhaseTimer()
    with timer.phase("read") as facts:
        facts["files"] = 2
    with timer.phase("fit"):
        time.sleep(0.01)
    assert list(timer.seconds) == ["read", "fit"]
    assert timer.seconds["fit"] >= 0.01


def test_timed_runs_the_action_with_its_arguments_and_returns_its_duration():
    calls = []

    def action(*args):
        calls.append(args)
        time.sleep(0.01)

    assert timed(action, "path", 2) >= 0.01
    assert calls == [("path", 2)]


def test_in_background_runs_alongside_the_block_and_gives_the_actions_duration():
    released = threading.Event()
    slept = []

    def action(seconds):
        released.wait(10)
        time.sleep(seconds)
        slept.append(seconds)

    with in_background(action, 0.05) as duration:
        assert not duration.done()  # the action waits for the block
        released.set()
    assert duration.result() >= 0.05
    assert slept == [0.05]


def test_a_failing_block_leaves_only_after_the_action_has_ended():
    ended = []

    def action():
        time.sleep(0.2)
        ended.append(True)

    with pytest.raises(ValueError), in_background(action):
        raise ValueError("figures failed")
    assert ended == [True]


def test_the_actions_error_is_raised_by_its_result():
    def action():
        raise OSError("disk full")

    with in_background(action) as duration:
        pass
    with pytest.raises(OSError, match="disk full"):
        duration.result()
