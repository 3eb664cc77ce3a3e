import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import train as train_job
from chispa import assert_df_equality
from conftest import ROOT
from pyspark.ml import PipelineModel
from pyspark.ml.classification import LogisticRegressionModel
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score

from mnist_lr import idx
from mnist_lr.options import checked_run_id, overlapping_paths
from mnist_lr.readers import read_digits

# The jobs run in-process on the suite's session (local[2], the project's jar on its classpath),
# never on a session with Spark's defaults that a job would create if it ran first.
pytestmark = pytest.mark.usefixtures("spark")

OUTPUTS = {
    "metrics": "run_id string, split string, metric string, value double",
    "confusion": "run_id string, split string, actual_digit int, predicted_digit int, count bigint",
    "coefficients": "run_id string, pixel int, row int, col int, coefficient double",
    "predictions": "image_id string, split string, label_digit int, predicted_digit int, "
    "probability double, margin double",
}


def run_train(*args: str) -> int:
    return train_job.run(train_job.main, train_job.parser(), [*args])


def test_help_documents_every_option():
    text = train_job.parser().format_help()
    for option in (
        "--config",
        "--input",
        "--test-input",
        "--output",
        "--run-id",
        "--digits",
        "--set",
        "--overwrite",
        "--verbose",
        "--format",
    ):
        assert option in text
    assert (
        "--run-id ID name of the run directory: a letter or digit, then letters, digits, '.', "
        "'_' or '-', at most 200 characters" in " ".join(text.split())
    )


def refused_before_spark(capsys, *args: str) -> list[str]:
    """The error and hint lines of a train run that must stop before Spark starts (with the
    ``spark_forbidden`` fixture)."""
    assert run_train(*args) == 2
    return [
        line
        for line in capsys.readouterr().err.splitlines()
        if line.startswith(("error:", "hint:"))
    ]


@pytest.mark.parametrize(
    ("run_id", "message"),
    [
        ("--run-id=", "--run-id '': a run id cannot be empty"),
        (
            "_x",
            "--run-id _x: start with a letter or digit, then use letters, digits, '.', '_' and '-' "
            "only",
        ),
        (
            "a b",
            "--run-id 'a b': start with a letter or digit, then use letters, digits, '.', '_' and "
            "'-' only",
        ),
        (
            "r" * 201,
            "--run-id rrrrrrrrrrrrrrrrrrrr...: 201 characters long, at most 200 are allowed",
        ),
    ],
)
@pytest.mark.usefixtures("spark_forbidden")
def test_run_ids_that_cannot_name_a_run_directory_are_refused_before_spark_starts(
    run_id, message, tmp_path, capsys
):
    option = [run_id] if run_id.startswith("--") else ["--run-id", run_id]
    lines = refused_before_spark(
        capsys, "--input", str(tmp_path), "--output", str(tmp_path / "o"), *option
    )
    assert lines == [
        f"error: {message}",
        "hint: the run id names the run's directory, DIR/RUN_ID under --output; leave out "
        "--run-id to name the run by the UTC time",
    ]


def test_paths_overlap_when_one_is_or_holds_the_other_not_when_they_share_a_prefix(tmp_path):
    inputs = str(tmp_path / "in")
    assert overlapping_paths(inputs, f"file:{inputs}/t10k") and overlapping_paths(inputs, inputs)
    assert overlapping_paths(f"{inputs}/train", str(tmp_path))
    assert not overlapping_paths(inputs, f"{inputs}2") and not overlapping_paths(inputs, "hdfs:/in")
    assert overlapping_paths("hdfs://nn/d/in", "hdfs://nn/d/in/x")
    assert not overlapping_paths("hdfs://nn/d/in", "hdfs://other/d/in/x")


def test_run_ids_up_to_200_characters_are_taken_and_the_default_is_the_utc_time():
    assert checked_run_id("3v7-reg0.01_" + "r" * 188) == "3v7-reg0.01_" + "r" * 188
    assert re.fullmatch(r"\d{8}T\d{6}Z", checked_run_id(None))


