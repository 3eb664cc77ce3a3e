"""MNIST 3-vs-7 logistic regression: ingest -> train -> quality gate -> score, with spark-submit.

The Spark master comes from the ``spark_default`` connection, e.g. for a local run

    AIRFLOW_CONN_SPARK_DEFAULT='{"conn_type": "spark", "host": "local[*]"}'

or for a standalone cluster ``{"conn_type": "spark", "host": "spark://HOST", "port": 7077}``
(YARN: ``"host": "yarn"``, Kubernetes: ``"host": "k8s://https://HOST"``, with ``port``).

Airflow lives in its own virtual environment, whose Spark provider brings only pyspark-client;
the jobs run with the project's spark-submit and Python, which have the full pyspark:
``MNIST_LR_SPARK_SUBMIT`` and ``MNIST_LR_PYTHON`` (default: the repository's ``.venv``).
The library travels to the executors as ``dist/mnist_lr.zip`` and its JVM code as
``dist/mnist_lr.jar`` (``make package``; ``MNIST_LR_PY_FILES`` and ``MNIST_LR_JARS`` to use
others), Spark settings come from ``conf/spark-cluster.conf`` (``MNIST_LR_SPARK_CONF``).

Every output of a DAG run sits under a folder named after its run id, so a retry replaces only
its own run's outputs and two runs never mix theirs:

    <output_root>/datasets/<run>/   the canonical Parquet dataset (jobs/ingest.py)
    <output_root>/runs/<run>/       the published run (jobs/train.py)
    <output_root>/scores/<run>/     the predictions for ``score_input`` (jobs/score.py)

where ``<run>`` is the Airflow run id with every character other than letters, digits, '.', '_'
and '-' replaced by '_' (run ids hold ':' and '+'), followed by a short hash of the run id when
it had to change, so that two run ids never share a folder.
"""

import hashlib
import os
import re
from datetime import timedelta
from pathlib import Path

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import DAG, Param, task
from airflow.sdk.exceptions import AirflowFailException

REPO = Path(__file__).resolve().parents[1]
PROJECT_BIN = REPO / ".venv" / "bin"
SPARK_SUBMIT = os.environ.get("MNIST_LR_SPARK_SUBMIT", str(PROJECT_BIN / "spark-submit"))
PYTHON = os.environ.get("MNIST_LR_PYTHON", str(PROJECT_BIN / "python"))
PY_FILES = os.environ.get("MNIST_LR_PY_FILES", str(REPO / "dist" / "mnist_lr.zip"))
JARS = os.environ.get("MNIST_LR_JARS", str(REPO / "dist" / "mnist_lr.jar"))
SPARK_CONF = os.environ.get("MNIST_LR_SPARK_CONF", str(REPO / "conf" / "spark-cluster.conf"))

RUN = "{{ run_id | safe_id }}"
DATASET = "{{ params.output_root }}/datasets/" + RUN
PUBLISHED_RUN = "{{ params.output_root }}/runs/" + RUN
SCORES = "{{ params.output_root }}/scores/" + RUN


SAFE_ID_MAX_LENGTH = 200  # jobs/train.py's --run-id limit (mnist_lr.options)


def safe_id(run_id: str) -> str:
    """The run id as a folder name and a training run id: [A-Za-z0-9._-], starting with one
    letter or digit, at most SAFE_ID_MAX_LENGTH characters (the training job's limit). A run id
    that has to change gets 8 hex digits of its hash, so that two run ids (``a:b`` and ``a_b``,
    or two long ones alike at the start) do not share a folder."""
    name = re.sub(r"[^A-Za-z0-9._-]", "_", run_id).lstrip("._-") or "run"
    if name == run_id and len(name) <= SAFE_ID_MAX_LENGTH:
        return name
    digest = hashlib.sha256(run_id.encode()).hexdigest()[:8]
    return f"{name[: SAFE_ID_MAX_LENGTH - len(digest) - 1]}-{digest}"


def pyarrow_path(path: str) -> str:
    """The path as pyarrow names it: Hadoop's ``s3a://`` and ``s3n://`` are its ``s3://``, and
    repeated slashes are one, as Hadoop reads them (an ``output_root`` param ending in ``/``
    gives ``root//runs``, which pyarrow's S3 refuses).
    """
    scheme, separator, rest = path.partition("://")
    if not separator:
        scheme, rest = "", path
    rest = re.sub(r"(?<=.)/{2,}", "/", rest)
    if not separator:
        return rest
    return f"{'s3' if scheme in ('s3a', 's3n') else scheme}://{rest}"


