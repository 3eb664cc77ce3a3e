"""Readers that turn MNIST files (IDX, CSV, canonical Parquet) into the canonical dataset.

Pixel data is parsed on the executors. An IDX images file is cut into slices of rows
(``partitions``, or more so that no slice keeps over ``MAX_ROWS_PER_SLICE`` rows), each streamed
by one task of the project's JVM reader, so no task holds a whole file and no shuffle is needed;
CSV files are read whole through Spark's ``binaryFile`` source, parsed by vectorised Arrow
functions and repartitioned. The driver reads only directory listings, file headers and IDX
labels files (one byte per image, to size the slices), to detect the format, pair files and check
image sizes.
"""

import io
import math
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import partial

import numpy as np
import pyarrow as pa
import pyarrow.csv as pa_csv
from pyspark.sql import DataFrame, SparkSession

from mnist_lr import idx
from mnist_lr.dataset import CANONICAL_SCHEMA, checked_rows, image_size, with_image_size
from mnist_lr.errors import InputError
from mnist_lr.jvm import jvm_class
from mnist_lr.storage import FileInfo, Storage, literal_paths

FORMATS = ("idx", "csv", "parquet")
IDX_NAME = re.compile(r"^(?P<prefix>.+)[-.](?P<kind>images|labels)[-.]idx[13]-ubyte(\.gz)?$")
CSV_NAME = re.compile(r"\.csv(\.gz)?$")
# MNIST's t10k, and names like EMNIST's emnist-digits-test.
TEST_PREFIX = re.compile(r"(.*[-_.])?(t10k|test)")
HEADER_BYTES = 4096
# What a first line without a comma may be separated by instead, as the error names it.
OTHER_SEPARATORS = {b";": "semicolons", b"\t": "tabs", b"|": "vertical bars", b" ": "spaces"}
MAX_FIRST_LINE_BYTES = 1 << 20
ROWS_PER_BATCH = 2048
JVM_IDX_READER = "mnist_lr.IdxReader"  # jvm/mnist_lr/IdxReader.java
MAX_JVM_ARRAY = 2**31 - 9  # the most elements the JVM allocates in one array
MAX_IMAGE_PIXELS = 1 << 24  # a 4096x4096 image
# Kept rows per IDX slice at most: bounds a partition's share of the cache and of MLlib's
# training blocks (about 120 MB of sparse MNIST rows), so partitions spill one by one.
MAX_ROWS_PER_SLICE = 65_536
ARROW_SCHEMA = pa.schema(
    [
        pa.field("image_id", pa.string(), nullable=False),
        pa.field("label", pa.int32()),
        pa.field("pixels", pa.list_(pa.int32()), nullable=False),
    ]
)


@dataclass(frozen=True)
class SourceFile:
    """One input file, as recorded in the run manifest."""

    path: str
    bytes: int
    format: str


@dataclass
class Dataset:
    """A canonical digit DataFrame with the size of its images and the files it came from."""

    frame: DataFrame
    height: int
    width: int
    files: list[SourceFile]


@dataclass
class DigitInputs:
    """The training data, and the separate test set when the input provides one."""

    train: Dataset
    test: Dataset | None


def read_digits(
    spark: SparkSession,
    path: str,
    format: str | None = None,
    test_path: str | None = None,
    require_labels: bool = True,
    keep_labels: Sequence[int] | None = None,
    partitions: int | None = None,
) -> DigitInputs:
    """Reads ``path`` (and ``test_path``) into canonical datasets.

    A directory that holds both a ``train`` and a ``t10k``/``test`` IDX pair, or ``train/`` and
    ``test/`` subdirectories, provides its own test set; ``test_path`` replaces it. Every digit
    of ``test_path`` is a test digit, whatever its files are called.

    Args:
        spark: the session.
        path: a file or directory on any Hadoop-compatible file system.
        format: ``idx``, ``csv`` or ``parquet``; detected from the file names when None. It
            applies to ``path`` only: ``test_path``'s format is detected from its own names.
        test_path: optional separate test input, in any format.
        require_labels: refuse unlabeled inputs (training needs labels).
        keep_labels: keep only rows with these labels, dropped while parsing (cheaper than a
            filter afterwards: the other rows are never made).
        partitions: partitions of each dataset (Spark's default parallelism when None).
    """
    storage = Storage(spark)
    train_root, test_root = split_roots(storage, path)
    read = partial(
        read_dataset,
        spark,
        storage,
        require_labels=require_labels,
        keep_labels=keep_labels,
        partitions=partitions,
    )
    inputs = read(train_root, format)
    if test_path is not None:
        test = every_digit(
            read_digits(
                spark,
                test_path,
                require_labels=require_labels,
                keep_labels=keep_labels,
                partitions=partitions,
            )
        )
    elif test_root is not None:
        test = every_digit(read(test_root, format))
    else:
        return inputs
    _require_same_size(inputs.train, test, test_path or test_root)
    return DigitInputs(inputs.train, test)


