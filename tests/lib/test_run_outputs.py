import io
import json
import math
import os
import shutil
import time

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from pyspark.ml.linalg import Vectors

from mnist_lr.run_outputs import (
    RunFacts,
    curve_sample,
    draw_run_figures,
    newest_local_run,
    read_local_run,
)
from mnist_lr.run_report import in_hash_order, pictured_digits

FIGURE_FILES = [
    "samples.png",
    "coefficients.png",
    "misclassified.png",
    "roc_pr.png",
    "probabilities.png",
    "sigmoid.png",
]


def test_published_figures_are_real_pictures(published_run):
    run, _ = published_run
    for name in FIGURE_FILES:
        image = Image.open(io.BytesIO((run / "figures" / name).read_bytes()))
        assert image.format == "PNG"
        assert image.width >= 400 and image.height >= 300, name
        assert np.asarray(image.convert("L"), dtype=float).std() > 10, f"{name} looks blank"


def test_report_references_every_figure_and_the_metrics(published_run):
    run, _ = published_run
    page = (run / "report.html").read_text()
    manifest = json.loads((run / "manifest.json").read_text())
    for name in FIGURE_FILES:
        assert f'src="figures/{name}"' in page
    assert f"{manifest['headline_metrics']['accuracy']:.4f}" in page
    assert "<script" not in page
    assert "7 is the positive digit: precision, recall, F1 and positives are those of 7." in page
    assert "predicted 7 when its probability p(7) is above 0.5, else 3." in page


def test_heat_map_is_the_coefficients_parquet(published_run):
    run, _ = published_run
    facts, outputs = read_local_run(run)
    drawn = {name: fig for _, name, fig in draw_run_figures(outputs, facts)}
    coefficients = pd.read_parquet(run / "coefficients").sort_values("pixel")
    heat = drawn["coefficients.png"].axes[0].images[0].get_array()
    np.testing.assert_array_equal(
        heat, coefficients["coefficient"].to_numpy().reshape(facts.height, facts.width)
    )
    assert (coefficients["row"] * 28 + coefficients["col"] == coefficients["pixel"]).all()


def test_pictured_digits_are_few_and_the_misclassified_are_really_wrong(published_run):
    run, _ = published_run
    digits = pd.read_parquet(run / "digits")
    facts = RunFacts.from_manifest(json.loads((run / "manifest.json").read_text()))
    sample = digits[digits.kind == "sample"]
    wrong = digits[digits.kind == "misclassified"]
    assert sorted(sample.label_digit.value_counts().items()) == [(3, 16), (7, 16)]
    assert (sample.split == "train").all()
    assert 0 < len(wrong) <= 36
    assert (wrong.label_digit != wrong.predicted_digit).all() and (wrong.split == "test").all()
    confusion = pd.read_parquet(run / "confusion")
    errors = confusion[
        (confusion.split == "test") & (confusion.actual_digit != confusion.predicted_digit)
    ]
    assert len(wrong) == min(36, errors["count"].sum())
    assert all(len(p) == facts.height * facts.width for p in digits.pixels)


def test_the_pictured_mistakes_are_the_most_confident_at_the_runs_threshold(spark):
    # At threshold 0.9 (margin 2.2) the forty 3s at p=0.999 (margin 6.9) are surer mistakes
    # than the four 7s at p=0.5 (margin 0), though 0.999 is nearer 0.9 than 0.5 is: by the
    # margin the 3s fill all 36 places; by the probability the 7s would come first.
    rows = [(f"seven{i}", 7, 3, 0.5) for i in range(4)]
    rows += [(f"three{i:02}", 3, 7, 0.999) for i in range(40)]
    predictions = spark.createDataFrame(
        [
            (image_id, "test", label, predicted, p, math.log(p / (1 - p)))
            for image_id, label, predicted, p in rows
        ],
        "image_id string, split string, label_digit int, predicted_digit int, probability double,"
        " margin double",
    )
    features = spark.createDataFrame(
        [(image_id, "test", Vectors.dense([1 / 255, 0.0, 0.0, 1.0])) for image_id, *_ in rows],
        ["image_id", "split", "features"],
    )
    facts = RunFacts("r", 3, 7, 2, 2, threshold=0.9)

    pictured = pictured_digits(predictions, features, facts).toPandas()

    assert len(pictured) == 36
    assert set(pictured.image_id) == {f"three{i:02}" for i in range(36)}
    assert pictured.pixels.map(list).tolist() == [[1, 0, 0, 255]] * 36


