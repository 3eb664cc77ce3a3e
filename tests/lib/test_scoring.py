import json

import pytest

from mnist_lr.errors import InputError
from mnist_lr.scoring import load_published_run, score_summary
from mnist_lr.storage import Storage

SCHEMA = "image_id string, predicted_digit int, probability double, margin double, label_digit int"


def test_score_summary_counts_and_accuracy_over_the_two_digits(spark):
    scored = spark.createDataFrame(
        [
            ("a", 7, 0.9, 2.2, 7),
            ("b", 3, 0.1, -2.2, 7),
            ("c", 3, 0.2, -1.4, 3),
            ("d", 7, 0.6, 0.4, 4),
            ("e", 3, 0.3, -0.8, None),
        ],
        SCHEMA,
    )
    assert score_summary(scored, 3, 7) == {
        "specimens": 5,
        "predicted": {"3": 3, "7": 2},
        "labelled": 4,
        "labelled_other_digits": 1,
        "accuracy": 2 / 3,
    }


def test_unlabeled_specimens_have_no_accuracy(spark):
    scored = spark.createDataFrame([("e", 3, 0.3, -0.8, None)], SCHEMA)
    assert "accuracy" not in score_summary(scored, 3, 7)


def test_only_complete_published_runs_are_loaded(spark, tmp_path, published_run):
    storage = Storage(spark)
    with pytest.raises(InputError, match="run directory does not exist"):
        load_published_run(storage, str(tmp_path / "absent"))
    (tmp_path / "half").mkdir()
    with pytest.raises(InputError, match="not a published run"):
        load_published_run(storage, str(tmp_path / "half"))
    (tmp_path / "half" / "manifest.json").write_text("{not json")
    with pytest.raises(InputError, match="corrupt manifest"):
        load_published_run(storage, str(tmp_path / "half"))
    complete = json.loads((published_run[0] / "manifest.json").read_text())
    for damage in (
        lambda m: m.pop("run_id"),
        lambda m: m["digit_mapping"].pop("1.0"),
        lambda m: m["inputs"]["train"].pop("image_width"),
        lambda m: m["digit_mapping"].update({"0.0": "three"}),
    ):
        manifest = json.loads(json.dumps(complete))
        damage(manifest)
        (tmp_path / "half" / "manifest.json").write_text(json.dumps(manifest))
        with pytest.raises(InputError, match=r"half/manifest.json: corrupt manifest \((Key|Value)"):
            load_published_run(storage, str(tmp_path / "half"))
    run, _ = published_run
    (tmp_path / "half" / "manifest.json").write_text((run / "manifest.json").read_text())
    (tmp_path / "half" / "model").mkdir()
    with pytest.raises(InputError, match="cannot load the model"):
        load_published_run(storage, str(tmp_path / "half"))

    loaded = load_published_run(storage, str(run))
    assert loaded.digits == (3, 7) and loaded.image_size == (28, 28)
