"""The Airflow DAG (dags/mnist_lr.py), checked and run with the Airflow virtual environment.

Airflow cannot share the project's .venv (its Spark provider replaces pyspark with
pyspark-client), so each check runs dag_runner.py with .venv-airflow's Python, with an
AIRFLOW_HOME and a SQLite database in a temporary folder and spark_default set to local[*].
"""

import hashlib
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

AIRFLOW_PYTHON = ROOT / ".venv-airflow" / "bin" / "python"
RUNNER = Path(__file__).with_name("dag_runner.py")
CHAIN = ["ingest", "train", "quality_gate", "score"]


@pytest.fixture(scope="module")
def airflow_env(tmp_path_factory) -> dict[str, str]:
    """Environment of an Airflow with a fresh database, and a library zip built from the sources
    as they are now (the zip, on --py-files, comes first on the jobs' import path)."""
    if not AIRFLOW_PYTHON.exists():
        subprocess.run(["make", "airflow-setup"], cwd=ROOT, check=True, timeout=900)
    home = tmp_path_factory.mktemp("airflow-home")
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package.py"), "--dist", str(dist)],
        check=True,
        capture_output=True,
    )
    python = str(Path(sys.executable).with_name("python"))
    env = {
        **os.environ,
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home}/airflow.db",
        "AIRFLOW_CONN_SPARK_DEFAULT": json.dumps({"conn_type": "spark", "host": "local[*]"}),
        "MNIST_LR_PY_FILES": str(dist / "mnist_lr.zip"),
        "MNIST_LR_JARS": str(dist / "mnist_lr.jar"),
        "MNIST_LR_PYTHON": python,
        "MNIST_LR_SPARK_SUBMIT": str(Path(sys.executable).with_name("spark-submit")),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    env.pop("VIRTUAL_ENV", None)
    migrate = subprocess.run(
        [str(AIRFLOW_PYTHON.with_name("airflow")), "db", "migrate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert migrate.returncode == 0, migrate.stderr[-3000:]
    return env


def runner(env: dict[str, str], *args: str) -> tuple[dict, str]:
    """Runs dag_runner.py; returns its JSON result and its whole output (the tasks' logs)."""
    result = subprocess.run(
        [str(AIRFLOW_PYTHON), str(RUNNER), *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=600,
    )
    lines = [line for line in result.stdout.splitlines() if line.startswith("RESULT ")]
    assert result.returncode == 0 and lines, result.stdout[-5000:]
    return json.loads(lines[-1].removeprefix("RESULT ")), result.stdout


def safe(run_id: str) -> str:
    name = re.sub(r"[^A-Za-z0-9._-]", "_", run_id)
    return f"{name}-{hashlib.sha256(run_id.encode()).hexdigest()[:8]}"


def test_run_ids_become_distinct_folder_names(airflow_env):
    ids = ["a:b", "a_b", "_x", "x", "manual__2026-11-28T10:00:00+00:00", "::"]
    ids += ["r" * 200, "r" * 249 + "1", "r" * 249 + "2"]  # Airflow allows 250 characters
    names, _ = runner(airflow_env, "names", json.dumps(ids))

    assert names[1] == "a_b" and names[3] == "x"  # ids that are already names stay as they are
    assert names[6] == "r" * 200
    assert len(set(names)) == len(ids)
    assert all(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,199}", name) for name in names)


def test_the_quality_gate_maps_s3a_output_paths_to_pyarrows_s3_scheme(airflow_env):
    paths = ["s3a://bucket/runs/r/metrics", "s3n://b/m", "/data/runs/r/metrics", "hdfs://nn/m"]
    # An output_root param ending in "/" gives "root//runs": Hadoop reads one slash.
    paths += ["s3a://bucket/airflow//runs/r/metrics", "/data//runs/r/metrics"]
    translated, _ = runner(airflow_env, "paths", json.dumps(paths))
    assert translated == [
        "s3://bucket/runs/r/metrics",
        "s3://b/m",
        *paths[2:4],
        "s3://bucket/airflow/runs/r/metrics",
        "/data/runs/r/metrics",
    ]


def test_dag_imports_and_is_the_chain_ingest_train_gate_score(airflow_env):
    shape, _ = runner(airflow_env, "describe")

    assert shape["import_errors"] == {}
    assert shape["dag_ids"] == ["mnist_lr"]
    assert shape["downstream"] == {
        "ingest": ["train"],
        "train": ["quality_gate"],
        "quality_gate": ["score"],
        "score": [],
    }
    for task_id, spec in shape["tasks"].items():
        assert spec["retries"] >= 1 and spec["retry_delay"] > 0, task_id
    for task_id, job in (("ingest", "ingest"), ("train", "train"), ("score", "score")):
        spec = shape["tasks"][task_id]
        assert spec["type"] == "SparkSubmitOperator"
        assert spec["conn_id"] == "spark_default"
        assert spec["application"] == str(ROOT / "jobs" / f"{job}.py")
        assert spec["name"] == f"mnist-lr-{task_id}-{{{{ run_id | safe_id }}}}"


def test_run_publishes_under_its_run_id_then_a_strict_gate_stops_before_scoring(
    airflow_env, mnist_sample, tmp_path
):
    conf = {
        "input": str(mnist_sample),
        "score_input": str(mnist_sample),
        "output_root": str(tmp_path),
        "max_iter": 20,
    }

    passed, log = runner(airflow_env, "run", json.dumps(conf))

    assert passed["state"] == "success"
    assert passed["tasks"] == dict.fromkeys(CHAIN, "success")
    assert "quality gate passed for " in log
    assert re.search(r"[:+]", passed["run_id"])  # the run id needed its folder name sanitised
    run_name = safe(passed["run_id"])
    run = tmp_path / "runs" / run_name
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["run_id"] == run_name
    assert manifest["parameters"]["logistic_regression"]["max_iter"] == 20
    assert (tmp_path / "datasets" / run_name / "_manifest.json").exists()
    scored = json.loads((tmp_path / "scores" / run_name / "_score.json").read_text())
    assert scored["run_id"] == run_name
    assert pq.read_table(tmp_path / "scores" / run_name).num_rows == 5000

    strict = {**conf, "min_accuracy": 0.9999, "min_area_under_roc": 0.9999}
    stopped, log = runner(airflow_env, "run", json.dumps(strict))

    assert stopped["state"] == "failed"
    assert stopped["tasks"] == {
        "ingest": "success",
        "train": "success",
        "quality_gate": "failed",
        "score": "upstream_failed",
    }
    assert stopped["tries"]["quality_gate"] == 1  # failed without using its retries
    stopped_name = safe(stopped["run_id"])
    assert re.search(
        rf"quality gate failed for {re.escape(f'{tmp_path}/runs/{stopped_name}')}: "
        r"test accuracy 0\.\d{4} < 0\.9999; test areaUnderROC 0\.\d{4} < 0\.9999",
        log,
    )
    assert stopped_name != run_name
    assert (tmp_path / "runs" / stopped_name / "manifest.json").exists()
    assert not (tmp_path / "scores" / stopped_name).exists()
    assert sorted(p.name for p in (tmp_path / "scores").iterdir() if p.name != "_staging") == [
        run_name
    ]
