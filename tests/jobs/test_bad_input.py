"""Every bad input, for every job that reads it: one clear error line, exit 2, nothing published.

The jobs run in-process on the suite's Spark session (a spark-submit per case would cost ~20 s);
tests/jobs/test_train.py checks once through spark-submit that such an error prints one line.
"""

import gzip
import json
import struct
from pathlib import Path

import ingest as ingest_job
import numpy as np
import pytest
import score as score_job
import train as train_job
from drawn import drawn_seven
from mnist_files import assert_one_error_line, tiny_digits, write_idx_pair

from mnist_lr import idx, stages

# The jobs run in-process on the suite's session (local[2], the project's jar on its classpath),
# never on a session with Spark's defaults that a job would create if it ran first.
pytestmark = pytest.mark.usefixtures("spark")

IMAGES = "train-images-idx3-ubyte"
LABELS = "train-labels-idx1-ubyte"


def idx_input(
    directory: Path, side: int, images: bytes | None = None, labels: bytes | None = None
) -> Path:
    """A train pair of 40 digits, with either file replaced by the bytes given."""
    good_images, good_labels = tiny_digits(40, side=side)
    directory.mkdir(parents=True)
    (directory / IMAGES).write_bytes(images if images is not None else idx.encode(good_images))
    (directory / LABELS).write_bytes(labels if labels is not None else idx.encode(good_labels))
    return directory


def csv_input(directory: Path, text: str) -> Path:
    directory.mkdir(parents=True)
    (directory / "digits.csv").write_text(text)
    return directory


def csv_rows(side: int, cell: str | None = None, last_row_columns: int | None = None) -> str:
    """20 good rows, then one whose second pixel is ``cell`` or cut to a column count."""
    images, labels = tiny_digits(21, side=side)
    rows = [[str(v) for v in [lab, *img.ravel()]] for img, lab in zip(images, labels, strict=True)]
    if cell is not None:
        rows[-1][2] = cell
    if last_row_columns is not None:
        rows[-1] = rows[-1][:last_row_columns]
    return "\n".join(",".join(row) for row in rows) + "\n"


def header(data_type: int, ndim: int, *dims: int) -> bytes:
    return struct.pack(">HBB", 0, data_type, ndim) + struct.pack(f">{ndim}I", *dims)


def corrupt_gzip(side: int) -> bytes:
    """A gzip stream whose header decodes but whose checksum at the end is wrong."""
    data = bytearray(gzip.compress(idx.encode(tiny_digits(40, side=side)[0])))
    data[-8:-4] = bytes(4)
    return bytes(data)


GOOD = object()  # the last row keeps its own pixels
NO_PIXELS = None


def parquet_input(
    directory: Path, side: int, last_pixels=GOOD, last_label: int = 3, last_id: str | None = "d:19"
) -> Path:
    """A dataset of 20 digits in the canonical columns, as Spark writes it, whose last row has
    the id, the label and (unless GOOD) the pixels given; any column may hold nulls, as in a
    dataset written elsewhere."""
    from pyspark.sql import SparkSession
    from pyspark.sql.types import StructField, StructType

    from mnist_lr.dataset import CANONICAL_SCHEMA, with_image_size

    images, labels = tiny_digits(20, side=side)
    rows = [
        (f"d:{i}", int(lab), img.ravel().tolist())
        for i, (img, lab) in enumerate(zip(images, labels, strict=True))
    ]
    rows[-1] = (last_id, last_label, rows[-1][2] if last_pixels is GOOD else last_pixels)
    nullable = StructType([StructField(f.name, f.dataType, True) for f in CANONICAL_SCHEMA])
    frame = SparkSession.getActiveSession().createDataFrame(rows, nullable)
    with_image_size(frame, side, side).coalesce(1).write.parquet(str(directory))
    return directory


