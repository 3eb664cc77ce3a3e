import gzip
import re
import struct

import pytest
from chispa import assert_df_equality
from mnist_files import tiny_digits, write_idx_pair

from mnist_lr import idx, readers
from mnist_lr.dataset import CANONICAL_SCHEMA, image_size
from mnist_lr.errors import ConfigError, InputError
from mnist_lr.readers import parse_csv_bytes, read_digits


def expected_frame(spark, source, images, labels):
    rows = [
        (f"{source}:{i}", None if labels is None else int(labels[i]), image.ravel().tolist())
        for i, image in enumerate(images)
    ]
    return spark.createDataFrame(rows, CANONICAL_SCHEMA)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_pair_is_read_into_the_canonical_dataset(spark, tmp_path, compress):
    images, labels = tiny_digits(5, side=3)
    write_idx_pair(tmp_path, "train", images, labels, compress=compress)

    inputs = read_digits(spark, str(tmp_path))

    assert inputs.test is None
    assert image_size(inputs.train.frame) == (3, 3)
    expected = expected_frame(spark, "train", images, labels)
    assert_df_equality(inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True)


@pytest.mark.parametrize("compress", [True, False])
def test_idx_file_is_read_in_slices_one_partition_each(spark, tmp_path, compress):
    images, labels = tiny_digits(11, side=3)
    write_idx_pair(tmp_path, "train", images, labels, compress=compress)

    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    assert frame.rdd.getNumPartitions() == 3
    assert sorted(frame.rdd.glom().map(len).collect()) == [3, 4, 4]
    expected = expected_frame(spark, "train", images, labels)
    assert_df_equality(frame, expected, ignore_row_order=True, ignore_metadata=True)


def idx_bytes(path, compress):
    data = path.read_bytes()
    return gzip.decompress(data) if compress else data


def write_idx_bytes(path, data, compress):
    path.write_bytes(gzip.compress(data) if compress else data)


# 9 images of 3x3 in 3 slices of 3: the header is 16 bytes, each slice 27 bytes of data.
@pytest.mark.parametrize("compress", [True, False])
@pytest.mark.parametrize(
    ("cut", "held"),
    [(-5, 76), (-40, 41)],
    ids=["in_the_last_slice", "before_the_last_slice_starts"],
)
def test_a_sliced_file_cut_short_fails_in_the_slice_that_meets_its_end(
    spark, tmp_path, cut, held, compress
):
    images, labels = tiny_digits(9, side=3)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels, compress=compress)
    write_idx_bytes(images_path, idx_bytes(images_path, compress)[:cut], compress)

    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    message = f"file:{images_path}: truncated: header says 9 items of 9 bytes (81 bytes of data)"
    with pytest.raises(Exception, match=re.escape(f"{message}, the file holds {held}")):
        frame.count()


@pytest.mark.parametrize("compress", [True, False])
def test_a_sliced_file_longer_than_its_header_says_is_refused(spark, tmp_path, compress):
    images, labels = tiny_digits(9, side=3)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels, compress=compress)
    write_idx_bytes(images_path, idx_bytes(images_path, compress) + bytes(3), compress)

    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    message = (
        f"file:{images_path}: longer than its header says: header says 9 items of 9 bytes "
        "(81 bytes of data), the file holds 84"
    )
    with pytest.raises(Exception, match=re.escape(message)):
        frame.count()


def partition_rows(frame, index):
    """The rows of one partition of ``frame``, computing that partition alone."""
    return frame.sparkSession.sparkContext.runJob(frame.rdd, list, [index])


def test_a_gzip_slice_resumes_a_stream_parked_before_it_and_checks_the_files_end(spark, tmp_path):
    images, labels = tiny_digits(9, side=3)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels)
    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    partition_rows(frame, 0)
    images_path.unlink()  # slice 2 can now only resume the stream slice 0 stopped with
    last = partition_rows(frame, 2)

    assert [row.image_id for row in last] == [f"train:{i}" for i in range(6, 9)]
    assert [row.pixels for row in last] == [image.ravel().tolist() for image in images[6:]]


def test_a_resumed_gzip_slice_refuses_a_file_longer_than_its_header_says(spark, tmp_path):
    images, labels = tiny_digits(9, side=3)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels)
    write_idx_bytes(images_path, idx_bytes(images_path, True) + bytes(3), True)
    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    partition_rows(frame, 0)
    images_path.unlink()

    with pytest.raises(Exception, match=re.escape(f"{images_path}: longer than its header says")):
        partition_rows(frame, 2)


