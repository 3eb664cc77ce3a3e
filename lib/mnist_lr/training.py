"""The training path between reading and publishing: build the frame, fit, predict."""

from collections import Counter

from pyspark import StorageLevel
from pyspark.ml import PipelineModel
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mnist_lr.config import Config
from mnist_lr.dataset import IMAGE_ID, LABEL, PIXELS
from mnist_lr.errors import DataError
from mnist_lr.prepare import (
    LABEL_DIGIT,
    SPLIT,
    TEST,
    TRAIN,
    filter_digits,
    with_binary_label,
    with_hash_split,
    with_split,
)
from mnist_lr.readers import Dataset, DigitInputs
from mnist_lr.stages import (
    FEATURE_STAGES,
    MARGIN,
    PREDICTED_DIGIT,
    PROBABILITY,
    fit_on_features,
    pixel_features,
)

PREDICTION_COLUMNS = [IMAGE_ID, SPLIT, LABEL_DIGIT, PREDICTED_DIGIT, PROBABILITY, MARGIN]


def training_frame(
    inputs: DigitInputs, config: Config, storage_level: StorageLevel | None = None
) -> DataFrame:
    """The two chosen digits as model features, with a 0/1 label and a train/test split.

    Columns: ``image_id``, ``label``, ``label_digit``, ``features`` and ``split``. The features
    are made here, once, equal to what the model's own feature stages make (but in one JVM pass,
    :func:`pixel_features`), and the pixels are dropped:
    MLlib's passes before its iterations and the predictions then read features instead of
    rebuilding them, and :func:`pixels_from_features` gives back the few pictured digits.

    The test split is the separate test set when there is one, else a hash of ``image_id``.
    With ``storage_level``, each input is persisted before its constant ``split`` column is
    added: Spark can then tell that a filter on one split excludes the other input, and prunes
    its partitions (MLlib would otherwise run an empty task per test partition per iteration).
    """
    digits = config["digits"]
    keep = filter_digits(digits["negative"], digits["positive"])

    def prepared(dataset: Dataset) -> DataFrame:
        frame = dataset.frame.transform(keep).transform(with_binary_label(digits["positive"]))
        pixel_count = dataset.height * dataset.width
        features = pixel_features(frame.sparkSession, F.col(PIXELS), pixel_count)
        rows = frame.select(IMAGE_ID, LABEL, LABEL_DIGIT, features)
        return rows.persist(storage_level) if storage_level else rows

    if inputs.test is None:
        split = config["split"]
        return prepared(inputs.train).transform(
            with_hash_split(split["test_fraction"], split["seed"])
        )
    train = prepared(inputs.train).transform(with_split(TRAIN))
    test = prepared(inputs.test).transform(with_split(TEST))
    return train.unionByName(test)


def digit_counts(frame: DataFrame) -> Counter:
    """Rows per (split, digit) of the training frame, in one aggregation."""
    rows = frame.groupBy(SPLIT, LABEL_DIGIT).count().collect()
    return Counter({(row[SPLIT], row[LABEL_DIGIT]): row["count"] for row in rows})


def require_both_digits(
    counts: Counter, negative_digit: int, positive_digit: int, train_source: str, test_source: str
) -> None:
    """Refuses to fit when a split lacks one of the digits; the error names the split's
    source (e.g. ``--input data/mnist``).

    MLlib would otherwise fit a degenerate model (an infinite intercept) without complaint.
    """
    for split, source in ((TRAIN, train_source), (TEST, test_source)):
        missing = [d for d in (negative_digit, positive_digit) if counts[(split, d)] == 0]
        if missing:
            raise DataError(
                f"{source}: the {split} split has no digit {' or '.join(map(str, missing))} "
                f"(digits {negative_digit},{positive_digit} chosen)"
            )


def fit_partitions(train: DataFrame, train_rows: int, single_partition_max_rows: int) -> DataFrame:
    """The train split as MLlib fits it: coalesced to one partition when it has at most
    ``single_partition_max_rows`` rows (0: never).

    Each L-BFGS iteration is a ``treeAggregate``: two Spark stages on several partitions, one
    stage on a single partition. For small sets the stage costs more than the cores save.
    """
    if 0 < train_rows <= single_partition_max_rows:
        return train.coalesce(1)
    return train


def fit_model(frame: DataFrame, config: Config, pixel_count: int, counts: Counter) -> PipelineModel:
    """Fits the model on the train split of the training frame; the model takes pixels.

    ``counts`` are the frame's :func:`digit_counts`, which give the train split's size.
    """
    lr = config["logistic_regression"]
    train = frame.filter(F.col(SPLIT) == TRAIN)
    train_rows = sum(n for (split, _), n in counts.items() if split == TRAIN)
    return fit_on_features(
        fit_partitions(train, train_rows, config["fit"]["single_partition_max_rows"]),
        pixel_count,
        negative_digit=config["digits"]["negative"],
        positive_digit=config["digits"]["positive"],
        reg_param=lr["reg_param"],
        elastic_net_param=lr["elastic_net_param"],
        max_iter=lr["max_iter"],
        tol=lr["tol"],
        threshold=lr["threshold"],
        standardization=lr["standardization"],
        max_block_size_mb=lr["max_block_size_mb"],
    )


def predict(model: PipelineModel, frame: DataFrame) -> DataFrame:
    """The model's predictions for every row of the training frame, in the published layout.

    The frame's features are made already, so only the stages after them run.
    """
    after_features = PipelineModel(model.stages[FEATURE_STAGES:])
    return after_features.transform(frame).select(*PREDICTION_COLUMNS)
