"""Writes a run's pictured digits, figures and report.html.

The metrics, confusion rows and coefficients come from the job, which holds them already; the
only reads are small: a deterministic sample of at most ``CURVE_SAMPLE`` test predictions (four
numbers each) and the pixels of at most a few dozen digits. Nothing collects the dataset.
"""

from collections.abc import Sequence

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from mnist_lr.dataset import IMAGE_ID, PIXELS
from mnist_lr.evaluate import Evaluation
from mnist_lr.figures import boundary_margin, figure_png
from mnist_lr.prepare import LABEL_DIGIT, SPLIT, TEST, TRAIN
from mnist_lr.report import render_report
from mnist_lr.run_outputs import (
    CURVE_COLUMNS,
    CURVE_SAMPLE,
    MISCLASSIFIED,
    SAMPLE,
    RunFacts,
    RunOutputs,
    draw_run_figures,
)
from mnist_lr.stages import (
    FEATURES,
    MARGIN,
    PREDICTED_DIGIT,
    PROBABILITY,
    pixels_from_features,
)
from mnist_lr.storage import Storage

DIGITS = "digits"
FIGURES = "figures"
REPORT = "report.html"
SAMPLE_DIGITS_PER_CLASS = 16
MISCLASSIFIED_LIMIT = 36


def in_hash_order(frame: DataFrame) -> DataFrame:
    """A fixed pseudo-random order, so samples are the same on every run: by the CRC-32 of
    ``image_id``, which pandas computes alike (``run_outputs.curve_sample``)."""
    return frame.orderBy(F.crc32(F.col(IMAGE_ID).cast("binary")), IMAGE_ID)


def pictured_digits(predictions: DataFrame, frame: DataFrame, facts: RunFacts) -> DataFrame:
    """The digits the figures show, with their pixels: a few training digits of each class,
    and up to 36 misclassified test digits, most confident mistakes first (by the margin's
    distance from the decision boundary's, as ``figures.misclassified_figure`` orders them).

    The pixels come back from the training ``frame``'s features, for the chosen rows only,
    matched on ``image_id`` and ``split``: a separate test input may reuse the training input's
    source names (two files called ``train-images-idx3-ubyte``), and so its image ids.
    """
    chosen = []
    for digit in (facts.negative_digit, facts.positive_digit):
        rows = predictions.filter((F.col(SPLIT) == TRAIN) & (F.col(LABEL_DIGIT) == digit))
        chosen.append(
            in_hash_order(rows).limit(SAMPLE_DIGITS_PER_CLASS).withColumn("kind", F.lit(SAMPLE))
        )
    wrong = predictions.filter(
        (F.col(SPLIT) == TEST) & (F.col(LABEL_DIGIT) != F.col(PREDICTED_DIGIT))
    ).orderBy(F.desc(F.abs(F.col(MARGIN) - boundary_margin(facts.threshold))), IMAGE_ID)
    chosen.append(wrong.limit(MISCLASSIFIED_LIMIT).withColumn("kind", F.lit(MISCLASSIFIED)))
    rows = chosen[0].unionByName(chosen[1]).unionByName(chosen[2])
    return rows.join(frame.select(IMAGE_ID, SPLIT, FEATURES), [IMAGE_ID, SPLIT]).select(
        "kind",
        IMAGE_ID,
        SPLIT,
        LABEL_DIGIT,
        PREDICTED_DIGIT,
        PROBABILITY,
        MARGIN,
        pixels_from_features(F.col(FEATURES)).alias(PIXELS),
    )


def run_outputs(
    spark: SparkSession,
    run_path: str,
    evaluation: Evaluation,
    coefficients: Sequence[float],
) -> RunOutputs:
    """The figures' inputs: the metrics, confusion and coefficients the job wrote from
    ``evaluation`` and ``coefficients``, and the curve sample and pictured digits read back
    from the run directory (staged or published)."""

    def output(name: str) -> DataFrame:
        return spark.read.parquet(f"{run_path}/{name}")

    test = output("predictions").filter(F.col(SPLIT) == TEST)
    digits = output(DIGITS).toPandas()
    return RunOutputs(
        metrics=evaluation.metrics_table(),
        confusion=evaluation.confusion_table(),
        coefficients=np.asarray(coefficients, dtype=float),
        curve_sample=in_hash_order(test).limit(CURVE_SAMPLE).select(CURVE_COLUMNS).toPandas(),
        digits=digits.sort_values(["kind", IMAGE_ID], kind="stable"),
    )


def write_run_report(
    spark: SparkSession,
    storage: Storage,
    run_path: str,
    facts: RunFacts,
    evaluation: Evaluation,
    coefficients: Sequence[float],
) -> list[str]:
    """Writes ``figures/*.png`` and ``report.html`` into a run directory.

    Returns:
        The paths written, relative to the run directory.
    """
    outputs = run_outputs(spark, run_path, evaluation, coefficients)
    drawn = draw_run_figures(outputs, facts)
    for _, name, fig in drawn:
        storage.write_bytes(f"{run_path}/{FIGURES}/{name}", figure_png(fig))
    neg, pos = facts.negative_digit, facts.positive_digit
    page = render_report(
        f"Run {facts.run_id}: {neg} vs {pos}",
        outputs.metrics,
        outputs.confusion,
        [(caption, f"{FIGURES}/{name}") for caption, name, _ in drawn],
        notes=[
            f"{pos} is the positive digit: precision, recall, F1 and positives are those of {pos}."
            f" A digit is predicted {pos} when its probability p({pos}) is above"
            f" {facts.threshold:g}, else {neg}."
        ],
    )
    storage.write_text(f"{run_path}/{REPORT}", page)
    return [*(f"{FIGURES}/{name}" for _, name, _ in drawn), REPORT]