def every_digit(inputs: DigitInputs) -> Dataset:
    """The train and test digits of ``inputs`` as one dataset."""
    if inputs.test is None:
        return inputs.train
    train, test = inputs.train, inputs.test
    return replace(train, frame=train.frame.unionByName(test.frame), files=train.files + test.files)


def _require_same_size(train: Dataset, test: Dataset, test_source: str) -> None:
    if (test.height, test.width) != (train.height, train.width):
        raise InputError(
            f"{test_source}: test images are {test.height}x{test.width} "
            f"but training images are {train.height}x{train.width}"
        )


def split_roots(storage: Storage, path: str) -> tuple[str, str | None]:
    """A directory with ``train/`` (and optionally ``test/``) subdirectories is a split root.

    Raises:
        InputError: when such a directory also holds data files of its own, which neither
            split would read.
    """
    require_exists(storage, path)
    if not storage.info(path).is_dir:
        return path, None
    entries = storage.list(path)
    subdirs = {entry.name: entry.path for entry in entries if entry.is_dir}
    if "train" not in subdirs:
        return path, None
    loose = [entry.name for entry in entries if _is_data_file(entry)]
    if loose:
        raise InputError(
            f"{path}: holds train/ and also data files beside it ({', '.join(loose[:3])}); "
            "move them into train/ or test/, or pass their own path"
        )
    return subdirs["train"], subdirs.get("test")


def read_dataset(
    spark: SparkSession,
    storage: Storage,
    path: str,
    format: str | None,
    require_labels: bool,
    keep_labels: Sequence[int] | None = None,
    partitions: int | None = None,
) -> DigitInputs:
    """Reads one input path; an IDX directory may yield its own test pair."""
    require_exists(storage, path)
    files = data_files(storage, path)
    chosen = format or detect_format(files, path)
    partitions = partitions or spark.sparkContext.defaultParallelism
    if chosen == "idx":
        return _read_idx(spark, storage, files, path, require_labels, keep_labels, partitions)
    if chosen == "csv":
        csv = _read_csv(spark, storage, files, path, require_labels, keep_labels)
        return DigitInputs(_repartitioned(csv, partitions), None)
    if chosen == "parquet":
        parquet = _read_parquet(spark, storage, files, path, keep_labels)
        return DigitInputs(_repartitioned(parquet, partitions), None)
    raise InputError(f"{path}: unknown format '{chosen}'; choose one of {', '.join(FORMATS)}")


def require_exists(storage: Storage, path: str) -> None:
    if not storage.exists(path):
        raise InputError(f"{path}: input path does not exist")


def _is_data_file(entry: FileInfo) -> bool:
    """A visible file: Spark's and Hadoop's own (``_SUCCESS``, ``.crc``) start with _ or ."""
    return not entry.is_dir and not entry.name.startswith(("_", "."))


def _require_not_empty(file: FileInfo, kind: str) -> None:
    """Refuses an empty file, which Spark's file sources (``binaryFile``, Parquet) would skip
    without a word, so that it would be neither read nor reported."""
    if file.length == 0:
        raise InputError(f"{file.path}: empty {kind} file")


def data_files(storage: Storage, path: str) -> list[FileInfo]:
    """The data files at ``path``: the file itself, or a directory's visible files."""
    info = storage.info(path)
    if not info.is_dir:
        return [info]
    files = [entry for entry in storage.list(path) if _is_data_file(entry)]
    if not files:
        raise InputError(f"{path}: directory holds no data files")
    return files