def test_the_slice_that_ends_a_gzip_file_closes_the_streams_its_read_parked(spark, tmp_path):
    images, labels = tiny_digits(9, side=3)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels)
    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame
    partition_rows(frame, 0)
    partition_rows(frame, 0)  # two streams parked where slice 1 starts
    partition_rows(frame, 2)  # resumes one and closes the other
    images_path.unlink()

    with pytest.raises(Exception, match=re.escape(f"File file:{images_path} does not exist")):
        partition_rows(frame, 1)


def test_a_rewritten_gzip_file_is_read_anew_not_resumed_from_an_earlier_read(spark, tmp_path):
    images, labels = tiny_digits(9, side=3)
    write_idx_pair(tmp_path, "train", images, labels)
    partition_rows(read_digits(spark, str(tmp_path), partitions=3).train.frame, 0)
    new_images, _ = tiny_digits(9, side=3, seed=1)
    write_idx_pair(tmp_path, "train", new_images, labels)

    frame = read_digits(spark, str(tmp_path), partitions=3).train.frame

    # Collected in one job: chispa's comparison without row order sorts, and a sort's sampling
    # job would take the parked streams before the job that gives the rows.
    pixels = {row.image_id: row.pixels for row in frame.collect()}
    assert pixels == {f"train:{i}": image.ravel().tolist() for i, image in enumerate(new_images)}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda data: data[:-1], "truncated: header says 4 items of 1 bytes (4 bytes of data)"),
        (lambda data: data + b"\x01", "longer than its header says: header says 4 items of 1 "),
        (lambda data: data[:-2] + b"\x0c" + data[-1:], "label 12 at index 2 is outside 0..9"),
    ],
    ids=["truncated", "longer", "label_12"],
)
@pytest.mark.parametrize("compress", [True, False])
def test_a_bad_labels_file_fails_on_the_executor_with_the_file_named(
    spark, tmp_path, change, message, compress
):
    images, labels = tiny_digits(4, side=3)
    _, labels_path = write_idx_pair(tmp_path, "train", images, labels, compress=compress)
    write_idx_bytes(labels_path, change(idx_bytes(labels_path, compress)), compress)

    frame = read_digits(spark, str(tmp_path), partitions=2).train.frame

    with pytest.raises(Exception, match=re.escape(f"file:{labels_path}: {message}")):
        frame.count()


def test_corrupt_gzip_data_fails_on_the_executor_with_the_file_named(spark, tmp_path):
    # Random pixels do not compress: the file is larger than the header the driver reads.
    images_path, _ = write_idx_pair(tmp_path, "train", *tiny_digits(20, side=28))
    data = bytearray(images_path.read_bytes())
    data[-30:-10] = bytes(20)  # the header decompresses; the stream's end does not
    images_path.write_bytes(bytes(data))

    frame = read_digits(spark, str(tmp_path)).train.frame

    with pytest.raises(Exception, match=re.escape(f"file:{images_path}: corrupt gzip data (")):
        frame.count()


def test_without_the_jar_idx_files_are_refused_with_how_to_build_and_pass_it(
    spark, tmp_path, monkeypatch
):
    write_idx_pair(tmp_path, "train", *tiny_digits(3))
    monkeypatch.setattr(readers, "JVM_IDX_READER", "mnist_lr.NotOnTheClasspath")

    with pytest.raises(
        ConfigError, match="cannot load mnist_lr.NotOnTheClasspath: dist/mnist_lr.jar"
    ) as error:
        read_digits(spark, str(tmp_path))
    assert error.value.hint.startswith("build it with `make jar`")


def test_gzip_is_told_by_its_magic_number_not_by_the_file_name(spark, tmp_path):
    images, labels = tiny_digits(5, side=3)
    gzip_images, raw_labels = write_idx_pair(tmp_path / "a", "train", images, labels)
    gzip_images.rename(gzip_images.with_suffix(""))  # gzip data without .gz
    raw_labels.write_bytes(gzip.decompress(raw_labels.read_bytes()))  # raw data named .gz

    frame = read_digits(spark, str(tmp_path / "a"), partitions=2).train.frame

    expected = expected_frame(spark, "train", images, labels)
    assert_df_equality(frame, expected, ignore_row_order=True, ignore_metadata=True)


