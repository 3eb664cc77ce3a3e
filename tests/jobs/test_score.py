import io
import json
import shutil

import numpy as np
import pandas as pd
import pytest
import score as score_job
from chispa import assert_df_equality
from drawn import drawn_seven, drawn_three
from mnist_files import assert_one_error_line, tiny_digits, write_idx_pair
from PIL import Image

from mnist_lr import idx

# The jobs run in-process on the suite's session (local[2], the project's jar on its classpath),
# never on a session with Spark's defaults that a job would create if it ran first.
pytestmark = pytest.mark.usefixtures("spark")

SCORE_COLUMNS = ["image_id", "predicted_digit", "probability", "margin", "label_digit"]
NOT_A_NUMBER = {"nan": np.nan, "plus_inf": np.inf, "minus_inf": -np.inf}


def run_score(*args: str) -> int:
    return score_job.run(score_job.main, score_job.parser(), [*args])


def float_tiff(corner_pixel: float) -> bytes:
    """A float (mode 'F') TIFF of a bright bar on black, with ``corner_pixel`` at (0, 0)."""
    values = np.zeros((28, 28), np.float32)
    values[6:22, 12:16] = 1.0
    values[0, 0] = corner_pixel
    buffer = io.BytesIO()
    Image.fromarray(values, mode="F").save(buffer, "TIFF")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def sample_arrays(mnist_sample):
    _, pixels, labels = idx.decode_pair(
        (mnist_sample / "train-images-idx3-ubyte.gz").read_bytes(),
        (mnist_sample / "train-labels-idx1-ubyte.gz").read_bytes(),
        "images",
        "labels",
    )
    return pixels, labels


def test_scoring_the_runs_own_input_reproduces_its_test_predictions(
    spark, published_run, mnist_sample, tmp_path, capsys
):
    run, _ = published_run
    code = run_score(
        "--run", str(run), "--input", str(mnist_sample), "--output", str(tmp_path / "s")
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "scored 5000 specimens with run e2e" in out
    assert "accuracy" in out and "4000 labelled as other digits" in out

    scored = spark.read.parquet(str(tmp_path / "s"))
    assert scored.columns == SCORE_COLUMNS
    stored = spark.read.parquet(str(run / "predictions")).filter("split = 'test'")
    assert_df_equality(
        scored.join(stored.select("image_id"), "image_id").select(SCORE_COLUMNS),
        stored.select(SCORE_COLUMNS),
        ignore_row_order=True,
        ignore_nullable=True,
    )
    record = json.loads((tmp_path / "s" / "_score.json").read_text())
    assert record["run_id"] == "e2e" and record["model_path"].endswith("/e2e/model")
    assert record["digit_mapping"] == {"0.0": 3, "1.0": 7}
    assert record["summary"]["labelled_other_digits"] == 4000
    assert scored.filter("predicted_digit not in (3, 7)").count() == 0


def test_idx_without_labels_and_csv_with_or_without_labels(
    spark, published_run, mnist_sample, sample_arrays, tmp_path, capsys
):
    run, _ = published_run
    (tmp_path / "idx").mkdir()
    shutil.copy(mnist_sample / "train-images-idx3-ubyte.gz", tmp_path / "idx")
    pixels, labels = sample_arrays
    rows = np.flatnonzero(np.isin(labels, [3, 7]))[::50]
    labelled = np.column_stack([labels[rows], pixels[rows]])
    (tmp_path / "csv").mkdir()
    np.savetxt(tmp_path / "csv" / "labelled.csv", labelled, fmt="%d", delimiter=",")
    (tmp_path / "csv_unlabelled").mkdir()
    np.savetxt(tmp_path / "csv_unlabelled" / "new.csv", pixels[rows], fmt="%d", delimiter=",")

    assert (
        run_score(
            "--run", str(run), "--input", str(tmp_path / "idx"), "--output", str(tmp_path / "a")
        )
        == 0
    )
    unlabelled = pd.read_parquet(tmp_path / "a")
    assert len(unlabelled) == 5000 and unlabelled.label_digit.isna().all()

    assert (
        run_score(
            "--run", str(run), "--input", str(tmp_path / "csv"), "--output", str(tmp_path / "b")
        )
        == 0
    )
    assert f"scored {len(rows)} specimens" in capsys.readouterr().out
    by_csv = pd.read_parquet(tmp_path / "b").sort_values(
        "image_id", key=lambda s: s.str.split(":").str[1].astype(int)
    )
    assert by_csv.label_digit.tolist() == labels[rows].tolist()
    assert (by_csv.predicted_digit == by_csv.label_digit).mean() > 0.9

    assert (
        run_score(
            "--run",
            str(run),
            "--input",
            str(tmp_path / "csv_unlabelled"),
            "--output",
            str(tmp_path / "c"),
        )
        == 0
    )
    no_labels = pd.read_parquet(tmp_path / "c").set_index("image_id")
    np.testing.assert_array_equal(
        no_labels.loc[[f"new:{i}" for i in range(len(rows))], "probability"],
        by_csv.set_index(by_csv.image_id.str.replace("labelled", "new")).loc[
            [f"new:{i}" for i in range(len(rows))], "probability"
        ],
    )


def test_canonical_parquet_is_scored(spark, published_run, mnist_sample, tmp_path):
    import ingest as ingest_job

    run, _ = published_run
    assert (
        ingest_job.run(
            ingest_job.main,
            ingest_job.parser(),
            ["--input", str(mnist_sample), "--output", str(tmp_path / "ds")],
        )
        == 0
    )
    assert (
        run_score(
            "--run", str(run), "--input", str(tmp_path / "ds"), "--output", str(tmp_path / "s")
        )
        == 0
    )
    scored = pd.read_parquet(tmp_path / "s")
    assert len(scored) == 5000 and set(scored.predicted_digit) == {3, 7}


def test_a_folder_of_drawn_digits_is_scored(published_run, tmp_path, capsys):
    run, _ = published_run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "in" / "three.jpg").write_bytes(drawn_three())
    (tmp_path / "in" / "broken.png").write_bytes(b"\x89PNG not really")

    code = run_score(
        "--run", str(run), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "f")
    )
    assert code == 2
    assert_one_error_line(
        capsys, f"error: file:{tmp_path / 'in' / 'broken.png'}: not a decodable image"
    )
    assert not (tmp_path / "f").exists()

    code = run_score(
        "--run",
        str(run),
        "--input",
        str(tmp_path / "in"),
        "--output",
        str(tmp_path / "s"),
        "--on-bad-image",
        "skip",
    )
    assert code == 0
    summary_line = capsys.readouterr().out.splitlines()[0]
    assert summary_line.startswith("scored 2 specimens with run e2e")
    assert summary_line.endswith("; 1 unreadable image skipped")
    scored = pd.read_parquet(tmp_path / "s").set_index("image_id")
    assert (
        scored.loc["seven.png", "predicted_digit"] == 7
        and scored.loc["seven.png", "probability"] > 0.5
    )
    assert (
        scored.loc["three.jpg", "predicted_digit"] == 3
        and scored.loc["three.jpg", "probability"] < 0.5
    )
    assert json.loads((tmp_path / "s" / "_score.json").read_text())["summary"][
        "skipped_images"
    ] == ["broken.png"]


