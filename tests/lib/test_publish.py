import json
import logging
import socket
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import psutil
import pytest
from pyspark.sql import functions as F

from mnist_lr import publish
from mnist_lr.errors import OutputError
from mnist_lr.publish import Publisher
from mnist_lr.session import end_running_tasks, running_tasks
from mnist_lr.storage import Storage


def publish_run(spark, root, run_id, overwrite=False, marker="a", storage=None):
    publisher = Publisher(storage or Storage(spark), str(root), run_id, overwrite)
    with publisher.discarding_on_failure():
        publisher.write_parquet(spark.createDataFrame([(marker,)], "marker string"), "metrics")
        return publisher, publisher.publish({"run_id": run_id, "marker": marker})


class StorageWithoutExchange(Storage):
    """The local file system as HDFS or an object store treats a replacement: no atomic swap."""

    def exchange(self, first, second):
        return False


class StorageRefusingToPublish(StorageWithoutExchange):
    """A file system that refuses to move a staged run into place (Hadoop's rename says False)."""

    def rename(self, source, target):
        staged_run = "/_staging/" in source and not source.endswith(".replaced")
        return not staged_run and super().rename(source, target)


class StorageRefusingEveryMoveOutOfStaging(StorageWithoutExchange):
    """A file system that, after moving the old run aside, refuses to move anything back."""

    def rename(self, source, target):
        return "/_staging/" not in source and super().rename(source, target)


def overwrite_r1(spark, root, storage):
    """Publishes run r1 again, with marker "new", over the one in ``root``."""
    return publish_run(spark, root, "r1", overwrite=True, marker="new", storage=storage)


def published_marker(root, run_id):
    return json.loads((root / run_id / "manifest.json").read_text())["marker"]


def test_publish_moves_a_complete_run_into_place(spark, tmp_path):
    publisher, path = publish_run(spark, tmp_path, "r1")

    run = tmp_path / "r1"
    assert path.endswith("/r1")
    assert json.loads((run / "manifest.json").read_text())["marker"] == "a"
    assert spark.read.parquet(str(run / "metrics")).first().marker == "a"
    assert not any((tmp_path / "_staging").iterdir())


def test_published_run_is_refused_without_overwrite(spark, tmp_path):
    publish_run(spark, tmp_path, "r1")
    with pytest.raises(OutputError, match="r1: already published"):
        publish_run(spark, tmp_path, "r1")


@pytest.mark.parametrize("overwrite", [False, True])
def test_what_was_not_published_here_is_never_replaced(spark, tmp_path, overwrite):
    (tmp_path / "r1").mkdir()
    (tmp_path / "r1" / "mine.txt").write_text("keep")
    (tmp_path / "r2").write_text("a file")

    for run_id in ("r1", "r2"):
        with pytest.raises(OutputError, match=f"{run_id}: exists and holds no manifest.json"):
            publish_run(spark, tmp_path, run_id, overwrite=overwrite)

    assert [p.name for p in (tmp_path / "r1").iterdir()] == ["mine.txt"]
    assert (tmp_path / "r2").read_text() == "a file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r1", "r2"]  # nothing staged


def test_overwrite_replaces_the_run_whole(spark, tmp_path):
    publish_run(spark, tmp_path, "r1", marker="old")
    publish_run(spark, tmp_path, "r1", overwrite=True, marker="new")

    assert json.loads((tmp_path / "r1" / "manifest.json").read_text())["marker"] == "new"
    assert spark.read.parquet(str(tmp_path / "r1" / "metrics")).first().marker == "new"
    assert not any((tmp_path / "_staging").iterdir())


def test_overwrite_without_an_atomic_swap_moves_the_old_run_aside_then_deletes_it(spark, tmp_path):
    storage = StorageWithoutExchange(spark)
    publish_run(spark, tmp_path, "r1", marker="old", storage=storage)
    publish_run(spark, tmp_path, "r1", overwrite=True, marker="new", storage=storage)

    assert published_marker(tmp_path, "r1") == "new"
    assert spark.read.parquet(str(tmp_path / "r1" / "metrics")).first().marker == "new"
    assert not any((tmp_path / "_staging").iterdir())


def test_a_refused_move_into_place_keeps_the_previous_run_and_fails(spark, tmp_path):
    publish_run(spark, tmp_path, "r1", marker="old")

    with pytest.raises(OutputError, match="r1: could not move .* the previous run is kept"):
        overwrite_r1(spark, tmp_path, StorageRefusingToPublish(spark))
    with pytest.raises(OutputError, match="r2: could not move"):
        publish_run(spark, tmp_path, "r2", storage=StorageRefusingToPublish(spark))

    assert published_marker(tmp_path, "r1") == "old"
    assert not (tmp_path / "r2").exists()
    assert not any((tmp_path / "_staging").iterdir())


