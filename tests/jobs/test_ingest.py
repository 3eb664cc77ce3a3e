import json

import ingest as ingest_job
import pytest
import train as train_job
from chispa import assert_df_equality
from mnist_files import tiny_digits, write_idx_pair

from mnist_lr.dataset import CANONICAL_SCHEMA, image_size
from mnist_lr.readers import read_digits

# The jobs run in-process on the suite's session (local[2], the project's jar on its classpath),
# never on a session with Spark's defaults that a job would create if it ran first.
pytestmark = pytest.mark.usefixtures("spark")


def run_ingest(*args: str) -> int:
    return ingest_job.run(ingest_job.main, ingest_job.parser(), [*args])


def test_idx_with_test_files_becomes_train_and_test_parquet(spark, tmp_path, capsys):
    write_idx_pair(tmp_path / "idx", "train", *tiny_digits(40, side=3, seed=1))
    write_idx_pair(tmp_path / "idx", "t10k", *tiny_digits(20, side=3, seed=2))

    assert run_ingest("--input", str(tmp_path / "idx"), "--output", str(tmp_path / "ds")) == 0
    assert capsys.readouterr().out.endswith(" (train 40 rows, test 20 rows)\n")

    direct = read_digits(spark, str(tmp_path / "idx"))
    for split, dataset in (("train", direct.train), ("test", direct.test)):
        written = spark.read.parquet(str(tmp_path / "ds" / split))
        assert image_size(written) == (3, 3)
        assert_df_equality(written, dataset.frame, ignore_row_order=True, ignore_nullable=True)
    manifest = json.loads((tmp_path / "ds" / "_manifest.json").read_text())
    assert manifest["image_height"] == 3 and set(manifest["sources"]) == {"train", "test"}

    from_parquet = read_digits(spark, str(tmp_path / "ds"))
    assert_df_equality(
        from_parquet.test.frame, direct.test.frame, ignore_row_order=True, ignore_nullable=True
    )


def test_csv_becomes_one_dataset_that_training_reads(spark, tmp_path):
    images, labels = tiny_digits(60, side=2)
    rows = [
        ",".join(map(str, [lab, *img.ravel()])) for img, lab in zip(images, labels, strict=True)
    ]
    (tmp_path / "digits.csv").write_text("\n".join(rows) + "\n")

    assert (
        run_ingest("--input", str(tmp_path / "digits.csv"), "--output", str(tmp_path / "ds")) == 0
    )
    written = spark.read.parquet(str(tmp_path / "ds"))
    assert written.count() == 60 and image_size(written) == (2, 2)

    code = train_job.run(
        train_job.main,
        train_job.parser(),
        [
            "--input",
            str(tmp_path / "ds"),
            "--output",
            str(tmp_path / "runs"),
            "--run-id",
            "r",
            "--set",
            "split.test_fraction=0.5",
            "--set",
            "logistic_regression.max_iter=5",
        ],
    )
    assert code == 0
    manifest = json.loads((tmp_path / "runs" / "r" / "manifest.json").read_text())
    assert manifest["inputs"]["train"]["files"][0]["format"] == "parquet"
    assert (
        sum(manifest["rows_per_digit"]["train"].values())
        + sum(manifest["rows_per_digit"]["test"].values())
        == 12
    )


def test_images_without_labels_are_ingested_only_when_allowed(spark, tmp_path, capsys):
    images, labels = tiny_digits(3, side=2)
    _, labels_path = write_idx_pair(tmp_path / "idx", "new", images, labels)
    labels_path.unlink()
    args = ["--input", str(tmp_path / "idx"), "--output", str(tmp_path / "ds")]

    assert run_ingest(*args) == 2
    assert "no labels file beside it" in capsys.readouterr().err
    assert run_ingest(*args, "--allow-unlabeled") == 0

    written = spark.read.parquet(str(tmp_path / "ds"))
    assert image_size(written) == (2, 2)
    expected = spark.createDataFrame(
        [(f"new:{i}", None, image.ravel().tolist()) for i, image in enumerate(images)],
        CANONICAL_SCHEMA,
    )
    assert_df_equality(
        written, expected, ignore_row_order=True, ignore_nullable=True, ignore_metadata=True
    )


def test_existing_dataset_is_refused(tmp_path, capsys):
    write_idx_pair(tmp_path / "idx", "train", *tiny_digits(10))
    (tmp_path / "ds").mkdir()
    (tmp_path / "ds" / "_manifest.json").write_text("{}")
    assert run_ingest("--input", str(tmp_path / "idx"), "--output", str(tmp_path / "ds")) == 2
    err = capsys.readouterr().err
    assert "already published (pass --overwrite" in err
    assert "hint: choose another --output, or pass --overwrite" in err


@pytest.mark.parametrize("overwrite", [[], ["--overwrite"]])
def test_ingest_never_replaces_what_it_did_not_publish_not_even_its_own_input(
    tmp_path, capsys, overwrite
):
    images, labels = write_idx_pair(tmp_path / "idx", "train", *tiny_digits(10))
    before = {path: path.read_bytes() for path in (images, labels)}
    args = ["--input", str(tmp_path / "idx"), "--output", str(tmp_path / "idx"), *overwrite]

    assert run_ingest(*args) == 2

    err = capsys.readouterr().err
    assert "idx: exists and holds no _manifest.json, so it is not an output of this job" in err
    assert {path: path.read_bytes() for path in before} == before
    assert sorted(p.name for p in (tmp_path / "idx").iterdir()) == sorted(p.name for p in before)
