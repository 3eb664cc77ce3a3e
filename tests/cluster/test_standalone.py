"""The jobs on a real Spark standalone cluster (one master, two one-core workers on 127.0.0.1).

The cluster is started and stopped by scripts/cluster.sh, as `make cluster-up` does. The jobs are
submitted with spark-submit from a directory outside the repository, with the library only as
the packaged zip (--py-files) and jar (--jars), and with a Python that has the dependencies but
not the project installed, on the driver and on the executors: an import from the repository
layout would fail.
"""

import json
import os
import re
import subprocess
import sys
import sysconfig
from collections import Counter
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from cluster_support import alive, cluster_command, started_pids
from conftest import ROOT

SPARK_SUBMIT = Path(sys.executable).with_name("spark-submit")


@pytest.fixture
def bare_python(tmp_path) -> Path:
    """A Python with the project's dependencies but without the project itself."""
    env = tmp_path / "bare-env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(env)], check=True)
    python = env / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    # A path listed in a .pth file is added as is: the .pth files inside it (among them the
    # editable install of mnist_lr) are not processed.
    (Path(purelib) / "deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    probe = subprocess.run(
        [str(python), "-c", "import numpy, pyarrow, pyspark, yaml; import mnist_lr"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
    )
    assert "No module named 'mnist_lr'" in probe.stderr
    return python


@pytest.fixture
def package(tmp_path) -> Path:
    built = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "package.py"), "--dist", str(tmp_path / "dist")],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "spark-submit --master MASTER" in built.stdout
    return tmp_path / "dist" / "mnist_lr.zip"


