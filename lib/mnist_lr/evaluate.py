"""Metrics, confusion matrix and coefficient rows, computed from the predictions frame.

The predictions frame has ``split``, ``label_digit``, ``predicted_digit`` and ``probability``
(of the positive digit). Every metric is exact: areas come from all distinct scores, not bins.
The predictions are aggregated per distinct score on the executors; those counts (a row per
distinct score and split) are summed up per split on the driver, by pandas.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from pyspark.sql import Column, DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import (
    DoubleType,
    IntegerType,
    LongType,
    StringType,
    StructField,
    StructType,
)

from mnist_lr.prepare import LABEL_DIGIT, SPLIT, TEST, TRAIN
from mnist_lr.stages import PREDICTED_DIGIT, PROBABILITY

# Probabilities are clipped to [eps, 1 - eps] for the log loss, as scikit-learn's log_loss does.
LOG_LOSS_EPSILON = float(np.finfo(np.float64).eps)
# Metrics that count (rows, not ratios): the report prints them without decimals.
COUNT_METRICS = frozenset({"rows", "positives", "iterations"})
METRIC_SCHEMA = StructType(
    [
        StructField("split", StringType(), False),
        StructField("metric", StringType(), False),
        StructField("value", DoubleType(), True),
    ]
)
CONFUSION_SCHEMA = StructType(
    [
        StructField("split", StringType(), False),
        StructField("actual_digit", IntegerType(), False),
        StructField("predicted_digit", IntegerType(), False),
        StructField("count", LongType(), False),
    ]
)
MetricRow = tuple[str, str, float | None]
ConfusionRow = tuple[str, int, int, int]
COEFFICIENT_SCHEMA = StructType(
    [
        StructField("pixel", IntegerType(), False),
        StructField("row", IntegerType(), False),
        StructField("col", IntegerType(), False),
        StructField("coefficient", DoubleType(), False),
    ]
)


def _is_positive(column: str, positive_digit: int) -> Column:
    return (F.col(column) == positive_digit).cast("double")


@dataclass(frozen=True)
class SplitSummary:
    """One split's predictions summed up, the positive digit being the positive class.

    An area is None where its curve does not exist: the ROC curve of a split without negatives,
    and both curves of a split without positives (the training job refuses splits that lack a
    digit before it gets here).
    """

    rows: int
    positives: int
    true_positives: int
    false_positives: int
    false_negatives: int
    log_loss: float
    area_under_roc: float | None
    area_under_pr: float | None

    @property
    def true_negatives(self) -> int:
        return self.rows - self.true_positives - self.false_positives - self.false_negatives


def score_counts(predictions: DataFrame, positive_digit: int) -> DataFrame:
    """Positives and negatives per (split, probability, predicted positive or not).

    Everything the metrics need: tied scores share a row, so a split has at most one row per
    distinct score.
    """
    actual = _is_positive(LABEL_DIGIT, positive_digit)
    return predictions.groupBy(
        SPLIT, PROBABILITY, (F.col(PREDICTED_DIGIT) == positive_digit).alias("predicted_positive")
    ).agg(
        F.sum(actual).cast("long").alias("positives"),
        F.sum(1 - actual).cast("long").alias("negatives"),
    )


def summarise_split(points: pd.DataFrame) -> SplitSummary:
    """One split's :func:`score_counts` rows summed up.

    The areas under the ROC and precision-recall curves are exact (trapezoidal rule over every
    distinct score): tied scores form one curve point, as in MLlib's BinaryClassificationMetrics
    with ``numBins=0``, and the PR curve starts at recall 0 with the first point's precision.
    """
    predicted = points["predicted_positive"].to_numpy(bool)
    positives = points["positives"].to_numpy(np.int64)
    negatives = points["negatives"].to_numpy(np.int64)
    rows = int(positives.sum() + negatives.sum())
    clipped = np.clip(points[PROBABILITY].to_numpy(float), LOG_LOSS_EPSILON, 1 - LOG_LOSS_EPSILON)
    log_loss = -(positives @ np.log(clipped) + negatives @ np.log(1 - clipped)) / rows
    curve = points.groupby(PROBABILITY)[["positives", "negatives"]].sum().iloc[::-1]
    roc, pr = _areas(curve["positives"].to_numpy(float), curve["negatives"].to_numpy(float))
    return SplitSummary(
        rows=rows,
        positives=int(positives.sum()),
        true_positives=int(positives[predicted].sum()),
        false_positives=int(negatives[predicted].sum()),
        false_negatives=int(positives[~predicted].sum()),
        log_loss=float(log_loss),
        area_under_roc=roc,
        area_under_pr=pr,
    )


def _areas(positives: np.ndarray, negatives: np.ndarray) -> tuple[float | None, float | None]:
    """Areas under the ROC and PR curves of points ordered by descending score."""
    true_positives, false_positives = np.cumsum(positives), np.cumsum(negatives)
    if true_positives[-1] == 0:
        return None, None
    tpr = true_positives / true_positives[-1]
    precision = true_positives / (true_positives + false_positives)
    pr = np.sum(np.diff(tpr, prepend=0.0) * (precision + np.r_[precision[0], precision[:-1]]) / 2)
    if false_positives[-1] == 0:
        return None, float(pr)
    fpr = false_positives / false_positives[-1]
    roc = np.sum(np.diff(fpr, prepend=0.0) * (tpr + np.r_[0.0, tpr[:-1]]) / 2)
    return float(roc), float(pr)


def split_summaries(predictions: DataFrame, positive_digit: int) -> dict[str, SplitSummary]:
    """Every split summed up in one pass over the predictions. The metrics and the confusion
    matrix are computed from these.

    The driver receives a row per distinct score and split (through Arrow when
    ``spark.sql.execution.arrow.pyspark.enabled``, as in ``conf/``). A pandas function per
    split on the executors gave the same figures, but cost the start of a Python worker, which
    nothing else in training needs (IDX files are read in the JVM).
    """
    counts = score_counts(predictions, positive_digit).toPandas()
    return {split: summarise_split(points) for split, points in counts.groupby(SPLIT, sort=True)}


def summary_metrics(summaries: dict[str, SplitSummary]) -> list[MetricRow]:
    """Accuracy, precision, recall, F1 (for the positive digit), log loss, rows, positives and
    the two areas of every split, as (split, metric, value) rows. A ratio with a zero
    denominator is 0; an area without a curve is None."""
    rows = []
    for split, c in sorted(summaries.items()):
        precision = _ratio(c.true_positives, c.true_positives + c.false_positives)
        recall = _ratio(c.true_positives, c.true_positives + c.false_negatives)
        values = {
            "accuracy": (c.rows - c.false_positives - c.false_negatives) / c.rows,
            "precision": precision,
            "recall": recall,
            "f1": _ratio(2 * precision * recall, precision + recall),
            "logLoss": c.log_loss,
            "rows": c.rows,
            "positives": c.positives,
            "areaUnderROC": c.area_under_roc,
            "areaUnderPR": c.area_under_pr,
        }
        rows += [
            (split, metric, None if value is None else float(value))
            for metric, value in values.items()
        ]
    return rows


def _ratio(numerator: float, denominator: float) -> float:
    return numerator / denominator if denominator > 0 else 0.0


def confusion(
    summaries: dict[str, SplitSummary],
    negative_digit: int,
    positive_digit: int,
    splits: Sequence[str] = (TRAIN, TEST),
) -> list[ConfusionRow]:
    """The confusion matrix in digit terms: every (split, actual, predicted, count) cell,
    zeros too."""
    none = SplitSummary(0, 0, 0, 0, 0, 0.0, None, None)
    rows = []
    for split in splits:
        c = summaries.get(split, none)
        rows += [
            (split, negative_digit, negative_digit, c.true_negatives),
            (split, negative_digit, positive_digit, c.false_positives),
            (split, positive_digit, negative_digit, c.false_negatives),
            (split, positive_digit, positive_digit, c.true_positives),
        ]
    return rows


@dataclass(frozen=True)
class Evaluation:
    """A run's metrics (split, metric, value) and confusion (split, actual, predicted, count)."""

    metrics: list[MetricRow]
    confusion: list[ConfusionRow]

    def metric_dicts(self) -> list[dict[str, Any]]:
        names = METRIC_SCHEMA.fieldNames()
        return [dict(zip(names, row, strict=True)) for row in self.metrics]

    def metrics_table(self) -> pd.DataFrame:
        return rows_table(self.metrics, METRIC_SCHEMA)

    def confusion_table(self) -> pd.DataFrame:
        return rows_table(self.confusion, CONFUSION_SCHEMA)