def test_a_test_digit_with_a_training_digits_id_is_pictured_with_its_own_pixels(spark):
    # A separate test input whose files share the training files' names gives the same ids.
    predictions = spark.createDataFrame(
        [("train:0", "train", 3, 3, 0.1, -2.2), ("train:0", "test", 7, 3, 0.2, -1.4)],
        "image_id string, split string, label_digit int, predicted_digit int, probability double,"
        " margin double",
    )
    features = spark.createDataFrame(
        [
            ("train:0", "train", Vectors.dense([1.0, 0.0, 0.0, 0.0])),
            ("train:0", "test", Vectors.dense([0.0, 0.0, 0.0, 1.0])),
        ],
        ["image_id", "split", "features"],
    )
    facts = RunFacts("r", 3, 7, 2, 2, threshold=0.5)

    pictured = pictured_digits(predictions, features, facts).toPandas().sort_values("split")

    assert pictured[["kind", "split"]].values.tolist() == [
        ["misclassified", "test"],
        ["sample", "train"],
    ]
    assert pictured.pixels.map(list).tolist() == [[0, 0, 0, 255], [255, 0, 0, 0]]


def test_the_misclassified_figure_counts_every_mistake_not_only_those_pictured(published_run):
    facts, outputs = read_local_run(published_run[0])
    outputs.confusion = pd.DataFrame(
        [("test", 3, 3, 900), ("test", 3, 7, 250), ("test", 7, 3, 150), ("train", 3, 7, 999)],
        columns=["split", "actual_digit", "predicted_digit", "count"],
    )
    drawn = {name: fig for _, name, fig in draw_run_figures(outputs, facts)}
    shown = len(outputs.digits[outputs.digits.kind == "misclassified"])
    assert f"{shown} of 400 shown" in drawn["misclassified.png"].get_suptitle()


def test_captions_say_when_curves_are_drawn_from_a_sample_and_samples_are_grouped_by_digit(
    published_run,
):
    facts, outputs = read_local_run(published_run[0])
    captions = {name: caption for caption, name, _ in draw_run_figures(outputs, facts)}
    assert "drawn from" not in captions["roc_pr.png"]
    test_rows = len(outputs.curve_sample)
    outputs.curve_sample = outputs.curve_sample.head(10)

    drawn = {name: (caption, fig) for caption, name, fig in draw_run_figures(outputs, facts)}

    for name in ("roc_pr.png", "probabilities.png", "sigmoid.png"):
        assert f"(drawn from 10 of the {test_rows:,} test digits)" in drawn[name][0]
    (samples,) = drawn["samples.png"][1].axes
    titles = [text.get_text() for text in samples.texts]
    assert titles == sorted(titles) and set(titles) == {"3", "7"}


def test_a_local_reader_draws_its_curves_from_the_jobs_sample(spark, published_run):
    run, _ = published_run
    test = spark.read.parquet(str(run / "predictions")).filter("split = 'test'")
    jobs_sample = [row.image_id for row in in_hash_order(test).limit(25).collect()]

    local = pd.read_parquet(run / "predictions", filters=[("split", "=", "test")])

    assert curve_sample(local, size=25).image_id.tolist() == jobs_sample
    assert len(local) > 25


def test_the_newest_local_run_is_the_one_with_the_newest_manifest(tmp_path):
    with pytest.raises(FileNotFoundError, match="no published run under .*: run `make run` first"):
        newest_local_run(tmp_path)
    for age, run_id in ((100, "older"), (0, "newer")):
        manifest = tmp_path / run_id / "manifest.json"
        manifest.parent.mkdir()
        manifest.write_text("{}")
        os.utime(manifest, (time.time() - age, time.time() - age))
    (tmp_path / "_staging" / "unfinished").mkdir(parents=True)

    assert newest_local_run(tmp_path) == str(tmp_path / "newer")


def test_runs_published_before_the_digits_had_margins_are_drawn_alike(published_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(published_run[0], run)
    facts, outputs = read_local_run(run)
    digits = pd.read_parquet(run / "digits")
    shutil.rmtree(run / "digits")
    (run / "digits").mkdir()
    digits.drop(columns="margin").to_parquet(run / "digits" / "part-0.parquet")
    _, old_outputs = read_local_run(run)

    def titles(outputs):
        drawn = {name: fig for _, name, fig in draw_run_figures(outputs, facts)}
        return [text.get_text() for text in drawn["misclassified.png"].axes[0].texts]

    assert "margin" not in old_outputs.digits
    assert titles(old_outputs) == titles(outputs) and titles(outputs)