def submit(master: str, python: Path, package: Path, events: Path, cwd: Path, job: str, *args):
    """spark-submit of one job; its event log goes to ``events``. Returns the combined output."""
    command = [
        str(SPARK_SUBMIT),
        "--master",
        master,
        "--properties-file",
        str(ROOT / "conf" / "spark-cluster.conf"),
        "--conf",
        f"spark.driver.extraJavaOptions=-Dlog4j2.configurationFile={ROOT}/conf/log4j2.properties",
        "--conf",
        "spark.cores.max=2",
        "--conf",
        "spark.driver.memory=1g",
        "--conf",
        "spark.eventLog.enabled=true",
        "--conf",
        f"spark.eventLog.dir=file:{events}",
        "--conf",
        "spark.eventLog.compress=false",
        "--conf",
        "spark.eventLog.rolling.enabled=false",
        "--py-files",
        str(package),
        "--jars",
        str(package.with_suffix(".jar")),
        str(ROOT / "jobs" / job),
        *args,
    ]
    env = {
        **os.environ,
        "PYSPARK_PYTHON": str(python),
        "PYSPARK_DRIVER_PYTHON": str(python),
        "SPARK_HOME": str(Path(sysconfig.get_paths()["purelib"]) / "pyspark"),
        "SPARK_LOCAL_IP": "127.0.0.1",
    }
    result = subprocess.run(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{job} failed:\n{result.stdout[-4000:]}"
    return result.stdout


def successful_tasks(event_log: Path) -> Counter:
    """Executor id -> tasks that ended in success, from one application's event log."""
    tasks = Counter()
    with event_log.open() as lines:
        for line in lines:
            event = json.loads(line)
            if (
                event["Event"] == "SparkListenerTaskEnd"
                and event["Task End Reason"]["Reason"] == "Success"
            ):
                tasks[event["Task Info"]["Executor ID"]] += 1
    return tasks


def app_name(event_log: Path) -> str:
    with event_log.open() as lines:
        for line in lines:
            event = json.loads(line)
            if event["Event"] == "SparkListenerApplicationStart":
                return event["App Name"]
    raise AssertionError(f"{event_log}: no application start event")


def workers_of(run_dir: Path, app_id: str) -> dict[str, str]:
    """Executor id -> the worker that ran it, from the workers' application folders."""
    return {
        executor.name: worker.name
        for worker in sorted(run_dir.glob("worker*"))
        if worker.is_dir()
        for executor in (worker / "work" / app_id).glob("*")
    }


def test_ingest_train_score_on_two_workers(cluster, bare_python, package, mnist_sample, tmp_path):
    master, run_dir = cluster
    assert master.startswith("spark://127.0.0.1:")
    events, work = tmp_path / "events", tmp_path / "elsewhere"
    events.mkdir()
    work.mkdir()

    def run(job, *args):
        return submit(master, bare_python, package, events, work, job, *args)

    run("ingest.py", "--input", str(mnist_sample), "--output", str(tmp_path / "dataset"))
    trained = run(
        "train.py",
        "--config",
        str(ROOT / "conf" / "cluster.yaml"),
        "--input",
        str(tmp_path / "dataset"),
        "--output",
        str(tmp_path / "runs"),
        "--run-id",
        "cluster",
        "--set",
        "logistic_regression.max_iter=20",
    )
    assert f"published run cluster to file:{tmp_path / 'runs' / 'cluster'}" in trained
    scored = run(
        "score.py",
        "--run",
        str(tmp_path / "runs" / "cluster"),
        "--input",
        str(tmp_path / "dataset"),
        "--output",
        str(tmp_path / "scored"),
    )
    assert "scored 5000 specimens with run cluster" in scored

    # Which worker ran tasks, per application (ingest, train, score), from the event logs and
    # the workers' application folders. The small ingest may fit on one executor; training has
    # over a hundred tasks, and runs them on both.
    busy = {}
    for log in sorted(events.glob("app-*")):
        tasks = successful_tasks(log)
        workers = workers_of(run_dir, log.name)
        assert tasks and set(tasks) <= set(workers), (log.name, tasks, workers)
        busy[app_name(log)] = {workers[executor] for executor in tasks}
    assert sorted(busy) == ["mnist-lr-ingest", "mnist-lr-score", "mnist-lr-train-cluster"]
    assert busy["mnist-lr-train-cluster"] == {"worker1", "worker2"}, busy

    run = tmp_path / "runs" / "cluster"
    manifest = json.loads((run / "manifest.json").read_text())
    assert manifest["run_id"] == "cluster"
    assert manifest["parameters"]["logistic_regression"]["max_iter"] == 20
    metrics = {
        (row["split"], row["metric"]): row["value"]
        for row in pq.read_table(run / "metrics").to_pylist()
    }
    assert metrics[("train", "iterations")] <= 20
    assert metrics[("test", "accuracy")] == manifest["headline_metrics"]["accuracy"] > 0.95
    assert metrics[("test", "areaUnderROC")] > 0.99
    assert pq.read_table(tmp_path / "scored").num_rows == 5000


def test_up_is_idempotent_and_down_stops_exactly_its_processes(cluster):
    master, run_dir = cluster
    pids = started_pids(run_dir)
    assert sorted(pids) == ["master", "worker1", "worker2"]

    again = cluster_command("up", run_dir)
    assert again.returncode == 0 and again.stdout.strip() == master
    assert "already running" in again.stderr
    assert started_pids(run_dir) == pids

    # Another folder's pid files naming these processes (recycled pids): not its cluster.
    elsewhere = run_dir.parent / "elsewhere"
    elsewhere.mkdir()
    for name, pid in pids.items():
        (elsewhere / f"{name}.pid").write_text(f"{pid}\n")
    (elsewhere / "master.port").write_text("1\n")
    assert "was not running" in cluster_command("down", elsewhere).stderr
    assert all(alive(pid) for pid in pids.values())

    stopped = cluster_command("down", run_dir)
    assert stopped.returncode == 0
    assert not [name for name, pid in pids.items() if alive(pid)]
    assert not list(run_dir.glob("*.pid"))
    assert "not running" in cluster_command("down", run_dir).stderr
    assert cluster_command("url", run_dir).returncode == 1


def test_up_times_out_with_a_clear_error_and_leaves_nothing_running(tmp_path):
    run_dir = tmp_path / "cluster"
    result = cluster_command("up", run_dir, CLUSTER_TIMEOUT="0")
    assert result.returncode == 1
    assert "cluster: error: 0 of 2 workers alive after 0s" in result.stderr
    stopped = dict(re.findall(r"cluster: stopped (\w+) \(pid (\d+)\)", result.stderr))
    assert sorted(stopped) == ["master", "worker1", "worker2"]
    assert not [name for name, pid in stopped.items() if alive(int(pid))]
    assert not list(run_dir.glob("*.pid"))
