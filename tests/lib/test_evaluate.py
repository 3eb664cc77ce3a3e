import math

import numpy as np
import pytest
from chispa import assert_df_equality
from pyspark.ml.evaluation import BinaryClassificationEvaluator

from mnist_lr.evaluate import (
    SplitSummary,
    coefficient_frame,
    confusion,
    evaluate,
    evaluation_outputs,
    split_summaries,
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


# ROC of the test rows: 5 of the 6 (positive, negative) pairs are ordered right. PR (trapezoids
# from recall 0 at the first precision): 1/3 + 1/3 + 0 + 1/3 * (2/3 + 3/4) / 2 + 0.
TEST_ROC, TEST_PR = 5 / 6, 2 / 3 + (2 / 3 + 3 / 4) / 6
TEST_LOG_LOSS = -(math.log(0.9) + math.log(0.4) + math.log(0.8) + math.log(0.8) + math.log(0.4)) / 5


def test_split_summaries_by_hand(predictions):
    summaries = split_summaries(predictions, positive_digit=7)
    assert summaries.keys() == {"test", "train"}
    assert summaries["test"] == SplitSummary(
        rows=5,
        positives=3,
        true_positives=2,
        false_positives=1,
        false_negatives=1,
        log_loss=pytest.approx(TEST_LOG_LOSS, abs=1e-12),
        area_under_roc=pytest.approx(TEST_ROC, abs=1e-12),
        area_under_pr=pytest.approx(TEST_PR, abs=1e-12),
    )
    assert summaries["test"].true_negatives == 1


def test_a_split_without_negatives_has_no_roc_area(predictions):
    train = split_summaries(predictions, positive_digit=7)["train"]
    assert train == SplitSummary(1, 1, 1, 0, 0, pytest.approx(-math.log(0.7)), None, 1.0)


def test_a_split_without_positives_has_no_areas(spark):
    predictions = spark.createDataFrame([("test", 3, 3, 0.2), ("test", 3, 7, 0.6)], SCHEMA)
    test = split_summaries(predictions, positive_digit=7)["test"]
    assert (test.area_under_roc, test.area_under_pr) == (None, None)
    assert (test.false_positives, test.true_negatives) == (1, 1)


def test_areas_equal_mllib_exact_evaluator_with_ties(spark):
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 600)
    scores = np.round(np.clip(0.3 * labels + rng.normal(0.35, 0.2, 600), 0, 1), 2)
    rows = [
        ("test", int(7 if y else 3), 7 if s > 0.5 else 3, float(s))
        for y, s in zip(labels, scores, strict=True)
    ]
    df = spark.createDataFrame(rows, SCHEMA)
    summary = split_summaries(df, positive_digit=7)["test"]
    actual = {"areaUnderROC": summary.area_under_roc, "areaUnderPR": summary.area_under_pr}

    scored = df.selectExpr("probability as score", "cast(label_digit = 7 as double) as label")
    for metric in ("areaUnderROC", "areaUnderPR"):
        evaluator = BinaryClassificationEvaluator(
            rawPredictionCol="score", labelCol="label", metricName=metric, numBins=0
        )
        assert actual[metric] == pytest.approx(evaluator.evaluate(scored), abs=1e-12)


def test_summary_metrics_per_split(predictions):
    expected = [
        ("test", "accuracy", 0.6),
        ("test", "precision", 2 / 3),
        ("test", "recall", 2 / 3),
        ("test", "f1", 2 / 3),
        ("test", "logLoss", TEST_LOG_LOSS),
        ("test", "rows", 5.0),
        ("test", "positives", 3.0),
        ("test", "areaUnderROC", TEST_ROC),
        ("test", "areaUnderPR", TEST_PR),
        ("train", "accuracy", 1.0),
        ("train", "precision", 1.0),
        ("train", "recall", 1.0),
        ("train", "f1", 1.0),
        ("train", "logLoss", -math.log(0.7)),
        ("train", "rows", 1.0),
        ("train", "positives", 1.0),
        ("train", "areaUnderROC", None),
        ("train", "areaUnderPR", 1.0),
    ]
    actual = summary_metrics(split_summaries(predictions, positive_digit=7))
    assert [row[:2] for row in actual] == [row[:2] for row in expected]
    for (_, metric, value), (_, _, wanted) in zip(actual, expected, strict=True):
        assert value == (None if wanted is None else pytest.approx(wanted, abs=1e-12)), metric