@pytest.mark.parametrize(
    ("dims", "message"),
    [
        ((2**31, 1, 1), "header says 2147483648 images; the IDX reader takes at most 2147483639"),
        ((1, 8192, 8192), "images of 8192x8192 pixels; the IDX reader takes at most 16777216"),
    ],
    ids=["count", "image_size"],
)
def test_headers_beyond_what_the_reader_holds_are_refused_on_the_driver(
    spark, tmp_path, dims, message
):
    header = struct.pack(">HBB3I", 0, 8, 3, *dims)
    (tmp_path / "train-images-idx3-ubyte").write_bytes(header + bytes(64))
    (tmp_path / "train-labels-idx1-ubyte").write_bytes(struct.pack(">HBBI", 0, 8, 1, dims[0]))

    with pytest.raises(InputError, match=re.escape(message)):
        read_digits(spark, str(tmp_path))


@pytest.mark.parametrize(
    ("train", "test"), [("train", "t10k"), ("emnist-digits-train", "emnist-digits-test")]
)
def test_t10k_pair_beside_train_is_the_test_set(spark, tmp_path, train, test):
    write_idx_pair(tmp_path, train, *tiny_digits(4, seed=1))
    test_images, test_labels = tiny_digits(3, seed=2)
    write_idx_pair(tmp_path, test, test_images, test_labels)

    inputs = read_digits(spark, str(tmp_path))

    assert inputs.train.frame.count() == 4
    expected = expected_frame(spark, test, test_images, test_labels)
    assert_df_equality(inputs.test.frame, expected, ignore_row_order=True, ignore_metadata=True)


def test_a_test_input_is_read_whole_and_in_its_own_format(spark, tmp_path):
    train_images, train_labels = tiny_digits(4, seed=1)
    (tmp_path / "train").mkdir()
    (tmp_path / "train" / "digits.txt").write_text(csv_text(train_images, train_labels, False))
    write_idx_pair(tmp_path / "test", "train", *tiny_digits(3, seed=2))
    write_idx_pair(tmp_path / "test", "t10k", *tiny_digits(2, seed=3))

    inputs = read_digits(spark, str(tmp_path / "train"), "csv", test_path=str(tmp_path / "test"))

    assert inputs.train.frame.count() == 4
    assert sorted(row.image_id for row in inputs.test.frame.collect()) == [
        "t10k:0",
        "t10k:1",
        "train:0",
        "train:1",
        "train:2",
    ]
    assert [file.format for file in inputs.test.files] == ["idx"] * 4


def test_an_images_file_path_finds_its_labels_beside_it(spark, tmp_path):
    images_path, _ = write_idx_pair(tmp_path, "train", *tiny_digits(4))
    write_idx_pair(tmp_path, "t10k", *tiny_digits(2))

    inputs = read_digits(spark, str(images_path))

    assert inputs.test is None
    assert sorted(r.image_id for r in inputs.train.frame.collect()) == [
        f"train:{i}" for i in range(4)
    ]


def test_idx_images_without_labels_read_as_unlabeled_specimens(spark, tmp_path):
    images, labels = tiny_digits(3)
    images_path, labels_path = write_idx_pair(tmp_path, "new", images, labels)
    labels_path.unlink()

    with pytest.raises(InputError, match="no labels file beside it"):
        read_digits(spark, str(images_path))
    inputs = read_digits(spark, str(images_path), require_labels=False)
    expected = expected_frame(spark, "new", images, None)
    assert_df_equality(inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True)


def test_an_images_file_with_a_name_of_its_own_is_read_without_labels(spark, tmp_path):
    images, _ = tiny_digits(3)
    path = tmp_path / "new-specimens.ubyte"
    path.write_bytes(idx.encode(images))

    inputs = read_digits(spark, str(path), "idx", require_labels=False)

    expected = expected_frame(spark, "new-specimens.ubyte", images, None)
    assert_df_equality(inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True)


def test_header_problems_are_found_in_the_driver_before_any_job(spark, tmp_path):
    images, labels = tiny_digits(4)
    images_path, labels_path = write_idx_pair(tmp_path, "train", images, labels[:3])
    with pytest.raises(InputError, match="header says 4 images but .* says 3 labels"):
        read_digits(spark, str(tmp_path))
    images_path.write_bytes(gzip.compress(b"\x00\x00\x08\x07" + bytes(40)))
    with pytest.raises(InputError, match="has 7 dimensions"):
        read_digits(spark, str(tmp_path))


