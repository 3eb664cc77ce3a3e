"""Tests of mnist_lr.daemon: PySpark's daemon runs our worker function, which ends a worker
quietly when Spark closed its socket, and lets any other failure through."""

import pytest
from pyspark import daemon as pyspark_daemon

from mnist_lr import daemon


def test_the_daemon_serves_through_the_quiet_worker():
    assert pyspark_daemon.worker is daemon._worker_quiet_when_cancelled


@pytest.mark.parametrize("closed", [BrokenPipeError, ConnectionResetError])
def test_a_worker_whose_socket_spark_closed_ends_without_a_traceback(monkeypatch, closed):
    def cancelled(sock, authenticated):
        raise closed(32, "Broken pipe")

    monkeypatch.setattr(daemon, "_serve", cancelled)
    assert daemon._worker_quiet_when_cancelled(None, True) == 1  # the daemon's "do not reuse"


def test_other_worker_failures_are_not_hidden(monkeypatch):
    def failing(sock, authenticated):
        raise ValueError("a bug")

    monkeypatch.setattr(daemon, "_serve", failing)
    with pytest.raises(ValueError, match="a bug"):
        daemon._worker_quiet_when_cancelled(None, True)