def test_a_run_left_aside_by_a_failed_replacement_is_moved_back_by_the_next_attempt(
    spark, tmp_path
):
    publish_run(spark, tmp_path, "r1", marker="old")

    with pytest.raises(OutputError, match=r"the previous run is at .*r1\.[0-9a-f]{12}\.replaced"):
        overwrite_r1(spark, tmp_path, StorageRefusingEveryMoveOutOfStaging(spark))
    assert not (tmp_path / "r1").exists()

    with pytest.raises(OutputError, match="already published"):
        publish_run(spark, tmp_path, "r1", marker="third")
    assert published_marker(tmp_path, "r1") == "old"
    assert not any((tmp_path / "_staging").iterdir())


def test_a_run_left_aside_is_moved_back_over_the_partial_copy_of_its_replacement(spark, tmp_path):
    # A replacement killed while its rename copied (object stores): the old run aside in
    # _staging, a part of the new one, without its manifest, in the old one's place.
    publish_run(spark, tmp_path, "r1", marker="old")
    (tmp_path / "_staging").mkdir(exist_ok=True)
    (tmp_path / "r1").rename(tmp_path / "_staging" / "r1.0123456789ab.replaced")
    (tmp_path / "r1" / "metrics").mkdir(parents=True)

    with pytest.raises(OutputError, match="r1: already published"):
        publish_run(spark, tmp_path, "r1", marker="third")

    assert published_marker(tmp_path, "r1") == "old"
    assert not any((tmp_path / "_staging").iterdir())


def test_discard_leaves_no_trace(spark, tmp_path):
    publisher = Publisher(Storage(spark), str(tmp_path), "r2", False)
    publisher.write_parquet(spark.createDataFrame([("x",)], "marker string"), "metrics")
    publisher.discard()
    assert not (tmp_path / "r2").exists()
    assert not any((tmp_path / "_staging").iterdir())


def test_leftovers_of_an_interrupted_attempt_are_removed(spark, tmp_path):
    stale = tmp_path / "_staging" / "r1.0123456789ab"
    (stale / "metrics").mkdir(parents=True)
    set_aside = tmp_path / "_staging" / "r1.0123456789ab.replaced"
    set_aside.mkdir()
    others = [tmp_path / "_staging" / name for name in ("r10.0123456789ab", "r1.2.0123456789ab")]
    for other in others:
        other.mkdir()

    publish_run(spark, tmp_path, "r1")

    assert not stale.exists() and not set_aside.exists()
    assert all(other.exists() for other in others), "other run ids' staging must be left alone"
    assert (tmp_path / "r1" / "manifest.json").exists()


def owned_attempt(root, attempt, host, pid_space, pid, started, replaced=False):
    """A staging directory (or a run moved aside) of ``attempt``, with its owner record."""
    directory = root / "_staging" / (f"{attempt}.replaced" if replaced else attempt)
    (directory / "metrics").mkdir(parents=True)
    if replaced:
        (directory / "manifest.json").write_text(json.dumps({"marker": "aside"}))
    record = {"host": host, "pid_space": pid_space, "pid": pid, "started": started}
    (root / "_staging" / f"{attempt}.owner").write_text(json.dumps(record))


def test_an_attempt_is_cleared_when_its_owner_process_is_gone_and_kept_while_it_runs(
    spark, tmp_path
):
    me, here, space = psutil.Process(), socket.gethostname(), publish._pid_space()
    owned_attempt(tmp_path, "other.0123456789ab", here, space, me.pid, 1.0)  # pid reused: gone
    owned_attempt(tmp_path, "r1.0123456789ab", here, space, me.pid, me.create_time())  # running
    # Where this process cannot tell: kept, unless it is an attempt at the same run id.
    owned_attempt(tmp_path, "elsewhere.0123456789ab", "another-host", space, 1, 1.0)
    owned_attempt(tmp_path, "container.0123456789ab", here, "another-namespace", me.pid, 1.0)

    publish_run(spark, tmp_path, "r1")

    assert sorted(p.name for p in (tmp_path / "_staging").iterdir()) == [
        "container.0123456789ab",
        "container.0123456789ab.owner",
        "elsewhere.0123456789ab",
        "elsewhere.0123456789ab.owner",
        "r1.0123456789ab",
        "r1.0123456789ab.owner",
    ]


def test_a_run_moved_aside_by_a_replacement_still_running_is_left_to_it(spark, tmp_path):
    me = psutil.Process()
    attempt = "r1.0123456789ab"
    owned_attempt(
        tmp_path, attempt, socket.gethostname(), publish._pid_space(), me.pid, me.create_time(),
        replaced=True,
    )  # fmt: skip

    publish_run(spark, tmp_path, "r1", marker="second")

    assert (tmp_path / "_staging" / f"{attempt}.replaced" / "manifest.json").exists()
    assert published_marker(tmp_path, "r1") == "second"


