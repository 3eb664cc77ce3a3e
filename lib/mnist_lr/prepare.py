"""Turns the canonical dataset into the training frame: two digits, a 0/1 label, a split."""

from collections.abc import Callable

from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from mnist_lr.dataset import IMAGE_ID, LABEL

LABEL_DIGIT = "label_digit"
SPLIT = "split"
TRAIN = "train"
TEST = "test"
SPLIT_BUCKETS = 1_000_000

Transform = Callable[[DataFrame], DataFrame]


def filter_digits(negative_digit: int, positive_digit: int) -> Transform:
    """Keeps the rows whose label is one of the two chosen digits."""

    def transform(df: DataFrame) -> DataFrame:
        return df.filter(F.col(LABEL).isin(negative_digit, positive_digit))

    return transform


def with_binary_label(positive_digit: int) -> Transform:
    """Keeps the digit as ``label_digit`` and makes ``label`` 1.0 for the positive digit, else 0.0.

    MLlib's LogisticRegression would fit a multinomial model over labels 0..7 if given the
    digits themselves.
    """

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(LABEL_DIGIT, F.col(LABEL)).withColumn(
            LABEL, (F.col(LABEL) == positive_digit).cast("double")
        )

    return transform


def with_hash_split(test_fraction: float, seed: int) -> Transform:
    """Adds ``split`` = test/train from a hash of ``image_id`` and the seed.

    The hash depends only on the id, never on row order or partitioning, so the same rows
    land in the test split on 1 or 100 partitions.
    """
    threshold = round(test_fraction * SPLIT_BUCKETS)

    def transform(df: DataFrame) -> DataFrame:
        bucket = F.pmod(F.xxhash64(F.lit(seed), F.col(IMAGE_ID)), F.lit(SPLIT_BUCKETS))
        return df.withColumn(SPLIT, F.when(bucket < threshold, TEST).otherwise(TRAIN))

    return transform


def with_split(split: str) -> Transform:
    """Adds a constant ``split`` column (for a separately given test set)."""

    def transform(df: DataFrame) -> DataFrame:
        return df.withColumn(SPLIT, F.lit(split))

    return transform