@pytest.mark.parametrize(
    "same",
    [
        "{input}/",
        "{input}/./",
        "{input}/../in",
        "file:{input}",
        "file://{input}",
        "relative",
        "link",
        "{input}/train-images-idx3-ubyte.gz",  # a file of the input: its rows are trained on
        "{parent}",  # holds the input
    ],
)
@pytest.mark.usefixtures("spark_forbidden")
def test_a_test_input_that_is_or_overlaps_the_input_is_refused_before_spark_starts(
    same, tmp_path, capsys
):
    source = tmp_path / "in"
    source.mkdir()
    (tmp_path / "link").symlink_to(source)
    test_input = {"relative": os.path.relpath(source), "link": str(tmp_path / "link")}.get(
        same, same.format(input=source, parent=tmp_path)
    )
    lines = refused_before_spark(
        capsys,
        "--input",
        str(source),
        "--test-input",
        test_input,
        "--output",
        str(tmp_path / "o"),
    )
    assert lines[0] == (
        f"error: --test-input {test_input}: the same path as --input {source}, or one holds the "
        "other, so the model would be tested on rows it was trained on"
    )
    assert lines[1].startswith("hint: pass a separate test set, or leave out --test-input")


@pytest.mark.usefixtures("spark_forbidden")
def test_digits_set_by_both_options_are_refused_before_spark_starts(tmp_path, capsys):
    lines = refused_before_spark(
        capsys, "--input", str(tmp_path), "--output", str(tmp_path / "o"),
        "--set", "digits.negative=9", "--digits", "4,9",
    )  # fmt: skip
    assert lines == [
        "error: --digits 4,9 and --set digits.negative=9: both set the digits",
        "hint: pass --digits NEG,POS or --set digits.negative=... and --set digits.positive=..., "
        "not both",
    ]


def test_spark_submit_publishes_a_complete_run(spark, published_run):
    run, output = published_run
    assert f"published run e2e to file:{run}" in output
    assert "test accuracy=" in output
    for phase in ("read", "prepare", "fit", "evaluate", "publish"):
        assert f"mnist_lr: {phase}: done in" in output
    figures = len(list((run / "figures").glob("*.png")))
    assert figures == 6
    assert re.search(rf"mnist_lr: figures: done in [\d.]+ s, figures={figures}\n", output)
    assert "INFO SparkContext" not in output  # Spark itself logs at WARN

    assert sorted(p.name for p in run.iterdir() if not p.name.startswith(".")) == sorted(
        [*OUTPUTS, "digits", "figures", "model", "manifest.json", "report.html"]
    )
    for name, ddl in OUTPUTS.items():
        actual = spark.read.parquet(str(run / name))
        expected = spark.createDataFrame([], ddl).schema
        assert [(f.name, f.dataType) for f in actual.schema] == [
            (f.name, f.dataType) for f in expected
        ]
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["run_id"] == "e2e"
    assert manifest["digit_mapping"] == {"0.0": 3, "1.0": 7}
    assert manifest["rows_per_digit"]["train"]["3"] + manifest["rows_per_digit"]["test"]["3"] == 500
    assert manifest["headline_metrics"]["accuracy"] > 0.95
    assert manifest["headline_metrics"]["rows"] == sum(manifest["rows_per_digit"]["test"].values())
    assert isinstance(manifest["headline_metrics"]["rows"], int)
    assert set(manifest["phase_seconds"]) == {
        "session",
        "read",
        "prepare",
        "fit",
        "evaluate",
        "figures",
        "publish",
    }
    assert manifest["parameters"]["logistic_regression"]["max_iter"] == 50
    metrics = {
        (r.split, r.metric): r.value for r in spark.read.parquet(str(run / "metrics")).collect()
    }
    assert metrics[("test", "accuracy")] == manifest["headline_metrics"]["accuracy"]
    assert metrics[("test", "rows")] == sum(manifest["rows_per_digit"]["test"].values())
    assert ("train", "iterations") in metrics
    confusion = spark.read.parquet(str(run / "confusion")).filter("split = 'test'")
    assert confusion.groupBy().sum("count").first()[0] == metrics[("test", "rows")]
    assert not any((run.parent / "_staging").iterdir())


