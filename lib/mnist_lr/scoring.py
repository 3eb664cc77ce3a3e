"""Scoring with a published run: load its model, score specimens, summarise the result."""

import json
from dataclasses import dataclass
from typing import Any

from pyspark.ml import PipelineModel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mnist_lr.dataset import IMAGE_ID, LABEL
from mnist_lr.errors import InputError
from mnist_lr.prepare import LABEL_DIGIT
from mnist_lr.publish import MANIFEST
from mnist_lr.stages import MARGIN, PREDICTED_DIGIT, PROBABILITY
from mnist_lr.storage import Storage

SCORE_COLUMNS = [IMAGE_ID, PREDICTED_DIGIT, PROBABILITY, MARGIN, LABEL_DIGIT]


@dataclass
class PublishedRun:
    """What scoring needs of a published run: its manifest's facts and its model."""

    path: str
    run_id: str
    digits: tuple[int, int]
    image_size: tuple[int, int]
    model: PipelineModel


def load_published_run(storage: Storage, run_path: str) -> PublishedRun:
    """Loads a run that was published completely, refusing anything else with a clear error."""
    run_path = storage.qualify(run_path.rstrip("/"))
    if not storage.exists(run_path):
        raise InputError(f"{run_path}: run directory does not exist")
    manifest_path = f"{run_path}/{MANIFEST}"
    if not storage.exists(manifest_path):
        raise InputError(f"{run_path}: not a published run (no {MANIFEST})")
    try:
        manifest = json.loads(storage.read_text(manifest_path))
        run_id = str(manifest["run_id"])
        mapping = manifest["digit_mapping"]
        digits = int(mapping["0.0"]), int(mapping["1.0"])
        train = manifest["inputs"]["train"]
        image_size = int(train["image_height"]), int(train["image_width"])
    except (ValueError, KeyError, TypeError) as error:
        raise InputError(
            f"{manifest_path}: corrupt manifest ({type(error).__name__}: {error})"
        ) from None
    try:
        model = PipelineModel.load(f"{run_path}/model")
    except Exception as error:  # noqa: BLE001 - any load failure means the same to the user
        first_line = (str(error).strip().splitlines() or [type(error).__name__])[0]
        raise InputError(f"{run_path}/model: cannot load the model ({first_line})") from None
    return PublishedRun(run_path, run_id, digits, image_size, model)


def score(model: PipelineModel, specimens: DataFrame) -> DataFrame:
    """Predicted digit, probability of the positive digit and margin for every specimen."""
    return model.transform(specimens.withColumn(LABEL_DIGIT, F.col(LABEL))).select(*SCORE_COLUMNS)


def score_summary(scored: DataFrame, negative_digit: int, positive_digit: int) -> dict[str, Any]:
    """Counts per predicted digit and, over labelled specimens of the two digits, accuracy."""
    labelled = F.col(LABEL_DIGIT).isNotNull()
    known = F.col(LABEL_DIGIT).isin(negative_digit, positive_digit)
    row = scored.agg(
        F.count(F.lit(1)).alias("specimens"),
        F.sum((F.col(PREDICTED_DIGIT) == negative_digit).cast("int")).alias("negative"),
        F.sum((F.col(PREDICTED_DIGIT) == positive_digit).cast("int")).alias("positive"),
        F.sum(labelled.cast("int")).alias("labelled"),
        F.sum((labelled & ~known).cast("int")).alias("other_digits"),
        F.sum(known.cast("int")).alias("of_the_two_digits"),
        F.sum((known & (F.col(LABEL_DIGIT) == F.col(PREDICTED_DIGIT))).cast("int")).alias(
            "correct"
        ),
    ).first()
    summary = {
        "specimens": row["specimens"],
        "predicted": {
            str(negative_digit): row["negative"] or 0,
            str(positive_digit): row["positive"] or 0,
        },
        "labelled": row["labelled"] or 0,
        "labelled_other_digits": row["other_digits"] or 0,
    }
    if row["of_the_two_digits"]:
        summary["accuracy"] = row["correct"] / row["of_the_two_digits"]
    return summary
