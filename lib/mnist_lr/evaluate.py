"""Metrics, confusion matrix and coefficient rows, computed from the predictions frame.

The predictions frame has ``split``, ``label_digit``, ``predicted_digit`` and ``probability``
(of the positive digit). Every metric is exact: areas come from all distinct scores, not bins.
"""

from collections.abc import Callable, Sequence
from itertools import product

from pyspark.sql import Column, DataFrame, SparkSession, Window
from pyspark.sql import functions as F
from pyspark.sql.types import DoubleType, IntegerType, StructField, StructType

from mnist_lr.prepare import LABEL_DIGIT, SPLIT, TEST, TRAIN
from mnist_lr.stages import PREDICTED_DIGIT, PROBABILITY

LOG_LOSS_EPSILON = 1e-15
CONFUSION_CELLS = "split string, actual_digit int, predicted_digit int"
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


def summary_metrics(predictions: DataFrame, positive_digit: int) -> DataFrame:
    """Accuracy, precision, recall, F1 (for the positive digit), log loss and counts per split.

    Returns:
        Long rows (split, metric, value); one aggregation over the predictions.
    """
    actual = _is_positive(LABEL_DIGIT, positive_digit)
    predicted = _is_positive(PREDICTED_DIGIT, positive_digit)
    probability = F.least(
        F.greatest(F.col(PROBABILITY), F.lit(LOG_LOSS_EPSILON)), F.lit(1 - LOG_LOSS_EPSILON)
    )
    counts = predictions.groupBy(SPLIT).agg(
        F.count(F.lit(1)).cast("double").alias("rows"),
        F.sum(actual).alias("positives"),
        F.sum(actual * predicted).alias("tp"),
        F.sum((1 - actual) * predicted).alias("fp"),
        F.sum(actual * (1 - predicted)).alias("fn"),
        F.avg(-(actual * F.log(probability) + (1 - actual) * F.log(1 - probability))).alias(
            "logLoss"
        ),
    )
    precision = _ratio(F.col("tp"), F.col("tp") + F.col("fp"))
    recall = _ratio(F.col("tp"), F.col("tp") + F.col("fn"))
    wide = counts.select(
        SPLIT,
        ((F.col("rows") - F.col("fp") - F.col("fn")) / F.col("rows")).alias("accuracy"),
        precision.alias("precision"),
        recall.alias("recall"),
        _ratio(2 * precision * recall, precision + recall).alias("f1"),
        "logLoss",
        "rows",
        "positives",
    )
    return _to_long(wide)


def area_metrics(predictions: DataFrame, positive_digit: int) -> DataFrame:
    """Exact areas under the ROC and precision-recall curves per split (trapezoidal rule).

    Tied scores form one curve point, as in MLlib's BinaryClassificationMetrics with
    ``numBins=0``; the PR curve starts at recall 0 with the first point's precision. A split
    without negatives has no ROC curve, one without positives no curve at all: such areas are
    null (the training job refuses splits that lack a digit before it gets here).

    Returns:
        Long rows (split, metric, value) for areaUnderROC and areaUnderPR.
    """
    actual = _is_positive(LABEL_DIGIT, positive_digit)
    by_score = predictions.groupBy(SPLIT, PROBABILITY).agg(
        F.sum(actual).alias("pos"), F.sum(1 - actual).alias("neg")
    )
    ordered = Window.partitionBy(SPLIT).orderBy(F.desc(PROBABILITY))
    cumulative = ordered.rowsBetween(Window.unboundedPreceding, Window.currentRow)
    whole = Window.partitionBy(SPLIT)
    points = (
        by_score.withColumn("tp", F.sum("pos").over(cumulative))
        .withColumn("fp", F.sum("neg").over(cumulative))
        .withColumn("tpr", F.try_divide("tp", F.sum("pos").over(whole)))
        .withColumn("fpr", F.try_divide("fp", F.sum("neg").over(whole)))
        .withColumn("precision", F.try_divide("tp", F.col("tp") + F.col("fp")))
    )
    first_precision = F.first("precision").over(cumulative)
    segments = points.select(
        SPLIT,
        _trapezoid("fpr", "tpr", ordered, F.lit(0.0)).alias("roc"),
        _trapezoid("tpr", "precision", ordered, first_precision).alias("pr"),
    )
    wide = segments.groupBy(SPLIT).agg(
        F.sum("roc").alias("areaUnderROC"), F.sum("pr").alias("areaUnderPR")
    )
    return _to_long(wide)


def _trapezoid(x: str, y: str, ordered: Window, first_y: Column) -> Column:
    previous_x = F.lag(x, 1, 0.0).over(ordered)
    previous_y = F.coalesce(F.lag(y, 1).over(ordered), first_y)
    return (F.col(x) - previous_x) * (F.col(y) + previous_y) / 2


def _ratio(numerator: Column, denominator: Column) -> Column:
    return F.when(denominator > 0, numerator / denominator).otherwise(F.lit(0.0))


def _to_long(wide: DataFrame) -> DataFrame:
    metrics = [name for name in wide.columns if name != SPLIT]
    return wide.select(
        SPLIT, *[F.col(name).cast("double").alias(name) for name in metrics]
    ).unpivot(SPLIT, metrics, "metric", "value")


def confusion(
    predictions: DataFrame,
    negative_digit: int,
    positive_digit: int,
    splits: Sequence[str] = (TRAIN, TEST),
) -> DataFrame:
    """The confusion matrix in digit terms: every (split, actual, predicted) cell, zeros too."""
    counts = predictions.groupBy(
        SPLIT,
        F.col(LABEL_DIGIT).alias("actual_digit"),
        F.col(PREDICTED_DIGIT).alias("predicted_digit"),
    ).agg(F.count(F.lit(1)).alias("count"))
    digits = (negative_digit, positive_digit)
    cells = predictions.sparkSession.createDataFrame(
        list(product(splits, digits, digits)), CONFUSION_CELLS
    )
    return cells.join(counts, [SPLIT, "actual_digit", "predicted_digit"], "left").select(
        SPLIT, "actual_digit", "predicted_digit", F.coalesce("count", F.lit(0)).alias("count")
    )


def evaluation_outputs(
    predictions: DataFrame,
    coefficients: list[float],
    iterations: int,
    negative_digit: int,
    positive_digit: int,
    width: int,
) -> dict[str, DataFrame]:
    """The run's metrics (with the LR iteration count), confusion and coefficient frames."""
    spark = predictions.sparkSession
    iteration_rows = spark.createDataFrame(
        [(TRAIN, "iterations", float(iterations))], "split string, metric string, value double"
    )
    metrics = (
        summary_metrics(predictions, positive_digit)
        .unionByName(area_metrics(predictions, positive_digit))
        .unionByName(iteration_rows)
    )
    return {
        "metrics": metrics,
        "confusion": confusion(predictions, negative_digit, positive_digit),
        "coefficients": coefficient_frame(spark, coefficients, width),
    }


def coefficient_frame(spark: SparkSession, coefficients: list[float], width: int) -> DataFrame:
    """One row per pixel: its index, row and column in the image, and its coefficient."""
    rows = [
        (pixel, pixel // width, pixel % width, float(value))
        for pixel, value in enumerate(coefficients)
    ]
    return spark.createDataFrame(rows, COEFFICIENT_SCHEMA)


def with_run_id(run_id: str) -> Callable[[DataFrame], DataFrame]:
    """Puts a ``run_id`` column first, so outputs of many runs can be read and told apart."""

    def transform(df: DataFrame) -> DataFrame:
        return df.select(F.lit(run_id).alias("run_id"), "*")

    return transform
