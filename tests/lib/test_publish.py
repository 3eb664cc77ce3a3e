import json
import threading

import pytest

from mnist_lr.errors import OutputError
from mnist_lr.publish import Publisher
from mnist_lr.storage import Storage


def publish_run(spark, root, run_id, overwrite=False, marker="a"):
    publisher = Publisher(Storage(spark), str(root), run_id, overwrite)
    publisher.write_parquet(spark.createDataFrame([(marker,)], "marker string"), "metrics")
    return publisher, publisher.publish({"run_id": run_id, "marker": marker})


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


def test_overwrite_replaces_the_run_whole(spark, tmp_path):
    publish_run(spark, tmp_path, "r1", marker="old")
    publish_run(spark, tmp_path, "r1", overwrite=True, marker="new")

    assert json.loads((tmp_path / "r1" / "manifest.json").read_text())["marker"] == "new"
    assert spark.read.parquet(str(tmp_path / "r1" / "metrics")).first().marker == "new"
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
    other = tmp_path / "_staging" / "r10.0123456789ab"
    other.mkdir()

    publish_run(spark, tmp_path, "r1")

    assert not stale.exists()
    assert other.exists(), "another run id's staging must be left alone"
    assert (tmp_path / "r1" / "manifest.json").exists()


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