def test_reloaded_model_reproduces_the_published_test_predictions(
    spark, published_run, mnist_sample
):
    run, _ = published_run
    stored = spark.read.parquet(str(run / "predictions")).filter("split = 'test'")
    canonical = read_digits(spark, str(mnist_sample)).train.frame
    test_rows = canonical.join(stored.select("image_id"), "image_id")

    rescored = PipelineModel.load(str(run / "model")).transform(test_rows)

    columns = ["image_id", "predicted_digit", "probability", "margin"]
    assert_df_equality(
        rescored.select(columns),
        stored.select(columns),
        ignore_row_order=True,
        ignore_nullable=True,
    )


def test_the_published_model_was_fitted_with_the_recorded_parameters(published_run):
    run, _ = published_run
    recorded = json.loads((run / "manifest.json").read_text())["parameters"]["logistic_regression"]
    model = PipelineModel.load(str(run / "model"))
    (fitted,) = [stage for stage in model.stages if isinstance(stage, LogisticRegressionModel)]
    assert (fitted.getMaxIter(), fitted.getMaxBlockSizeInMB(), fitted.getRegParam()) == (
        recorded["max_iter"],
        recorded["max_block_size_mb"],
        recorded["reg_param"],
    )
    assert recorded["max_block_size_mb"] == 0.45  # not MLlib's default (0): the check above bites


def test_same_split_coefficients_and_metrics_on_reruns_and_on_1_and_4_partitions(
    spark, mnist_sample, tmp_path
):
    runs = {"p1": 1, "p1-again": 1, "p4": 4}
    for run_id, partitions in runs.items():
        code = run_train(
            "--input", str(mnist_sample), "--output", str(tmp_path), "--run-id", run_id,
            "--set", f"input.partitions={partitions}", "--set", "logistic_regression.max_iter=30",
            "--set", "fit.single_partition_max_rows=0",  # fit on the input's partitions
        )  # fmt: skip
        assert code == 0

    def published(run_id, name):
        return spark.read.parquet(str(tmp_path / run_id / name))

    def coefficients(run_id):
        rows = published(run_id, "coefficients").orderBy("pixel").collect()
        return np.array([r.coefficient for r in rows])

    def metrics(run_id):
        return {(r.split, r.metric): r.value for r in published(run_id, "metrics").collect()}

    split = ["image_id", "split"]
    for other in ("p1-again", "p4"):
        assert_df_equality(
            published("p1", "predictions").select(split),
            published(other, "predictions").select(split),
            ignore_row_order=True,
        )
        np.testing.assert_allclose(coefficients("p1"), coefficients(other), rtol=0, atol=1e-9)
        assert metrics("p1").keys() == metrics(other).keys()
        for key, value in metrics("p1").items():
            assert metrics(other)[key] == pytest.approx(value, abs=1e-9), key


