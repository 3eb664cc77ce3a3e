import json

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
