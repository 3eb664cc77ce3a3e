"""Tests of mnist_lr.dataset's checks that a frame is a canonical dataset with its image size."""

import re

import pytest

from mnist_lr.dataset import CANONICAL_SCHEMA, image_size, with_image_size
from mnist_lr.errors import InputError

CANONICAL_ROW = ("d:0", 3, [0, 64, 128, 255])


def test_the_image_size_is_read_from_the_pixels_column(spark):
    frame = with_image_size(spark.createDataFrame([CANONICAL_ROW], CANONICAL_SCHEMA), 1, 4)
    assert image_size(frame, "digits.parquet") == (1, 4)


def test_a_frame_without_the_image_size_on_its_pixels_is_refused(spark):
    frame = spark.createDataFrame([CANONICAL_ROW], CANONICAL_SCHEMA)
    message = (
        "digits.parquet: the pixels column carries no image size; write it with jobs/ingest.py"
    )
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        image_size(frame, "digits.parquet")


@pytest.mark.parametrize(
    ("schema", "row", "message"),
    [
        (
            "image_id string, pixels array<int>",
            ("d:0", [0, 64, 128, 255]),
            "digits.parquet: no 'label' column; a canonical dataset has image_id, label, pixels",
        ),
        (
            "image_id string, label int, pixels array<bigint>",
            CANONICAL_ROW,
            "digits.parquet: column 'pixels' is array<bigint>, expected array<int>",
        ),
        (
            "image_id string, label string, pixels array<int>",
            ("d:0", "3", [0, 64, 128, 255]),
            "digits.parquet: column 'label' is string, expected int",
        ),
    ],
    ids=["missing_label", "pixels_of_another_type", "label_of_another_type"],
)
def test_a_frame_without_the_canonical_columns_is_refused(spark, schema, row, message):
    frame = spark.createDataFrame([row], schema)
    with pytest.raises(InputError, match=f"^{re.escape(message)}$"):
        image_size(frame, "digits.parquet")