def detect_format(files: list[FileInfo], path: str) -> str:
    """Detects the input format from file names."""
    names = [file.name for file in files]
    if any(IDX_NAME.match(name) for name in names):
        return "idx"
    if any(name.endswith(".parquet") for name in names):
        return "parquet"
    if any(CSV_NAME.search(name) for name in names):
        return "csv"
    raise InputError(
        f"{path}: cannot tell the format from the file names ({', '.join(names[:5])}); "
        "pass --format idx|csv|parquet"
    )


# --- IDX ---------------------------------------------------------------------------------------


def _read_idx(
    spark: SparkSession,
    storage: Storage,
    files: list[FileInfo],
    path: str,
    require_labels: bool,
    keep_labels: Sequence[int] | None,
    partitions: int,
) -> DigitInputs:
    pairs = _idx_pairs(storage, files, path)
    test_prefixes = [prefix for prefix in pairs if TEST_PREFIX.fullmatch(prefix)]
    train_prefixes = [prefix for prefix in pairs if not TEST_PREFIX.fullmatch(prefix)]
    if not train_prefixes:
        train_prefixes, test_prefixes = test_prefixes, []

    def dataset(prefixes: list[str]) -> Dataset:
        chosen = {prefix: pairs[prefix] for prefix in prefixes}
        return _idx_dataset(spark, storage, chosen, path, require_labels, keep_labels, partitions)

    train = dataset(train_prefixes)
    if not test_prefixes:
        return DigitInputs(train, None)
    test = dataset(test_prefixes)
    _require_same_size(train, test, path)
    return DigitInputs(train, test)


def _idx_pairs(
    storage: Storage, files: list[FileInfo], path: str
) -> dict[str, tuple[FileInfo, FileInfo | None]]:
    """Pairs every images file with the labels file of the same prefix, if there is one."""
    images: dict[str, FileInfo] = {}
    labels: dict[str, FileInfo] = {}
    for file in files:
        match = IDX_NAME.match(file.name)
        if match:
            (images if match["kind"] == "images" else labels)[match["prefix"]] = file
    if len(files) == 1 and not images and not labels:
        images[files[0].name.removesuffix(".gz")] = files[0]
    if len(files) == 1 and images and IDX_NAME.match(files[0].name):
        prefix, images_file = next(iter(images.items()))
        sibling = _sibling_labels(storage, images_file)
        if sibling is not None:
            labels[prefix] = sibling
    if not images:
        raise InputError(f"{path}: no IDX images file (*-images-idx3-ubyte[.gz])")
    return {prefix: (images[prefix], labels.get(prefix)) for prefix in sorted(images)}


def _sibling_labels(storage: Storage, images: FileInfo) -> FileInfo | None:
    """The labels file in the same directory as a given images file, if there is one."""
    parent = images.path[: -len(images.name)]
    base = images.name.replace("images", "labels").replace("idx3", "idx1")
    for name in (base, base.removesuffix(".gz"), base + ".gz"):
        if storage.exists(parent + name):
            return storage.info(parent + name)
    return None


def _idx_dataset(
    spark: SparkSession,
    storage: Storage,
    pairs: dict[str, tuple[FileInfo, FileInfo | None]],
    path: str,
    require_labels: bool,
    keep_labels: Sequence[int] | None,
    partitions: int,
) -> Dataset:
    frames, sizes, sources = [], set(), []
    for prefix, (images, labels) in pairs.items():
        header = _idx_header(storage, images, idx.IMAGES_NDIM)
        if labels is None and require_labels:
            raise InputError(
                f"{images.path}: no labels file beside it ({prefix}-labels-idx1-ubyte[.gz])"
            )
        sizes.add((header.dims[1], header.dims[2]))
        kept_rows = header.count
        if labels is not None:
            label_header = _idx_header(storage, labels, idx.LABELS_NDIM)
            if label_header.count != header.count:
                raise InputError(
                    f"{images.path}: header says {header.count} images but {labels.path} "
                    f"says {label_header.count} labels"
                )
            if keep_labels is not None:
                kept_rows = _kept_rows(storage, images, labels, header.count, keep_labels)
        sources += [SourceFile(f.path, f.length, "idx") for f in (images, labels) if f is not None]
        wanted = max(partitions, math.ceil(kept_rows / MAX_ROWS_PER_SLICE))
        slices = max(1, min(wanted, header.count))
        frames.append(_idx_frame(spark, prefix, images, labels, header, slices, keep_labels))
    if len(sizes) > 1:
        raise InputError(f"{path}: IDX files hold images of different sizes {sorted(sizes)}")
    height, width = sizes.pop()
    return Dataset(with_image_size(_union(frames), height, width), height, width, sources)