# Each case: a function making the input under a folder for images of a given side, and the
# text the error line must hold, in which {dir} stands for that folder's full path, as Hadoop
# writes it (file:/...).
CASES = {
    "unknown file system scheme": (
        lambda d, s: "nosuch://host/digits",
        'UnsupportedFileSystemException: No FileSystem for scheme "nosuch"',
    ),
    "missing path": (lambda d, s: d / "absent", "input path does not exist"),
    "empty directory": (lambda d, s: (d.mkdir(), d)[1], "directory holds no data files"),
    "unreadable file (dangling link)": (
        lambda d, s: (d.mkdir(), (d / "x.csv").symlink_to("/nonexistent/x.csv"), d / "x.csv")[2],
        "input path does not exist",
    ),
    "idx wrong magic": (
        lambda d, s: idx_input(d, s, images=b"\x12\x34\x08\x03" + bytes(12)),
        "{dir}/train-images-idx3-ubyte: wrong magic number 0x12340803",
    ),
    "idx data type not unsigned byte": (
        lambda d, s: idx_input(d, s, images=header(0x0D, 3, 40, s, s) + bytes(40 * s * s * 4)),
        "{dir}/train-images-idx3-ubyte: IDX data type is float",
    ),
    "idx truncated data": (
        lambda d, s: idx_input(d, s, images=idx.encode(tiny_digits(40, side=s)[0])[:-3]),
        "{dir}/train-images-idx3-ubyte: truncated: header says 40 items",
    ),
    "idx header count disagrees with bytes": (
        lambda d, s: idx_input(
            d, s, images=header(8, 3, 30, s, s) + bytes(40 * s * s), labels=idx.encode(np.zeros(30))
        ),
        "{dir}/train-images-idx3-ubyte: longer than its header says",
    ),
    "idx images and labels counts differ": (
        lambda d, s: idx_input(d, s, labels=idx.encode(np.zeros(39, np.uint8))),
        "{dir}/train-images-idx3-ubyte: header says 40 images but {dir}/train-labels",
    ),
    "idx labels outside 0..9": (
        lambda d, s: idx_input(d, s, labels=idx.encode(np.full(40, 12, np.uint8))),
        "{dir}/train-labels-idx1-ubyte: label 12 at index 0 is outside 0..9",
    ),
    "idx train and test image sizes differ": (
        lambda d, s: (
            write_idx_pair(d, "train", *tiny_digits(40, side=s)),
            write_idx_pair(d, "t10k", *tiny_digits(20, side=s + 1)),
            d,
        )[2],
        "test images are",
    ),
    "idx empty file beside others": (
        lambda d, s: (idx_input(d, s), (d / "t10k-images-idx3-ubyte").write_bytes(b""), d)[2],
        "{dir}/t10k-images-idx3-ubyte: empty IDX file",
    ),
    "idx gzip cut inside its own header": (
        lambda d, s: idx_input(d, s, images=gzip.compress(idx.encode(tiny_digits(40, s)[0]))[:10]),
        "{dir}/train-images-idx3-ubyte: truncated gzip data: the file ends after 10 bytes",
    ),
    "idx corrupt gzip": (
        lambda d, s: idx_input(d, s, images=corrupt_gzip(s)),
        "{dir}/train-images-idx3-ubyte: corrupt gzip data",
    ),
    "csv wrong number of columns": (
        lambda d, s: csv_input(d, csv_rows(s, last_row_columns=3)),
        "{dir}/digits.csv: wrong number of columns in row 21 (CSV parse error: Expected",
    ),
    "csv non-numeric cell": (
        lambda d, s: csv_input(d, csv_rows(s, "x")),
        "{dir}/digits.csv: non-numeric cell",
    ),
    "csv pixel outside 0..255": (
        lambda d, s: csv_input(d, csv_rows(s, "300")),
        "{dir}/digits.csv: pixel value outside 0..255 in row 21",
    ),
    "csv empty cell": (
        lambda d, s: csv_input(d, csv_rows(s, "")),
        "{dir}/digits.csv: empty cell in row 21",
    ),
    "csv empty file": (lambda d, s: csv_input(d, ""), "{dir}/digits.csv: empty CSV file"),
    "csv empty file beside another": (
        lambda d, s: (csv_input(d, csv_rows(s)), (d / "e.csv").write_text(""), d)[2],
        "{dir}/e.csv: empty CSV file",
    ),
    "csv separated by semicolons": (
        lambda d, s: csv_input(d, csv_rows(s).replace(",", ";")),
        "{dir}/digits.csv: no comma in its first line, but semicolons; CSV files must be "
        "comma-separated",
    ),
    "csv header only": (
        lambda d, s: csv_input(d, ",".join(["label"] + [f"p{i}" for i in range(s * s)]) + "\n"),
        "{dir}/digits.csv: no data rows",
    ),
    "parquet pixel array of the wrong length": (
        lambda d, s: parquet_input(d, s, last_pixels=[0, 0, 0]),
        ".parquet: image d:19 has 3 pixels; expected",
    ),
    "parquet pixel without a value": (
        lambda d, s: parquet_input(d, s, last_pixels=[0] * (s * s - 1) + [None]),
        ".parquet: image d:19 has a pixel with no value",
    ),
    "parquet pixel outside 0..255": (
        lambda d, s: parquet_input(d, s, last_pixels=[256] + [0] * (s * s - 1)),
        ".parquet: image d:19 has a pixel outside 0..255",
    ),
    "parquet image without pixels": (
        lambda d, s: parquet_input(d, s, last_pixels=NO_PIXELS),
        ".parquet: image d:19 has no pixels",
    ),
    "parquet image without an id": (
        lambda d, s: parquet_input(d, s, last_id=None),
        ".parquet: image without an id cannot be traced: its image_id is null",
    ),
    "parquet image without an id and with a bad pixel array": (
        lambda d, s: parquet_input(d, s, last_pixels=[0, 0, 0], last_id=None),
        ".parquet: image without an id has 3 pixels",
    ),
    "parquet empty file beside others": (
        lambda d, s: (parquet_input(d, s), (d / "part-99999-empty.parquet").write_bytes(b""), d)[2],
        "{dir}/part-99999-empty.parquet: empty Parquet file",
    ),
    "parquet label outside 0..9": (
        lambda d, s: parquet_input(d, s, last_label=12),
        ".parquet: image d:19 has label 12",
    ),
}