def test_quality_on_real_mnist_matches_scikit_learn(spark, shared_mnist, tmp_path):
    reg_param = 0.01
    code = run_train(
        "--input",
        str(shared_mnist),
        "--output",
        str(tmp_path),
        "--run-id",
        "quality",
        "--set",
        f"logistic_regression.reg_param={reg_param}",
    )
    assert code == 0
    run = tmp_path / "quality"
    metrics = {
        (r.split, r.metric): r.value for r in spark.read.parquet(str(run / "metrics")).collect()
    }
    split = {
        r.image_id: r.split
        for r in spark.read.parquet(str(run / "predictions")).select("image_id", "split").collect()
    }

    _, pixels, labels = idx.decode_pair(
        (shared_mnist / "t10k-images-idx3-ubyte.gz").read_bytes(),
        (shared_mnist / "t10k-labels-idx1-ubyte.gz").read_bytes(),
        "images",
        "labels",
    )
    ids = [f"t10k:{i}" for i in range(len(labels))]
    train_rows = np.array([split.get(i) == "train" for i in ids])
    test_rows = np.array([split.get(i) == "test" for i in ids])
    assert (train_rows | test_rows).sum() == 1010 + 1028
    assert set(labels[train_rows | test_rows]) == {3, 7}
    x, y = pixels / 255.0, (labels == 7).astype(int)
    # MLlib with standardization=true minimises mean log loss + reg_param / 2 * ||w / sigma||^2
    # (intercept unpenalised): the same as scikit-learn on x / sigma with C = 1 / (n * reg).
    sigma = x[train_rows].std(axis=0, ddof=1)
    varying = sigma > 0
    x_scaled = np.where(varying, x / np.where(varying, sigma, 1), 0)
    reference = LogisticRegression(C=1 / (train_rows.sum() * reg_param), tol=1e-8, max_iter=5000)
    reference.fit(x_scaled[train_rows], y[train_rows])
    reference_accuracy = accuracy_score(y[test_rows], reference.predict(x_scaled[test_rows]))
    reference_coefficients = np.where(
        varying, reference.coef_.ravel() / np.where(varying, sigma, 1), 0
    )
    coefficients = np.array(
        [
            r.coefficient
            for r in spark.read.parquet(str(run / "coefficients")).orderBy("pixel").collect()
        ]
    )

    assert np.abs(coefficients - reference_coefficients).max() < 0.05
    assert metrics[("test", "rows")] == test_rows.sum()
    assert abs(metrics[("test", "accuracy")] - reference_accuracy) <= 0.005
    assert metrics[("test", "areaUnderROC")] >= 0.995


