import math

import numpy as np
import pytest
from chispa import assert_approx_df_equality, assert_df_equality
from pyspark.ml.evaluation import BinaryClassificationEvaluator

from mnist_lr.evaluate import (
    area_metrics,
    coefficient_frame,
    confusion,
    evaluation_outputs,
    summary_metrics,
    with_run_id,
)

SCHEMA = "split string, label_digit int, predicted_digit int, probability double"
METRICS = "split string, metric string, value double"
ROWS = [
    ("test", 7, 7, 0.9),
    ("test", 7, 3, 0.4),
    ("test", 3, 3, 0.2),
    ("test", 3, 7, 0.6),
    ("test", 7, 7, 0.8),
    ("train", 7, 7, 0.7),
]


@pytest.fixture
def predictions(spark):
    return spark.createDataFrame(ROWS, SCHEMA)


def test_summary_metrics_per_split(spark, predictions):
    log_loss = -(math.log(0.9) + math.log(0.4) + math.log(0.8) + math.log(0.8) + math.log(0.4)) / 5
    expected = spark.createDataFrame(
        [
            ("test", "accuracy", 0.6),
            ("test", "precision", 2 / 3),
            ("test", "recall", 2 / 3),
            ("test", "f1", 2 / 3),
            ("test", "logLoss", log_loss),
            ("test", "rows", 5.0),
            ("test", "positives", 3.0),
            ("train", "accuracy", 1.0),
            ("train", "precision", 1.0),
            ("train", "recall", 1.0),
            ("train", "f1", 1.0),
            ("train", "logLoss", -math.log(0.7)),
            ("train", "rows", 1.0),
            ("train", "positives", 1.0),
        ],
        METRICS,
    )
    actual = summary_metrics(predictions, positive_digit=7)
    assert_approx_df_equality(actual, expected, 1e-12, ignore_row_order=True, ignore_nullable=True)


def test_area_metrics_by_hand(spark, predictions):
    # ROC: 5 of the 6 (positive, negative) pairs are ordered right. PR (trapezoids from
    # recall 0 at the first precision): 1/3 + 1/3 + 0 + 1/3 * (2/3 + 3/4) / 2 + 0.
    expected = spark.createDataFrame(
        [("test", "areaUnderROC", 5 / 6), ("test", "areaUnderPR", 2 / 3 + (2 / 3 + 3 / 4) / 6)],
        METRICS,
    )
    actual = area_metrics(predictions.filter("split = 'test'"), positive_digit=7)
    assert_approx_df_equality(actual, expected, 1e-12, ignore_row_order=True, ignore_nullable=True)


def test_area_metrics_equal_mllib_exact_evaluator_with_ties(spark):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 600)
    scores = np.round(np.clip(0.3 * labels + rng.normal(0.35, 0.2, 600), 0, 1), 2)
    rows = [("test", int(7 if y else 3), 0, float(s)) for y, s in zip(labels, scores, strict=True)]
    df = spark.createDataFrame(rows, SCHEMA)
    actual = {r.metric: r.value for r in area_metrics(df, positive_digit=7).collect()}

    scored = df.selectExpr("probability as score", "cast(label_digit = 7 as double) as label")
    for metric in ("areaUnderROC", "areaUnderPR"):
        evaluator = BinaryClassificationEvaluator(
            rawPredictionCol="score", labelCol="label", metricName=metric, numBins=0
        )
        assert actual[metric] == pytest.approx(evaluator.evaluate(scored), abs=1e-12)


def test_confusion_has_every_cell_in_digit_terms(spark, predictions):
    expected = spark.createDataFrame(
        [
            ("test", 3, 3, 1),
            ("test", 3, 7, 1),
            ("test", 7, 3, 1),
            ("test", 7, 7, 2),
            ("train", 3, 3, 0),
            ("train", 3, 7, 0),
            ("train", 7, 3, 0),
            ("train", 7, 7, 1),
        ],
        "split string, actual_digit int, predicted_digit int, count long",
    )
    actual = confusion(predictions, 3, 7)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_coefficient_frame_places_pixels_row_major(spark):
    expected = spark.createDataFrame(
        [
            (0, 0, 0, 0.5),
            (1, 0, 1, -1.0),
            (2, 0, 2, 0.0),
            (3, 1, 0, 2.0),
            (4, 1, 1, 0.25),
            (5, 1, 2, -0.5),
        ],
        "pixel int, row int, col int, coefficient double",
    )
    actual = coefficient_frame(spark, [0.5, -1.0, 0.0, 2.0, 0.25, -0.5], width=3)
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)


def test_with_run_id_comes_first(spark):
    df = spark.createDataFrame([("test", "accuracy", 0.5)], METRICS)
    expected = spark.createDataFrame([("r1", "test", "accuracy", 0.5)], "run_id string, " + METRICS)
    assert_df_equality(df.transform(with_run_id("r1")), expected, ignore_nullable=True)


def test_evaluation_outputs_add_the_iteration_count(spark, predictions):
    outputs = evaluation_outputs(predictions, [0.5, -1.0], 17, 3, 7, width=2)
    assert list(outputs) == ["metrics", "confusion", "coefficients"]
    expected = spark.createDataFrame([("train", "iterations", 17.0)], METRICS)
    iterations = outputs["metrics"].filter("metric = 'iterations'")
    assert_df_equality(iterations, expected, ignore_nullable=True)
    assert outputs["coefficients"].count() == 2 and outputs["confusion"].count() == 8


def test_a_split_without_negatives_has_no_roc_area(spark, predictions):
    actual = area_metrics(predictions.filter("split = 'train'"), positive_digit=7)
    expected = spark.createDataFrame(
        [("train", "areaUnderROC", None), ("train", "areaUnderPR", 1.0)], METRICS
    )
    assert_df_equality(actual, expected, ignore_row_order=True, ignore_nullable=True)