def test_storage_exchange_swaps_two_local_directories(spark, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "from_a").write_text("a")
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "from_b").write_text("b")

    assert Storage(spark).exchange(str(tmp_path / "a"), str(tmp_path / "b"))

    assert [p.name for p in (tmp_path / "a").iterdir()] == ["from_b"]
    assert [p.name for p in (tmp_path / "b").iterdir()] == ["from_a"]


def test_overwrite_never_shows_a_missing_or_partial_run(spark, tmp_path):
    publish_run(spark, tmp_path, "r1", marker="0")
    manifest = tmp_path / "r1" / "manifest.json"
    seen, problems, stop = set(), [], threading.Event()

    def watch():
        while not stop.is_set():
            try:
                seen.add(json.loads(manifest.read_text())["marker"])
            except (OSError, ValueError) as error:
                problems.append(repr(error))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        for version in range(1, 11):
            publish_run(spark, tmp_path, "r1", overwrite=True, marker=str(version))
    finally:
        stop.set()
        watcher.join()

    assert problems == []
    assert json.loads(manifest.read_text())["marker"] == "10"
    assert len(seen) > 1


class StorageThatOnlyReads(Storage):
    """Lets a publisher of a directory below the machine's root be made without writing there."""

    def can_write(self, path):
        return True

    def write_text(self, path, text):
        pass


@pytest.mark.parametrize("path", ["/scores", "file:/scores", "file:///scores/"])
def test_a_directory_below_the_root_is_published_there_not_below_the_working_directory(spark, path):
    publisher = Publisher.for_directory(StorageThatOnlyReads(spark), path, False, "_manifest.json")
    assert publisher.run_path == "file:/scores"
    assert publisher.staging_path.startswith("file:/_staging/scores.")


def test_a_root_cannot_be_the_output_directory(spark):
    with pytest.raises(OutputError, match="must be a directory below the root"):
        Publisher.for_directory(Storage(spark), "/", False, "_manifest.json")


def test_without_linuxs_proc_the_host_name_alone_tells_a_live_owner_from_a_gone_one(monkeypatch):
    monkeypatch.setattr(publish, "_pid_space", lambda: "")
    me = psutil.Process()
    alive = {"host": socket.gethostname(), "pid_space": "", "pid": me.pid}
    assert publish._process_alive({**alive, "started": me.create_time()}) is True
    assert publish._process_alive({**alive, "started": 1.0}) is False


def failing_job_with_a_late_writer(spark, late_file: Path, witness: Path):
    """A job of two tasks: one fails at once, which fails the job; the other, 1.5 s later,
    writes ``late_file`` and then the time it did so to ``witness``.

    Spark kills a cancelled task's Python worker 2 to 4 s after the cancel
    (``spark.python.task.killTimeout`` after its next check): the late write comes before."""

    @F.udf("long")
    def fail_or_write_late(task):
        if task == 0:
            raise ValueError("the failing task")
        time.sleep(1.5)
        late_file.parent.mkdir(parents=True, exist_ok=True)
        late_file.write_text("written after the job failed")
        witness.write_text(repr(time.time()))
        return task

    return spark.range(0, 2, 1, 2).select(fail_or_write_late("id"))


def wait_until_no_task_runs(spark):
    deadline = time.monotonic() + 60
    while running_tasks(spark) and time.monotonic() < deadline:
        time.sleep(0.05)


def test_a_failed_run_is_discarded_after_its_jobs_other_tasks_end(spark, tmp_path):
    publisher = Publisher(Storage(spark), str(tmp_path / "out"), "r1", False)
    staging = Path(urlparse(publisher.staging_path).path)
    job = failing_job_with_a_late_writer(spark, staging / "late", tmp_path / "witness")

    with pytest.raises(Exception, match="the failing task"), publisher.discarding_on_failure():
        try:
            job.collect()
        finally:
            failed_at = time.time()
    wait_until_no_task_runs(spark)

    assert float((tmp_path / "witness").read_text()) > failed_at  # written after the failure
    assert not any(path.is_file() for path in (tmp_path / "out").rglob("*"))


def test_waiting_for_a_failed_jobs_tasks_is_bounded(spark, tmp_path, caplog):
    wait_until_no_task_runs(spark)
    job = failing_job_with_a_late_writer(spark, tmp_path / "late", tmp_path / "witness")
    with pytest.raises(Exception, match="the failing task"):
        job.collect()

    with caplog.at_level(logging.WARNING, logger="mnist_lr.session"):
        end_running_tasks(spark, timeout_s=0.3)
    assert "Spark task(s) still running after 0.3 s; not waiting for them" in caplog.text
    assert not (tmp_path / "witness").exists()
    wait_until_no_task_runs(spark)
    assert (tmp_path / "witness").exists()
