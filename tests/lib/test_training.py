from collections import Counter

import pytest
from chispa import assert_df_equality
from conftest import ROOT
from mnist_files import tiny_digits, write_idx_pair
from pyspark import StorageLevel
from pyspark.sql import functions as F

from mnist_lr.config import load_config
from mnist_lr.dataset import CANONICAL_SCHEMA, with_image_size
from mnist_lr.readers import Dataset, DigitInputs, read_digits
from mnist_lr.training import digit_counts, fit_partitions, training_frame

CONFIG = load_config(ROOT / "conf" / "default.yaml")


def test_a_filter_on_the_train_split_skips_the_persisted_test_partitions(spark, tmp_path):
    write_idx_pair(tmp_path, "train", *tiny_digits(40, seed=1))
    write_idx_pair(tmp_path, "t10k", *tiny_digits(20, seed=2))
    inputs = read_digits(spark, str(tmp_path), keep_labels=(3, 7), partitions=2)

    frame = training_frame(inputs, CONFIG, StorageLevel.DISK_ONLY)
    train = frame.filter(F.col("split") == "train")

    assert frame.rdd.getNumPartitions() == 4
    assert train.rdd.getNumPartitions() == 2
    assert digit_counts(frame) == Counter(
        {("train", 3): 4, ("train", 7): 4, ("test", 3): 2, ("test", 7): 2}
    )
    assert {row.label for row in train.collect()} == {0.0, 1.0}
    assert frame.columns == ["image_id", "label", "label_digit", "features", "split"]
    spark.catalog.clearCache()


def test_without_a_test_set_the_split_is_a_hash_of_the_id_on_the_same_rows(spark, tmp_path):
    write_idx_pair(tmp_path, "train", *tiny_digits(200, seed=3))
    inputs = read_digits(spark, str(tmp_path), keep_labels=(3, 7), partitions=2)

    frame = training_frame(inputs, CONFIG, StorageLevel.DISK_ONLY)

    counts = digit_counts(frame)
    assert counts[("train", 3)] + counts[("test", 3)] == 20
    assert counts[("test", 3)] + counts[("test", 7)] > 0
    assert frame.rdd.getNumPartitions() == 2
    spark.catalog.clearCache()


def test_the_hash_split_follows_the_configured_seed(spark):
    rows = [(f"d:{i}", 3 if i % 2 else 7, [0, 64, 128, 255]) for i in range(40)]
    frame = with_image_size(spark.createDataFrame(rows, CANONICAL_SCHEMA), 2, 2)
    inputs = DigitInputs(Dataset(frame, 2, 2, []), None)

    def ids_in_test_split(seed: int) -> set[str]:
        config = load_config(ROOT / "conf" / "default.yaml", [f"split.seed={seed}"])
        split = training_frame(inputs, config).filter(F.col("split") == "test")
        return {row.image_id for row in split.select("image_id").collect()}

    assert ids_in_test_split(1) == ids_in_test_split(1)
    assert ids_in_test_split(1) != ids_in_test_split(2)
    assert 0 < len(ids_in_test_split(2)) < 40


@pytest.mark.parametrize(
    ("train_rows", "single_partition_max_rows", "partitions"),
    [(12, 12, 1), (12, 100, 1), (12, 11, 4), (12, 0, 4)],
)
def test_small_train_splits_are_fitted_on_one_partition(
    spark, train_rows, single_partition_max_rows, partitions
):
    train = spark.range(12).repartition(4)

    fitted = fit_partitions(train, train_rows, single_partition_max_rows)

    assert fitted.rdd.getNumPartitions() == partitions
    assert_df_equality(fitted, train, ignore_row_order=True)