def _kept_rows(
    storage: Storage, images: FileInfo, labels: FileInfo, count: int, keep_labels: Sequence[int]
) -> int:
    """How many rows carry one of ``keep_labels``, from the labels file (one byte per image)."""
    data = storage.read_head(labels.path, labels.length)
    values = idx.decode_labels(data, labels.path, count, images.path)
    return int(np.isin(values, keep_labels).sum())


def _idx_header(storage: Storage, file: FileInfo, ndim: int) -> idx.IdxHeader:
    _require_not_empty(file, "IDX")
    whole_file = file.length <= HEADER_BYTES
    head = idx.gunzip_prefix(storage.read_head(file.path, HEADER_BYTES), file.path, whole_file)
    return idx.parse_header(head, file.path, ndim)


def _idx_frame(
    spark: SparkSession,
    source: str,
    images: FileInfo,
    labels: FileInfo | None,
    header: idx.IdxHeader,
    slices: int,
    keep_labels: Sequence[int] | None,
) -> DataFrame:
    """The canonical rows of one IDX pair, read in ``slices`` tasks by the project's JVM reader
    (``jvm/mnist_lr/IdxReader.java``), through Hadoop's file systems: the rows never pass
    through a Python worker.

    Raises:
        InputError: for headers beyond what the reader holds: it keeps a file's labels in one
            JVM array, and an image in one row.
    """
    if header.count > MAX_JVM_ARRAY:
        raise InputError(
            f"{images.path}: header says {header.count} images; the IDX reader takes at most "
            f"{MAX_JVM_ARRAY}"
        )
    if header.item_size > MAX_IMAGE_PIXELS:
        height, width = header.dims[1:]
        raise InputError(
            f"{images.path}: images of {height}x{width} pixels; the IDX reader takes at most "
            f"{MAX_IMAGE_PIXELS} pixels an image"
        )
    reader = jvm_class(spark, JVM_IDX_READER)
    frame = reader.read(
        spark._jsparkSession,
        CANONICAL_SCHEMA.json(),
        source,
        images.path,
        images.length,
        None if labels is None else labels.path,
        0 if labels is None else labels.length,
        header.count,
        header.item_size,
        header.offset,
        slices,
        None if keep_labels is None else list(keep_labels),
    )
    return DataFrame(frame, spark)


def canonical_batches(
    source: str,
    pixels: np.ndarray,
    labels: np.ndarray | None,
    keep_labels: Sequence[int] | None = None,
) -> Iterator[pa.RecordBatch]:
    """Cuts decoded pixels and labels into canonical Arrow batches.

    Rows whose label is not in ``keep_labels`` (when given) are dropped here; ``image_id`` keeps
    each row's index in its source.
    """
    index = np.arange(len(pixels))
    if keep_labels is not None and labels is not None:
        index = np.flatnonzero(np.isin(labels, keep_labels))
    item_size = pixels.shape[1]
    for start in range(0, len(index), ROWS_PER_BATCH):
        rows = index[start : start + ROWS_PER_BATCH]
        offsets = np.arange(0, (len(rows) + 1) * item_size, item_size, dtype=np.int32)
        label_array = (
            pa.nulls(len(rows), pa.int32())
            if labels is None
            else pa.array(labels[rows].astype(np.int32))
        )
        yield pa.RecordBatch.from_arrays(
            [
                pa.array([f"{source}:{i}" for i in rows]),
                label_array,
                pa.ListArray.from_arrays(offsets, pa.array(pixels[rows].astype(np.int32).ravel())),
            ],
            schema=ARROW_SCHEMA,
        )


# --- CSV ---------------------------------------------------------------------------------------