def test_truncated_data_fails_on_the_executor_with_the_file_named(spark, tmp_path):
    images, labels = tiny_digits(4)
    images_path, _ = write_idx_pair(tmp_path, "train", images, labels, compress=False)
    images_path.write_bytes(images_path.read_bytes()[:-5])

    inputs = read_digits(spark, str(tmp_path))
    with pytest.raises(Exception, match=re.escape(f"file:{images_path}: truncated")):
        inputs.train.frame.count()


def test_a_bad_csv_file_on_the_executor_is_named_by_its_full_path_and_row(spark, tmp_path):
    # The same name in train/ and test/: only the full path tells which file is bad.
    images, labels = tiny_digits(3, side=2)
    for split in ("train", "test"):
        (tmp_path / split).mkdir()
        (tmp_path / split / "digits.csv").write_text(csv_text(images, labels, header=True))
    bad = tmp_path / "test" / "digits.csv"
    bad.write_text(bad.read_text().replace("\n2,", "\n2,0,", 1))  # row 3 gets a sixth column

    inputs = read_digits(spark, str(tmp_path))

    inputs.train.frame.count()
    with pytest.raises(
        Exception, match=re.escape(f"file:{bad}: wrong number of columns in row 3 (CSV parse")
    ):
        inputs.test.frame.count()


def test_test_images_of_another_size_are_refused(spark, tmp_path):
    write_idx_pair(tmp_path / "a", "train", *tiny_digits(4, side=2))
    write_idx_pair(tmp_path / "b", "t10k", *tiny_digits(4, side=3))
    with pytest.raises(InputError, match="test images are 3x3 but training images are 2x2"):
        read_digits(spark, str(tmp_path / "a"), test_path=str(tmp_path / "b"))


def test_missing_path_and_empty_directory_are_refused(spark, tmp_path):
    with pytest.raises(InputError, match="input path does not exist"):
        read_digits(spark, str(tmp_path / "absent"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="holds no data files"):
        read_digits(spark, str(tmp_path / "empty"))


def test_unknown_file_names_ask_for_format(spark, tmp_path):
    (tmp_path / "digits.bin").write_bytes(b"123")
    with pytest.raises(InputError, match="pass --format"):
        read_digits(spark, str(tmp_path))


def csv_text(images, labels, header):
    lines = [",".join(["label"] + [f"pixel{i}" for i in range(images[0].size)])] if header else []
    lines += [
        ",".join(map(str, [lab, *img.ravel()])) for img, lab in zip(images, labels, strict=True)
    ]
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("header", [True, False])
def test_csv_with_or_without_header_is_read(spark, tmp_path, header):
    images, labels = tiny_digits(4, side=2)
    (tmp_path / "digits.csv").write_text(csv_text(images, labels, header))

    inputs = read_digits(spark, str(tmp_path))

    expected = expected_frame(spark, "digits", images, labels)
    assert image_size(inputs.train.frame) == (2, 2)
    assert_df_equality(inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True)


# Hadoop's path strings keep these as they are; a URI must escape them, a glob reads them.
AWKWARD_FOLDER = "my digits #1 %41 é"


def test_idx_files_in_a_folder_with_spaces_and_uri_characters_are_read(spark, tmp_path):
    folder = tmp_path / AWKWARD_FOLDER
    images, labels = tiny_digits(5, side=3)
    write_idx_pair(folder, "train", images, labels, compress=True)

    frame = read_digits(spark, str(folder)).train.frame

    expected = expected_frame(spark, "train", images, labels)
    assert_df_equality(frame, expected, ignore_row_order=True, ignore_metadata=True)


def test_csv_files_named_like_globs_are_each_read_once_under_their_own_names(spark, tmp_path):
    folder = tmp_path / AWKWARD_FOLDER
    folder.mkdir()
    images, labels = tiny_digits(3, side=2)
    stems = ["seven[1]", "seven1", "d x", "a*"]
    for stem in stems:
        (folder / f"{stem}.csv").write_text(csv_text(images, labels, header=False))

    frame = read_digits(spark, str(folder)).train.frame

    expected = expected_frame(spark, stems[0], images, labels)
    for stem in stems[1:]:
        expected = expected.unionByName(expected_frame(spark, stem, images, labels))
    assert_df_equality(frame, expected, ignore_row_order=True, ignore_metadata=True)


def test_a_csv_file_beside_its_own_gzip_copy_is_refused(spark, tmp_path):
    text = csv_text(*tiny_digits(3), header=False)
    (tmp_path / "digits.csv").write_text(text)
    (tmp_path / "digits.csv.gz").write_bytes(gzip.compress(text.encode()))
    with pytest.raises(InputError, match="digits.csv and digits.csv.gz would give their digits"):
        read_digits(spark, str(tmp_path))


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("3,1,2,3\n", "wrong number of columns in row 1 "),
        ("label,a,b,c,d\n3,1,2,3,4\n\n3,1,2,3,4,5\n", "wrong number of columns in row 2 "),
        ("3,1,2,x,4\n", "non-numeric cell"),
        ("3,1,2,,4\n", "empty cell in row 1"),
        ("3,1,2,3,4\n7,1,256,3,4\n", "pixel value outside 0..255 in row 2"),
        ("11,1,2,3,4\n", "label 11 outside 0..9 in row 1"),
        ("label,a,b,c,d\n", "no data rows"),
    ],
)
def test_csv_problems_name_the_file_and_row(text, message):
    with pytest.raises(InputError, match=message) as error:
        parse_csv_bytes(text.encode(), "digits.csv", 4, labelled=True)
    assert str(error.value).startswith("digits.csv: ")


