"""Losing a worker while the job fits: Spark reschedules, and the result does not change."""

import contextlib
import json
import re
import signal
import subprocess
import time

import numpy as np
import pandas as pd
import psutil
import train as train_job
from conftest import ROOT
from mnist_files import spark_submit_train

# Both workers' executors hold a partition of the fit (not one partition on either), and the fit
# runs all its iterations (tol 0): several seconds, so that the kill lands inside it.
ARGS = [
    "--set", "input.partitions=2", "--set", "fit.single_partition_max_rows=0",
    "--set", "logistic_regression.max_iter=150", "--set", "logistic_regression.tol=0",
]  # fmt: skip


def command_line(process: psutil.Process) -> str:
    try:
        return " ".join(process.cmdline())
    except psutil.Error:  # exited (a zombie) since it was listed
        return ""


def test_killing_a_worker_while_fitting_gives_the_undisturbed_result(
    spark,
    cluster,
    mnist_sample,
    tmp_path,  # noqa: F811
):
    master, run_dir = cluster
    undisturbed = ["--input", str(mnist_sample), "--output", str(tmp_path), "--run-id", "calm"]
    assert train_job.run(train_job.main, train_job.parser(), [*undisturbed, *ARGS]) == 0

    command = spark_submit_train(
        master, "--input", str(mnist_sample), "--output", str(tmp_path), "--run-id", "disturbed",
        *ARGS, properties="conf/spark-cluster.conf",
    )  # fmt: skip
    job = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    log = []
    try:
        for line in job.stdout:
            log.append(line)
            if "fit: started" in line:
                break
        time.sleep(2)  # past MLlib's passes before its iterations
        worker = psutil.Process(int((run_dir / "worker1.pid").read_text()))
        lost = [worker, *worker.children(recursive=True)]
        assert any("CoarseGrainedExecutorBackend" in command_line(p) for p in lost[1:])
        for process in lost:
            # The worker's children may die with it before their own signal: gone is the aim.
            with contextlib.suppress(psutil.NoSuchProcess):
                process.send_signal(signal.SIGKILL)
        log += job.stdout.readlines()
        assert job.wait(timeout=600) == 0, "".join(log)[-4000:]
    finally:
        if job.poll() is None:  # a failed assertion must not leave the job running
            job.kill()
            job.wait()
    lost_at = next(i for i, line in enumerate(log) if "Lost executor" in line)
    assert "worker lost" in log[lost_at]
    fit_done_at = next(i for i, line in enumerate(log) if "fit: done" in line)
    assert lost_at < fit_done_at, "the worker was lost after the fit"
    assert int(re.search(r"iterations=(\d+)", log[fit_done_at]).group(1)) >= 60

    def published(run_id):
        manifest = json.loads((tmp_path / run_id / "manifest.json").read_text())
        coefficients = pd.read_parquet(tmp_path / run_id / "coefficients").sort_values("pixel")
        return manifest["headline_metrics"], coefficients["coefficient"].to_numpy()

    calm_metrics, calm_coefficients = published("calm")
    metrics, coefficients = published("disturbed")
    assert metrics.keys() == calm_metrics.keys()
    for name, value in calm_metrics.items():
        assert abs(metrics[name] - value) <= 1e-9, name
    np.testing.assert_allclose(coefficients, calm_coefficients, rtol=0, atol=1e-9)