def _read_csv(
    spark: SparkSession,
    storage: Storage,
    files: list[FileInfo],
    path: str,
    require_labels: bool,
    keep_labels: Sequence[int] | None,
) -> Dataset:
    csv_files = [f for f in files if CSV_NAME.search(f.name)] or files
    stems: dict[str, str] = {}
    for file in csv_files:
        other = stems.setdefault(CSV_NAME.sub("", file.name), file.name)
        if other != file.name:
            raise InputError(
                f"{path}: {other} and {file.name} would give their digits the same image ids; "
                "keep one of them"
            )
    for file in csv_files:
        _require_not_empty(file, "CSV")
    side, labelled = _csv_layout(storage, csv_files[0])
    if require_labels and not labelled:
        raise InputError(f"{csv_files[0].path}: no label column ({side * side} columns)")
    parse = _csv_parser(side * side, labelled, keep_labels)
    frame = spark.read.format("binaryFile").load(literal_paths(csv_files))
    frame = frame.mapInArrow(parse, CANONICAL_SCHEMA)
    sources = [SourceFile(f.path, f.length, "csv") for f in csv_files]
    return Dataset(with_image_size(frame, side, side), side, side, sources)


def _csv_layout(storage: Storage, file: FileInfo) -> tuple[int, bool]:
    """Reads the first line: (image side, whether a label column comes first)."""
    first_line = _first_line(storage, file)
    if not first_line:
        raise InputError(f"{file.path}: empty CSV file")
    if idx.looks_like_idx(first_line):
        raise InputError(
            f"{file.path}: an IDX file, not CSV (it starts with the IDX magic number "
            f"0x{first_line[:4].hex()}); IDX files are read with --format idx"
        )
    separator = next((s for s in OTHER_SEPARATORS if s in first_line), None)
    if b"," not in first_line and separator is not None:
        raise InputError(
            f"{file.path}: no comma in its first line, but {OTHER_SEPARATORS[separator]}; "
            "CSV files must be comma-separated"
        )
    columns = first_line.count(b",") + 1
    for pixels, labelled in ((columns - 1, True), (columns, False)):
        side = math.isqrt(max(pixels, 0))
        if side > 0 and side * side == pixels:
            return side, labelled
    raise InputError(
        f"{file.path}: {columns} columns; expected a label then a square image's pixels "
        "(785 for 28x28 MNIST)"
    )


def _first_line(storage: Storage, file: FileInfo) -> bytes:
    """A text file's first line, read from its start in growing pieces: a CSV header can be long
    (Kaggle's MNIST ``label,pixel0,...,pixel783`` is 6,951 bytes)."""
    size = HEADER_BYTES
    while True:
        head = storage.read_head(file.path, size)
        if file.name.endswith(".gz"):
            head = idx.gunzip_prefix(head, file.path, whole_file=size >= file.length)
        if b"\n" in head or size >= file.length:
            return head.split(b"\n", 1)[0].strip()
        if size >= MAX_FIRST_LINE_BYTES:
            raise InputError(
                f"{file.path}: no line break in its first {size} bytes; not a CSV file"
            )
        size *= 4