@pytest.mark.parametrize(
    ("text", "rows"),
    [
        ('"3","1","2","3","4"\n"7","5","6","7","8"\n', [[3, 1, 2, 3, 4], [7, 5, 6, 7, 8]]),
        ("0,1,2,3,4\n3,1,2,3,4\n", [[3, 1, 2, 3, 4]]),  # pandas' default header: column numbers
        ('"label","a","b","c","d"\n3,1,2,3,4\n', [[3, 1, 2, 3, 4]]),
    ],
)
def test_quoted_cells_and_numbered_headers_are_told_from_digits(text, rows):
    assert parse_csv_bytes(text.encode(), "digits.csv", 4, labelled=True).tolist() == rows


def test_a_csv_header_longer_than_the_first_read_is_found(spark, tmp_path):
    # Kaggle's MNIST CSV: label,pixel0,...,pixel783, a 6,951-byte header.
    images, labels = tiny_digits(3, side=28)
    kaggle = ",".join(["label", *(f"pixel{i}" for i in range(784))])
    rows = [
        ",".join(map(str, [lab, *img.ravel()])) for img, lab in zip(images, labels, strict=True)
    ]
    (tmp_path / "train.csv").write_text("\n".join([kaggle, *rows]) + "\n")

    inputs = read_digits(spark, str(tmp_path))

    assert len(kaggle) == 6951
    expected = expected_frame(spark, "train", images, labels)
    assert_df_equality(inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("1,2,3,4\n5,6,7,8\n", "digits.csv: no label column (4 columns)"),
        (
            "3,1,2\n7,4,5\n",
            "digits.csv: 3 columns; expected a label then a square image's pixels "
            "(785 for 28x28 MNIST)",
        ),
    ],
    ids=["square_without_label", "neither_layout"],
)
def test_csv_whose_columns_are_not_a_label_and_a_square_image_is_refused(
    spark, tmp_path, text, message
):
    (tmp_path / "digits.csv").write_text(text)
    with pytest.raises(InputError, match=re.escape(message)):
        read_digits(spark, str(tmp_path))


def test_empty_csv_is_refused(spark, tmp_path):
    (tmp_path / "digits.csv").write_text("")
    with pytest.raises(InputError, match="empty CSV file"):
        read_digits(spark, str(tmp_path))


