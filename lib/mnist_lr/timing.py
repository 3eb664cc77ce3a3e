"""Phase timings: each phase of a job is logged with its duration and recorded for the manifest."""

import logging
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

log = logging.getLogger("mnist_lr")


class PhaseTimer:
    """Measures named phases in order; ``seconds`` maps each phase to its wall time."""

    def __init__(self) -> None:
        self.seconds: dict[str, float] = {}

    @contextmanager
    def phase(self, name: str) -> Iterator[dict[str, object]]:
        """Times the block; facts the block adds to the yielded dict are logged with it."""
        facts: dict[str, object] = {}
        log.info("%s: started", name)
        start = time.perf_counter()
        yield facts
        elapsed = time.perf_counter() - start
        self.seconds[name] = round(elapsed, 3)
        details = "".join(f", {key}={value}" for key, value in facts.items())
        log.info("%s: done in %.1f s%s", name, elapsed, details)


def timed(action: Callable[..., object], *args: object) -> float:
    """Runs ``action(*args)`` and returns its wall time in seconds (for work run in a thread)."""
    start = time.perf_counter()
    action(*args)
    return time.perf_counter() - start


@contextmanager
def in_background(action: Callable[..., object], *args: object) -> Iterator[Future]:
    """Runs ``action(*args)`` in a thread while the block runs.

    Yields the future of the action's wall time (``result()`` re-raises its error). Leaving the
    block waits for the action, also when the block fails, so nothing it writes outlives a
    cleanup that follows.
    """
    with ThreadPoolExecutor(max_workers=1) as pool:
        yield pool.submit(timed, action, *args)