def _csv_parser(
    pixel_count: int, labelled: bool, keep_labels: Sequence[int] | None
) -> Callable[[Iterator[pa.RecordBatch]], Iterator[pa.RecordBatch]]:
    """An Arrow map function that parses whole CSV files on an executor."""

    def parse(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for path, content in zip(
                batch.column("path").to_pylist(), batch.column("content"), strict=True
            ):
                values = parse_csv_bytes(content.as_py(), path, pixel_count, labelled)
                labels = values[:, 0] if labelled else None
                pixels = values[:, 1:] if labelled else values
                source = CSV_NAME.sub("", path.rsplit("/", 1)[-1])
                yield from canonical_batches(source, pixels, labels, keep_labels)

    return parse


def _is_csv_header(first_line: bytes) -> bool:
    """A first line is a header when none of its cells is a number, quoted or not (a data row
    with a bad cell is reported by the parser), or when it is pandas' default header: the
    column numbers 0, 1, 2, ..."""
    cells = [cell.strip().strip(b'"').strip() for cell in first_line.split(b",")]
    if not any(cell.isdigit() for cell in cells):
        return True
    numbers = [int(cell) for cell in cells if cell.isdigit()]
    return numbers == list(range(len(cells)))


def parse_csv_bytes(data: bytes, name: str, pixel_count: int, labelled: bool) -> np.ndarray:
    """Parses one CSV file (label then pixels, optional header) into an int array.

    Raises:
        InputError: naming the file and the problem (columns, non-numeric or empty cells,
            values out of range, no rows).
    """
    data = idx.gunzip_if_compressed(data, name)
    columns = pixel_count + int(labelled)
    header_rows = int(_is_csv_header(data.split(b"\n", 1)[0]))
    read_options = pa_csv.ReadOptions(
        column_names=[f"c{i}" for i in range(columns)], skip_rows=header_rows
    )
    try:
        table = pa_csv.read_csv(
            io.BytesIO(data),
            read_options=read_options,
            convert_options=pa_csv.ConvertOptions(
                column_types={f"c{i}": pa.int64() for i in range(columns)}
            ),
        )
    except pa.ArrowInvalid as error:
        message = str(error).splitlines()[0]
        if "Expected" in message and "columns" in message:
            row = _row_with_wrong_column_count(data, read_options, header_rows)
            raise InputError(f"{name}: wrong number of columns{row} ({message})") from None
        if "conversion error" in message.lower():
            raise InputError(f"{name}: non-numeric cell ({message})") from None
        raise InputError(f"{name}: {message}") from None
    if table.num_rows == 0:
        raise InputError(f"{name}: no data rows")
    if any(column.null_count for column in table.columns):
        raise InputError(f"{name}: empty cell in row {_first_null_row(table) + 1}")
    values = np.column_stack([column.to_numpy() for column in table.columns])
    pixels = values[:, int(labelled) :]
    if pixels.min() < 0 or pixels.max() > 255:
        row = int(np.argmax(((pixels < 0) | (pixels > 255)).any(axis=1)))
        raise InputError(f"{name}: pixel value outside 0..255 in row {row + 1}")
    if labelled and (values[:, 0].min() < 0 or values[:, 0].max() > 9):
        row = int(np.argmax((values[:, 0] < 0) | (values[:, 0] > 9)))
        raise InputError(f"{name}: label {values[row, 0]} outside 0..9 in row {row + 1}")
    return values


def _row_with_wrong_column_count(
    data: bytes, read_options: pa_csv.ReadOptions, header_rows: int
) -> str:
    """`` in row N`` for a CSV file whose parse failed on a row's column count, else "".

    pyarrow's parallel reader does not say which row that is; its serial reader does ("Row #N",
    counting the header). So, on this failure only, the bytes already in memory are parsed
    again serially as text, up to that row: in the normal case nothing is parsed twice.
    """
    serial = pa_csv.ReadOptions(
        column_names=read_options.column_names, skip_rows=header_rows, use_threads=False
    )
    as_text = pa_csv.ConvertOptions(
        column_types={name: pa.string() for name in read_options.column_names}
    )
    try:
        pa_csv.read_csv(io.BytesIO(data), read_options=serial, convert_options=as_text)
    except pa.ArrowInvalid as error:
        match = re.search(r"Row #(\d+): Expected", str(error))
        if match:
            return f" in row {int(match[1]) - header_rows}"
    return ""


def _first_null_row(table: pa.Table) -> int:
    nulls = np.column_stack([c.is_null().to_numpy(zero_copy_only=False) for c in table.columns])
    return int(np.argmax(nulls.any(axis=1)))


# --- Parquet -----------------------------------------------------------------------------------


def _read_parquet(
    spark: SparkSession,
    storage: Storage,
    files: list[FileInfo],
    path: str,
    keep_labels: Sequence[int] | None,
) -> Dataset:
    for file in files:
        _require_not_empty(file, "Parquet")
        # Spark names its own files *.parquet; others (--format parquet) must say so inside.
        if not file.name.endswith(".parquet") and storage.read_head(file.path, 4) != b"PAR1":
            raise InputError(f"{file.path}: not a Parquet file (it does not start with PAR1)")
    frame = spark.read.parquet(path)
    height, width = image_size(frame, path)
    frame = checked_rows(frame.select(*CANONICAL_SCHEMA.fieldNames()), height, width, keep_labels)
    sources = [SourceFile(f.path, f.length, "parquet") for f in files]
    return Dataset(frame, height, width, sources)


def _repartitioned(dataset: Dataset, partitions: int) -> Dataset:
    """The dataset spread over ``partitions`` (CSV files are read one task per file)."""
    return replace(dataset, frame=dataset.frame.repartition(partitions))


def _union(frames: list[DataFrame]) -> DataFrame:
    result = frames[0]
    for frame in frames[1:]:
        result = result.unionByName(frame)
    return result