def spark_job(task_id: str, job: str, args: list[str]) -> SparkSubmitOperator:
    return SparkSubmitOperator(
        task_id=task_id,
        name=f"mnist-lr-{task_id}-{RUN}",
        conn_id="spark_default",
        spark_binary=SPARK_SUBMIT,
        application=str(REPO / "jobs" / job),
        application_args=args,
        py_files=PY_FILES,
        jars=JARS,
        properties_file=SPARK_CONF,
        conf={
            "spark.driver.extraJavaOptions": "-Dlog4j2.configurationFile="
            + str(REPO / "conf" / "log4j2.properties"),
        },
        env_vars={"PYSPARK_PYTHON": PYTHON, "PYSPARK_DRIVER_PYTHON": PYTHON},
    )


with DAG(
    dag_id="mnist_lr",
    description="Train and gate the MNIST two-digit logistic regression, then score specimens",
    schedule=None,
    catchup=False,
    max_active_runs=1,
    default_args={"retries": 2, "retry_delay": timedelta(minutes=2)},
    user_defined_filters={"safe_id": safe_id},
    params={
        "input": Param(str(REPO / "data" / "mnist5k"), type="string", description="MNIST input"),
        "score_input": Param(
            str(REPO / "data" / "mnist5k"), type="string", description="specimens to score"
        ),
        "output_root": Param(
            str(REPO / "data" / "airflow"),
            type="string",
            description="root of the datasets/, runs/ and scores/ folders",
        ),
        "config": Param(
            str(REPO / "conf" / "cluster.yaml"), type="string", description="job parameters"
        ),
        "max_iter": Param(100, type="integer", minimum=1, description="LR iterations"),
        "min_accuracy": Param(
            0.95, type="number", minimum=0, maximum=1, description="gate: test accuracy"
        ),
        "min_area_under_roc": Param(
            0.99, type="number", minimum=0, maximum=1, description="gate: test area under ROC"
        ),
    },
    tags=["mnist", "spark"],
) as dag:
    ingest = spark_job(
        "ingest",
        "ingest.py",
        ["--input", "{{ params.input }}", "--output", DATASET, "--overwrite"],
    )
    train = spark_job(
        "train",
        "train.py",
        [
            "--config",
            "{{ params.config }}",
            "--input",
            DATASET,
            "--output",
            "{{ params.output_root }}/runs",
            "--run-id",
            RUN,
            "--set",
            "logistic_regression.max_iter={{ params.max_iter }}",
            "--overwrite",
        ],
    )

    @task
    def quality_gate(run_path: str, min_accuracy: float, min_area_under_roc: float) -> dict:
        """Fails the DAG run when the published run's test metrics are below the thresholds
        (AirflowFailException: no retry, a rerun of the same model would not pass); returns the
        test metrics."""
        import pyarrow.parquet as pq

        metrics = {
            row["metric"]: row["value"]
            for row in pq.read_table(pyarrow_path(f"{run_path}/metrics")).to_pylist()
            if row["split"] == "test"
        }
        failures = [
            f"test {name} {metrics[name]:.4f} < {minimum}"
            for name, minimum in (
                ("accuracy", float(min_accuracy)),
                ("areaUnderROC", float(min_area_under_roc)),
            )
            if metrics[name] < minimum
        ]
        if failures:
            raise AirflowFailException(f"quality gate failed for {run_path}: {'; '.join(failures)}")
        print(
            f"quality gate passed for {run_path}: accuracy {metrics['accuracy']:.4f}, "
            f"areaUnderROC {metrics['areaUnderROC']:.4f}"
        )
        return {name: metrics[name] for name in ("accuracy", "areaUnderROC")}

    gate = quality_gate(
        PUBLISHED_RUN, "{{ params.min_accuracy }}", "{{ params.min_area_under_roc }}"
    )
    score = spark_job(
        "score",
        "score.py",
        ["--run", PUBLISHED_RUN, "--input", "{{ params.score_input }}", "--output", SCORES]
        + ["--overwrite"],
    )

    ingest >> train >> gate >> score