def test_scoring_errors_are_one_line(published_run, tmp_path, capsys):
    run, _ = published_run
    write_idx_pair(tmp_path / "small", "new", *tiny_digits(4, side=2))
    code = run_score(
        "--run", str(run), "--input", str(tmp_path / "small"), "--output", str(tmp_path / "s")
    )
    assert code == 2
    assert_one_error_line(
        capsys,
        f"error: {tmp_path / 'small'}: specimens are 2x2 images but the model was trained on 28x28",
    )

    code = run_score(
        "--run", str(tmp_path), "--input", str(tmp_path / "small"), "--output", str(tmp_path / "s")
    )
    assert code == 2
    assert_one_error_line(capsys, f"{tmp_path}: not a published run (no manifest.json)")
    assert not (tmp_path / "s").exists()


@pytest.mark.parametrize("pixel", NOT_A_NUMBER)
def test_a_float_image_with_a_pixel_that_is_not_a_number_fails_the_job_naming_the_file(
    published_run, tmp_path, capsys, pixel
):
    run, _ = published_run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "in" / f"{pixel}.tiff").write_bytes(float_tiff(NOT_A_NUMBER[pixel]))

    code = run_score(
        "--run", str(run), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "s")
    )

    assert code == 2
    image = tmp_path / "in" / f"{pixel}.tiff"
    assert_one_error_line(
        capsys,
        f"error: file:{image}: image has pixels that are not numbers (NaN or infinity)",
        hint="fix or remove that image, or pass --on-bad-image skip to score the others",
    )
    assert not (tmp_path / "s").exists()


def test_float_images_with_pixels_that_are_not_numbers_are_skipped_and_counted(
    published_run, tmp_path, capsys
):
    run, _ = published_run
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seven.png").write_bytes(drawn_seven())
    for pixel, value in NOT_A_NUMBER.items():
        (tmp_path / "in" / f"{pixel}.tiff").write_bytes(float_tiff(value))

    code = run_score(
        "--run", str(run), "--input", str(tmp_path / "in"), "--output", str(tmp_path / "s"),
        "--on-bad-image", "skip",
    )  # fmt: skip

    assert code == 0
    summary_line = capsys.readouterr().out.splitlines()[0]
    assert summary_line.startswith("scored 1 specimen with run e2e")
    assert summary_line.endswith("; 3 unreadable images skipped")
    skipped = json.loads((tmp_path / "s" / "_score.json").read_text())["summary"]["skipped_images"]
    assert sorted(skipped) == ["minus_inf.tiff", "nan.tiff", "plus_inf.tiff"]


def test_overwrite_never_replaces_the_run_or_the_input_it_scores(published_run, tmp_path, capsys):
    run = tmp_path / "run"
    shutil.copytree(published_run[0], run)
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "seven.png").write_bytes(drawn_seven())
    kept = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))

    for output in (run, tmp_path / "in", tmp_path):
        code = run_score(
            "--run", str(run), "--input", str(tmp_path / "in"), "--output", str(output),
            "--overwrite",
        )  # fmt: skip
        assert code == 2
        assert_one_error_line(capsys, "holds no _score.json, so it is not an output of this job")

    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == kept