def test_summary_metrics_with_no_predicted_positives_are_zero_not_undefined():
    summaries = {"test": SplitSummary(4, 1, 0, 0, 1, 0.3, 0.5, 0.25)}
    metrics = {metric: value for _, metric, value in summary_metrics(summaries)}
    assert metrics["accuracy"] == 0.75
    assert metrics["precision"] == metrics["recall"] == metrics["f1"] == 0.0


def test_confusion_has_every_cell_in_digit_terms(predictions):
    expected = [
        ("test", 3, 3, 1),
        ("test", 3, 7, 1),
        ("test", 7, 3, 1),
        ("test", 7, 7, 2),
        ("train", 3, 3, 0),
        ("train", 3, 7, 0),
        ("train", 7, 3, 0),
        ("train", 7, 7, 1),
    ]
    actual = confusion(split_summaries(predictions, 7), 3, 7, splits=("test", "train"))
    assert actual == expected


def test_confusion_equals_a_group_by_of_the_predictions(spark):
    rng = np.random.default_rng(5)
    rows = [
        (split, int(actual), int(predicted), float(score))
        for split, actual, predicted, score in zip(
            rng.choice(["train", "test"], 300),
            rng.choice([3, 7], 300),
            rng.choice([3, 7], 300),
            rng.random(300),
            strict=True,
        )
    ]
    predictions = spark.createDataFrame(rows, SCHEMA)
    grouped = predictions.groupBy("split", "label_digit", "predicted_digit").count().collect()
    expected = sorted((r.split, r.label_digit, r.predicted_digit, r["count"]) for r in grouped)
    assert sorted(confusion(split_summaries(predictions, 7), 3, 7)) == expected


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


def test_evaluate_gives_every_metric_once_and_the_iteration_count(spark, predictions):
    evaluation = evaluate(predictions, 17, 3, 7)
    keys = [(split, metric) for split, metric, _ in evaluation.metrics]
    assert len(keys) == len(set(keys)) == 2 * 9 + 1
    assert keys[-1] == ("train", "iterations") and evaluation.metrics[-1][2] == 17.0
    assert evaluation.metric_dicts()[0] == {"split": "test", "metric": "accuracy", "value": 0.6}
    assert len(evaluation.confusion) == 8


def test_evaluation_outputs_are_the_rows_as_frames(spark, predictions):
    evaluation = evaluate(predictions, 17, 3, 7)
    outputs = evaluation_outputs(spark, evaluation, [0.5, -1.0], width=2)
    assert list(outputs) == ["metrics", "confusion", "coefficients"]
    expected = spark.createDataFrame(evaluation.metrics, METRICS)
    assert_df_equality(outputs["metrics"], expected, ignore_nullable=True)
    assert outputs["confusion"].dtypes[-1] == ("count", "bigint")
    assert outputs["coefficients"].count() == 2 and outputs["confusion"].count() == 8


def test_log_loss_of_saturated_probabilities_equals_scikit_learns(spark):
    # MLlib gives exactly 0 or 1 beyond a margin of about 37; scikit-learn clips to float eps.
    from sklearn.metrics import log_loss

    rows = [("test", 7, 3, 0.0), ("test", 3, 3, 0.1), ("test", 7, 7, 0.9), ("test", 3, 7, 1.0)]
    summary = split_summaries(spark.createDataFrame(rows, SCHEMA), positive_digit=7)["test"]
    expected = log_loss([1, 0, 1, 0], [0.0, 0.1, 0.9, 1.0])
    assert summary.log_loss == pytest.approx(expected, rel=1e-12)