def evaluate(
    predictions: DataFrame, iterations: int, negative_digit: int, positive_digit: int
) -> Evaluation:
    """Every metric and the confusion matrix, from one pass over the predictions."""
    summaries = split_summaries(predictions, positive_digit)
    return Evaluation(
        metrics=[*summary_metrics(summaries), (TRAIN, "iterations", float(iterations))],
        confusion=confusion(summaries, negative_digit, positive_digit),
    )


def evaluation_outputs(
    spark: SparkSession, evaluation: Evaluation, coefficients: list[float], width: int
) -> dict[str, DataFrame]:
    """The run's metrics, confusion and coefficient frames, to be written."""
    return {
        "metrics": small_frame(spark, evaluation.metrics, METRIC_SCHEMA),
        "confusion": small_frame(spark, evaluation.confusion, CONFUSION_SCHEMA),
        "coefficients": coefficient_frame(spark, coefficients, width),
    }


def coefficient_frame(spark: SparkSession, coefficients: list[float], width: int) -> DataFrame:
    """One row per pixel: its index, row and column in the image, and its coefficient."""
    rows = [
        (pixel, pixel // width, pixel % width, float(value))
        for pixel, value in enumerate(coefficients)
    ]
    return small_frame(spark, rows, COEFFICIENT_SCHEMA)


def small_frame(spark: SparkSession, rows: Sequence[tuple], schema: StructType) -> DataFrame:
    """A frame of a few rows made on the driver.

    It goes through pandas and Arrow: from a list of tuples, the first write of such a frame in a
    job took 0.95 s against 0.42 s this way (measured in new sessions), as the JVM unpickles
    the rows.
    """
    return spark.createDataFrame(rows_table(rows, schema), schema)


def rows_table(rows: Sequence[tuple], schema: StructType) -> pd.DataFrame:
    """Rows as a pandas frame with the schema's column names."""
    return pd.DataFrame(rows, columns=schema.fieldNames())


def with_run_id(run_id: str) -> Callable[[DataFrame], DataFrame]:
    """Puts a ``run_id`` column first, so outputs of many runs can be read and told apart."""

    def transform(df: DataFrame) -> DataFrame:
        return df.select(F.lit(run_id).alias("run_id"), "*")

    return transform