def run_job(job, args: list[str]) -> int:
    return job.run(job.main, job.parser(), args)


def nothing_published(root: Path) -> bool:
    return not root.exists() or not [p for p in root.rglob("*") if p.is_file()]


@pytest.mark.parametrize("case", CASES)
@pytest.mark.parametrize("job_name", ["ingest", "train", "score"])
def test_bad_input_is_one_error_line_and_nothing_is_published(
    job_name, case, tmp_path, capsys, request
):
    make_input, message = CASES[case]
    side = 28 if job_name == "score" else 2  # specimens must fit the model's 28x28 first
    source = make_input(tmp_path / "in", side)
    output = tmp_path / "out"
    if job_name == "ingest":
        code = run_job(ingest_job, ["--input", str(source), "--output", str(output / "ds")])
    elif job_name == "train":
        code = run_job(
            train_job, ["--input", str(source), "--output", str(output), "--run-id", "r"]
        )
    else:
        run, _ = request.getfixturevalue("published_run")
        code = run_job(
            score_job, ["--run", str(run), "--input", str(source), "--output", str(output / "s")]
        )
    assert code == 2
    assert_one_error_line(capsys, message.format(dir=f"file:{tmp_path / 'in'}"))
    assert nothing_published(output)


def test_an_empty_image_beside_a_good_one_is_a_bad_image(published_run, tmp_path, capsys):
    # Spark's binaryFile source skips empty files: the job scored the good image alone.
    run, _ = published_run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "in" / "empty.png").write_bytes(b"")
    args = ["--run", str(run), "--input", str(tmp_path / "in")]

    assert run_job(score_job, [*args, "--output", str(tmp_path / "f")]) == 2
    assert_one_error_line(
        capsys, f"file:{tmp_path}/in/empty.png: not a decodable image: the file is empty"
    )
    assert not (tmp_path / "f").exists()

    code = run_job(score_job, [*args, "--output", str(tmp_path / "s"), "--on-bad-image", "skip"])
    assert code == 0
    assert capsys.readouterr().out.splitlines()[0].endswith("; 1 unreadable image skipped")
    summary = json.loads((tmp_path / "s" / "_score.json").read_text())["summary"]
    assert (summary["specimens"], summary["skipped_images"]) == (1, ["empty.png"])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--digits", "3,3"], "--digits 3,3: the two digits must differ"),
        (["--digits", "3,12"], "--digits 3,12: digits.positive = 12 is out of range"),
        (["--digits", "three,7"], "expected two digits like 3,7"),
        (
            ["--set", "logistic_regression.reg_parm=0.1"],
            "--set logistic_regression.reg_parm=0.1: unknown key 'logistic_regression.reg_parm'",
        ),
        (
            ["--set", "logistic_regression.max_iter=ten"],
            "--set logistic_regression.max_iter=ten: logistic_regression.max_iter must be int",
        ),
        (
            ["--set", "logistic_regression.reg_param=-1"],
            "--set logistic_regression.reg_param=-1: logistic_regression.reg_param = -1.0 is out",
        ),
        (
            ["--set", "logistic_regression.elastic_net_param=2"],
            "--set logistic_regression.elastic_net_param=2: logistic_regression.elastic_net_param",
        ),
        (
            ["--set", "logistic_regression.max_iter=0"],
            "--set logistic_regression.max_iter=0: logistic_regression.max_iter = 0 is out",
        ),
        (["--run-id", "../escape"], "use letters, digits"),
    ],
)
@pytest.mark.usefixtures("spark_forbidden")
def test_bad_options_are_refused_before_spark_starts(args, message, tmp_path, capsys):
    code = run_job(train_job, ["--input", str(tmp_path), "--output", str(tmp_path / "o"), *args])
    assert code == 2
    assert_one_error_line(capsys, message)


