"""The canonical digit dataset: what every reader returns and ``jobs/ingest.py`` writes.

Columns: ``image_id`` (string, source name + index in source), ``label`` (int 0..9, null for
unlabeled specimens) and ``pixels`` (array<int> of height*width values 0..255, row-major). The
image height and width travel as metadata of the ``pixels`` column, so they survive Parquet.
"""

from pyspark.sql import Column, DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, IntegerType, StringType, StructField, StructType

from mnist_lr.errors import InputError

IMAGE_ID = "image_id"
LABEL = "label"
PIXELS = "pixels"

CANONICAL_SCHEMA = StructType(
    [
        StructField(IMAGE_ID, StringType(), False),
        StructField(LABEL, IntegerType(), True),
        StructField(PIXELS, ArrayType(IntegerType(), True), False),
    ]
)


def pixels_with_size(height: int, width: int) -> Column:
    """The ``pixels`` column tagged with the image size it holds."""
    return F.col(PIXELS).alias(PIXELS, metadata={"height": height, "width": width})


def with_image_size(df: DataFrame, height: int, width: int) -> DataFrame:
    """Records the image size in the metadata of the ``pixels`` column."""
    return df.withColumn(PIXELS, pixels_with_size(height, width))


def image_size(df: DataFrame, name: str = "the dataset") -> tuple[int, int]:
    """Returns (height, width) recorded on the ``pixels`` column.

    Raises:
        InputError: when the frame is not a canonical dataset.
    """
    check_canonical_columns(df, name)
    metadata = df.schema[PIXELS].metadata
    if "height" not in metadata or "width" not in metadata:
        raise InputError(
            f"{name}: the pixels column carries no image size; write it with jobs/ingest.py"
        )
    return int(metadata["height"]), int(metadata["width"])


def check_canonical_columns(df: DataFrame, name: str) -> None:
    """Raises InputError unless ``df`` has the canonical columns with their types."""
    fields = {field.name: field.dataType for field in df.schema.fields}
    for expected in CANONICAL_SCHEMA.fields:
        actual = fields.get(expected.name)
        if actual is None:
            raise InputError(
                f"{name}: no '{expected.name}' column; a canonical dataset has "
                f"{', '.join(CANONICAL_SCHEMA.fieldNames())}"
            )
        if actual != expected.dataType:
            raise InputError(
                f"{name}: column '{expected.name}' is {actual.simpleString()}, "
                f"expected {expected.dataType.simpleString()}"
            )