def test_bad_input_is_one_line_error_and_publishes_nothing(tmp_path, capsys):
    code = run_train(
        "--input", str(tmp_path / "absent"), "--output", str(tmp_path / "runs"), "--run-id", "x"
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: {tmp_path / 'absent'}: input path does not exist" in err
    assert "hint: " in err and "Traceback" not in err
    assert not (tmp_path / "runs" / "x").exists()


def test_data_error_on_executor_is_one_line(tmp_path, capsys):
    from mnist_files import tiny_digits, write_idx_pair

    images_path, _ = write_idx_pair(tmp_path / "in", "train", *tiny_digits(30), compress=False)
    images_path.write_bytes(images_path.read_bytes()[:-7])
    code = run_train(
        "--input", str(tmp_path / "in"), "--output", str(tmp_path / "runs"), "--run-id", "x"
    )
    err = capsys.readouterr().err
    assert code == 2
    assert f"error: file:{images_path}: truncated: header says 30 items of 4 bytes" in err
    assert "Traceback" not in err
    assert not (tmp_path / "runs" / "x").exists()
    assert not list((tmp_path / "runs").glob("_staging/*"))


def test_absent_digit_and_existing_run_are_refused(spark, mnist_sample, tmp_path, capsys):
    from mnist_files import tiny_digits, write_idx_pair

    write_idx_pair(tmp_path / "in", "train", *tiny_digits(30))
    code = run_train(
        "--input",
        str(tmp_path / "in"),
        "--output",
        str(tmp_path / "runs"),
        "--digits",
        "3,7",
        "--run-id",
        "x",
        "--set",
        "split.test_fraction=0.01",
    )
    assert code == 2
    assert (
        f"error: --input {tmp_path / 'in'}: the test split has no digit 3 or 7 (digits 3,7 chosen)"
        in capsys.readouterr().err
    )

    only_threes = tiny_digits(30)[0], np.full(30, 3, np.uint8)
    write_idx_pair(tmp_path / "threes", "t10k", *only_threes)
    code = run_train(
        "--input", str(tmp_path / "in"), "--test-input", str(tmp_path / "threes"),
        "--output", str(tmp_path / "runs"), "--run-id", "x",
    )  # fmt: skip
    assert code == 2
    assert (
        f"error: --test-input {tmp_path / 'threes'}: the test split has no digit 7 "
        "(digits 3,7 chosen)" in capsys.readouterr().err
    )

    (tmp_path / "runs" / "taken").mkdir(parents=True)
    (tmp_path / "runs" / "taken" / "manifest.json").write_text("{}")
    code = run_train(
        "--input", str(mnist_sample), "--output", str(tmp_path / "runs"), "--run-id", "taken"
    )
    assert code == 2
    assert "already published (pass --overwrite" in capsys.readouterr().err


def cut_idx_input(sample: Path, folder: Path) -> str:
    """A gzip stream cut in half, found by the JVM reader: both slices of the images file
    decompress its first half, so the second fails while the first still writes its rows."""
    shutil.copytree(sample, folder)
    images = folder / "train-images-idx3-ubyte.gz"
    images.write_bytes(images.read_bytes()[: images.stat().st_size // 2])
    return "train-images-idx3-ubyte.gz: corrupt gzip data"


def bad_csv_input(sample: Path, folder: Path) -> str:
    """Two CSV files parsed by Python workers: the short one fails while the other is parsed,
    and Spark cancels that task (whose Python worker must not print a BrokenPipeError
    traceback)."""
    images, labels = idx.decode_pair(
        (sample / "train-images-idx3-ubyte.gz").read_bytes(),
        (sample / "train-labels-idx1-ubyte.gz").read_bytes(),
        "images",
        "labels",
    )[1:]
    folder.mkdir()
    rows = np.column_stack([labels, images])
    np.savetxt(folder / "a.csv", rows, fmt="%d", delimiter=",")
    np.savetxt(folder / "b.csv", rows[:3], fmt="%d", delimiter=",")
    text = (folder / "b.csv").read_text()
    (folder / "b.csv").write_text(text.replace("\n", ",0\n", 2).replace(",0\n", "\n", 1))
    return "b.csv: wrong number of columns in row 2"


@pytest.mark.parametrize(
    ("job", "make_input"),
    [("train", cut_idx_input), ("ingest", cut_idx_input), ("train", bad_csv_input)],
    ids=["train-idx", "ingest-idx", "train-csv"],
)
def test_spark_submit_reports_an_executor_error_as_one_line(
    job, make_input, mnist_sample, tmp_path
):
    from mnist_files import spark_submit_job

    message = make_input(mnist_sample, tmp_path / "in")
    output = tmp_path / "out"
    command = spark_submit_job(
        job, "local[2]", "--input", str(tmp_path / "in"), "--output", str(output)
    )
    result = subprocess.run(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600
    )
    assert result.returncode == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert len(errors) == 1
    assert message in errors[0]
    # Spark's own copies of the failed task (the writer's and the block manager's) stay quiet.
    assert "Traceback" not in result.stdout and "\tat " not in result.stdout
    assert " ERROR " not in result.stdout and " WARN " not in result.stdout, result.stdout
    written = [path for path in tmp_path.rglob("*") if path.is_file() and path.parts[-2] != "in"]
    assert written == []


def test_spark_submit_with_a_missing_jar_file_says_so_before_spark_starts(tmp_path):
    from mnist_files import spark_submit_job

    missing = tmp_path / "mnist_lr.jar"
    output = tmp_path / "out"
    command = spark_submit_job("train", "local[1]", "--input", "nowhere", "--output", str(output))
    command[1:1] = ["--conf", f"spark.jars={missing}"]
    result = subprocess.run(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600
    )
    assert result.returncode == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("error:")]
    assert errors == [f"error: file:{missing}: spark.jars names a jar that does not exist"]
    assert "hint: build the project's jar with `make jar`" in result.stdout
    assert "\tat " not in result.stdout and " ERROR " not in result.stdout, result.stdout
    assert not output.exists()