@pytest.mark.parametrize(
    ("labels", "digits", "message"),
    [
        ([3, 7, 1] * 10, "3,8", "the train split has no digit 8 (digits 3,8 chosen)"),
        ([3] * 30, "3,7", "the train split has no digit 7 (digits 3,7 chosen)"),
    ],
)
def test_absent_digits_are_refused_before_fitting(labels, digits, message, tmp_path, capsys):
    images, _ = tiny_digits(len(labels), side=2)
    write_idx_pair(tmp_path / "in", "train", images, np.array(labels, np.uint8))
    args = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "o"), "--digits", digits]
    assert run_job(train_job, args) == 2
    assert_one_error_line(capsys, message)
    assert nothing_published(tmp_path / "o")


@pytest.mark.parametrize("job", [ingest_job, train_job])
def test_files_that_are_not_parquet_are_refused_under_format_parquet(job, tmp_path, capsys):
    source = csv_input(tmp_path / "in", csv_rows(2))
    args = ["--input", str(source), "--format", "parquet", "--output", str(tmp_path / "o" / "x")]
    assert run_job(job, args) == 2
    assert_one_error_line(capsys, "digits.csv: not a Parquet file (it does not start with PAR1)")
    assert nothing_published(tmp_path / "o")


def test_training_drops_bad_rows_of_other_digits_before_checking_their_pixels(tmp_path, capsys):
    # A row of 3 pixels where 4 are expected, labelled 5: training (digits 3 and 7) drops it.
    parquet_input(tmp_path / "in" / "train", 2, last_pixels=[0, 0, 0], last_label=5)
    parquet_input(tmp_path / "in" / "test", 2)
    args = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "o"), "--run-id", "r"]

    code = run_job(train_job, [*args, "--set", "logistic_regression.max_iter=5"])

    assert code == 0, capsys.readouterr().err
    manifest = json.loads((tmp_path / "o" / "r" / "manifest.json").read_text())
    assert manifest["rows_per_digit"]["train"] == {"3": 2, "7": 2}


def test_output_path_that_cannot_be_written_is_refused(tmp_path, capsys):
    write_idx_pair(tmp_path / "in", "train", *tiny_digits(40, side=2))
    (tmp_path / "file").write_text("not a directory")
    args = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "file" / "runs")]
    assert run_job(train_job, args) == 2
    assert_one_error_line(capsys, "output path is not writable")


def test_training_without_the_jar_says_how_to_get_it(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(stages, "JVM_PIXEL_FEATURES", "mnist_lr.NotOnTheClasspath")
    write_idx_pair(tmp_path / "in", "train", *tiny_digits(40, side=2))
    args = ["--input", str(tmp_path / "in"), "--output", str(tmp_path / "o")]
    assert run_job(train_job, args) == 2
    assert_one_error_line(
        capsys, "cannot load mnist_lr.NotOnTheClasspath: dist/mnist_lr.jar is not on"
    )
    assert nothing_published(tmp_path / "o")
