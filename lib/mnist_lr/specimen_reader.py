"""Reads new specimens to score: any canonical input, unlabeled or not, or a folder of images.

Image files (PNG, JPEG, ... of any size and colour mode) are decoded on the executors and
normalised the way MNIST was made (see :mod:`mnist_lr.specimens`). An image that cannot be
decoded, an empty file among them, either fails the job or is skipped and counted, as the caller
chooses.
"""

import re
from collections.abc import Callable, Iterator

import numpy as np
import pyarrow as pa
from pyspark.sql import SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StringType, StructField, StructType

from mnist_lr.dataset import CANONICAL_SCHEMA, with_image_size
from mnist_lr.errors import BadImageError, InputError
from mnist_lr.readers import (
    ARROW_SCHEMA,
    FORMATS,
    Dataset,
    SourceFile,
    data_files,
    detect_format,
    every_digit,
    read_digits,
    split_roots,
)
from mnist_lr.specimens import SpecimenImageError, image_to_mnist
from mnist_lr.storage import Storage, literal_paths

IMAGE_NAME = re.compile(r"\.(png|jpe?g|bmp|gif|tiff?|webp)$", re.IGNORECASE)
SPECIMEN_FORMATS = (*FORMATS, "images")
PROBLEM = "problem"
MNIST_SIDE, MNIST_BOX = 28, 20
IMAGE_SCHEMA = StructType([*CANONICAL_SCHEMA.fields, StructField(PROBLEM, StringType(), True)])
IMAGE_ARROW_SCHEMA = ARROW_SCHEMA.append(pa.field(PROBLEM, pa.string()))


def read_specimens(
    spark: SparkSession,
    path: str,
    format: str | None,
    height: int,
    width: int,
    skip_bad_images: bool,
) -> tuple[Dataset, list[str]]:
    """Reads specimens for a model trained on ``height`` x ``width`` images.

    Every digit of the input is a specimen: an input with its own test files (a ``t10k`` IDX
    pair, or ``train/`` and ``test/`` subdirectories) is scored whole.

    Returns:
        The dataset (labels null where unknown) and the names of skipped image files.

    Raises:
        InputError: the input cannot be read, or its images have another size.
    """
    storage = Storage(spark)
    train_root, test_root = split_roots(storage, path)
    roots = [root for root in (train_root, test_root) if root is not None]
    files = [file for root in roots for file in data_files(storage, root)]
    chosen = format or _detect(files, path)
    if chosen != "images":
        dataset = every_digit(read_digits(spark, path, chosen, require_labels=False))
        if (dataset.height, dataset.width) != (height, width):
            raise InputError(
                f"{path}: specimens are {dataset.height}x{dataset.width} images but the model "
                f"was trained on {height}x{width}"
            )
        return dataset, []
    if height != width:
        raise InputError(f"{path}: image files can only be scored by a model of square images")
    in_folders = train_root != path  # train/ and test/: the same name may be in both
    return _read_images(spark, files, path, height, skip_bad_images, in_folders)


def _detect(files, path: str) -> str:
    """``images`` for a folder of image files, else the data format of the files' names.

    Raises:
        InputError: when image files sit beside IDX, CSV or Parquet files: one of the two
            would be scored and the other silently left out.
    """
    images = [file.name for file in files if IMAGE_NAME.search(file.name)]
    if not images:
        return detect_format(files, path)
    others = [file for file in files if not IMAGE_NAME.search(file.name)]
    try:
        data_format = detect_format(others, path) if others else None
    except InputError:  # other files, none of them data: a README beside the pictures
        data_format = None
    if data_format is not None:
        raise InputError(
            f"{path}: holds image files ({images[0]}, ...) and {data_format} files; "
            "score them separately, or pass --format to choose one"
        )
    return "images"


def _read_images(
    spark: SparkSession, files, path: str, side: int, skip_bad_images: bool, in_folders: bool
) -> tuple[Dataset, list[str]]:
    """The image files as specimens; each ``image_id`` is the file's name, with its folder in
    front (``test/3.png``) when ``in_folders``."""
    images = [file for file in files if IMAGE_NAME.search(file.name)]
    if not images:
        raise InputError(f"{path}: no image files (.png, .jpg, ...)")
    # Spark's binaryFile source skips empty files: they are bad images found here instead.
    empty = [file for file in images if file.length == 0]
    if empty and not skip_bad_images:
        raise BadImageError(f"{empty[0].path}: not a decodable image: the file is empty")
    box = round(side * MNIST_BOX / MNIST_SIDE)
    decoded = (
        spark.read.format("binaryFile")
        .load(literal_paths(images))
        .mapInArrow(_image_decoder(side, box, skip_bad_images, in_folders), IMAGE_SCHEMA)
        .cache()
    )
    undecodable = [row.image_id for row in decoded.filter(F.col(PROBLEM).isNotNull()).collect()]
    skipped = sorted(undecodable + [_image_id(file.path, in_folders) for file in empty])
    frame = decoded.filter(F.col(PROBLEM).isNull()).drop(PROBLEM)
    sources = [SourceFile(file.path, file.length, "images") for file in images]
    return Dataset(with_image_size(frame, side, side), side, side, sources), skipped


def _image_decoder(
    side: int, box: int, skip_bad_images: bool, in_folders: bool
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """An Arrow map function that turns image files into MNIST-style pixel rows."""

    def decode(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            ids, pixels, problems = [], [], []
            for path, content in zip(
                batch.column("path").to_pylist(), batch.column("content"), strict=True
            ):
                try:
                    values = image_to_mnist(content.as_py(), size=side, box=box)
                    problem = None
                except SpecimenImageError as error:
                    if not skip_bad_images:
                        raise BadImageError(f"{path}: {error}") from None
                    values, problem = np.zeros(0, np.int32), str(error)
                ids.append(_image_id(path, in_folders))
                pixels.append(values.astype(np.int32))
                problems.append(problem)
            yield pa.RecordBatch.from_arrays(
                [
                    pa.array(ids),
                    pa.nulls(len(ids), pa.int32()),
                    pa.array(pixels, pa.list_(pa.int32())),
                    pa.array(problems, pa.string()),
                ],
                schema=IMAGE_ARROW_SCHEMA,
            )

    return decode


def _image_id(path: str, in_folders: bool) -> str:
    """An image file's ``image_id``: its name, after its folder's when ``in_folders``."""
    return "/".join(path.rsplit("/", 2)[-2 if in_folders else -1 :])