@pytest.mark.parametrize(
    ("empty_name", "kind"),
    [
        ("b.csv", "CSV"),
        ("t10k-labels-idx1-ubyte.gz", "IDX"),
        ("part-99999-empty.parquet", "Parquet"),
    ],
)
def test_an_empty_file_beside_others_is_refused_in_every_format(spark, tmp_path, empty_name, kind):
    # Spark's binaryFile and Parquet sources skip empty files without a word.
    images, labels = tiny_digits(4, side=2)
    folder = tmp_path / kind
    if kind == "CSV":
        folder.mkdir()
        (folder / "a.csv").write_text(csv_text(images, labels, header=False))
    elif kind == "IDX":
        write_idx_pair(folder, "train", images, labels)
        write_idx_pair(folder, "t10k", images, labels)
    else:
        write_idx_pair(tmp_path / "idx", "train", images, labels)
        read_digits(spark, str(tmp_path / "idx")).train.frame.write.parquet(str(folder))
    (folder / empty_name).write_bytes(b"")

    with pytest.raises(
        InputError, match=re.escape(f"file:{folder / empty_name}: empty {kind} file")
    ):
        read_digits(spark, str(folder))


def test_a_gzip_file_cut_before_its_first_idx_byte_is_called_truncated(spark, tmp_path):
    images_path, _ = write_idx_pair(tmp_path, "train", *tiny_digits(4))
    images_path.write_bytes(images_path.read_bytes()[:10])
    with pytest.raises(
        InputError, match=re.escape(f"file:{images_path}: truncated gzip data: the file ends")
    ):
        read_digits(spark, str(tmp_path))


def test_a_csv_separated_by_semicolons_is_refused_with_the_separator_named(spark, tmp_path):
    text = csv_text(*tiny_digits(3, side=2), header=False).replace(",", ";")
    (tmp_path / "digits.csv").write_text(text)
    with pytest.raises(
        InputError,
        match=re.escape(
            f"file:{tmp_path}/digits.csv: no comma in its first line, but semicolons; "
            "CSV files must be comma-separated"
        ),
    ):
        read_digits(spark, str(tmp_path))


def test_a_format_that_does_not_match_the_files_names_the_format_they_have(spark, tmp_path):
    images, labels = tiny_digits(3, side=2)
    images_path, _ = write_idx_pair(tmp_path / "idx", "train", images, labels)
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "digits.csv").write_text(csv_text(images, labels, header=False))

    with pytest.raises(
        InputError,
        match=re.escape(
            f"file:{images_path}: an IDX file, not CSV (it starts with the IDX magic number "
            "0x00000803); IDX files are read with --format idx"
        ),
    ):
        read_digits(spark, str(tmp_path / "idx"), "csv")
    with pytest.raises(
        InputError,
        match=re.escape(
            f"file:{tmp_path}/csv/digits.csv: not an IDX file but text (it starts with '0,"
        ),
    ):
        read_digits(spark, str(tmp_path / "csv"), "idx")


def test_real_mnist_test_set(spark, shared_mnist):
    inputs = read_digits(spark, str(shared_mnist))
    frame = inputs.train.frame

    assert inputs.test is None
    assert (inputs.train.height, inputs.train.width) == (28, 28)
    counts = dict(frame.groupBy("label").count().collect())
    assert sum(counts.values()) == 10_000
    assert (counts[3], counts[7]) == (1010, 1028)
    first = frame.filter(
        "image_id in ('t10k:0','t10k:1','t10k:2','t10k:3','t10k:4',"
        "'t10k:5','t10k:6','t10k:7','t10k:8','t10k:9')"
    ).collect()
    labels = [row.label for row in sorted(first, key=lambda r: int(r.image_id.split(":")[1]))]
    assert labels == [7, 2, 1, 0, 4, 1, 4, 9, 5, 9]
    assert all(len(row.pixels) == 784 and max(row.pixels) <= 255 for row in first)
    assert max(first[0].pixels) > 200


def test_keep_labels_drops_other_digits_while_parsing_and_keeps_ids(spark, tmp_path):
    images, labels = tiny_digits(25, side=2)
    write_idx_pair(tmp_path / "idx", "train", images, labels)
    (tmp_path / "csv").mkdir()
    (tmp_path / "csv" / "d.csv").write_text(csv_text(images, labels, header=False))

    for source, name in (("idx", "train"), ("csv", "d")):
        inputs = read_digits(spark, str(tmp_path / source), keep_labels=(3, 7))
        kept = [i for i in range(25) if labels[i] in (3, 7)]
        expected = expected_frame(spark, name, images[kept], labels[kept]).replace(
            [f"{name}:{j}" for j in range(len(kept))], [f"{name}:{i}" for i in kept], "image_id"
        )
        assert_df_equality(
            inputs.train.frame, expected, ignore_row_order=True, ignore_metadata=True
        )
