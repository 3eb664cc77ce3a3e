"""Killed drivers, reruns and concurrent runs: a run directory is complete or absent."""

import contextlib
import json
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil
import pytest
from conftest import ROOT
from mnist_files import spark_submit_train

OUTPUTS = {"model", "metrics", "confusion", "coefficients", "predictions", "digits", "figures"}


def train_command(mnist_sample: Path, output: Path, run_id: str) -> list[str]:
    return spark_submit_train(
        "local[2]", "--input", str(mnist_sample), "--output", str(output),
        "--run-id", run_id, "--set", "logistic_regression.max_iter=20",
    )  # fmt: skip


def start(command: list[str]) -> subprocess.Popen:
    return subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )


def kill_when_logged(process: subprocess.Popen, marker: str) -> str:
    """Waits for ``marker`` in the job's log, then kill -9s spark-submit and its children."""
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            break
    else:
        pytest.fail(f"the job ended before logging {marker!r}:\n{''.join(seen)[-2000:]}")
    tree = [psutil.Process(process.pid), *psutil.Process(process.pid).children(recursive=True)]
    process.send_signal(signal.SIGKILL)
    process.wait(timeout=60)
    _, alive = psutil.wait_procs(tree, timeout=30)
    for child in alive:  # the Python driver exits once its JVM is gone; never leave strays
        child.kill()
    return "".join(seen)


def assert_complete_or_absent(run: Path) -> None:
    if run.exists():
        names = {p.name for p in run.iterdir()}
        assert OUTPUTS | {"manifest.json", "report.html"} <= names, names
        assert json.loads((run / "manifest.json").read_text())["run_id"] == run.name


def test_killed_drivers_leave_no_partial_run_and_the_same_command_then_succeeds(
    mnist_sample, tmp_path
):
    command = train_command(mnist_sample, tmp_path, "killed")
    for marker in ("prepare: started", "fit: started", "publish: started"):
        kill_when_logged(start(command), marker)
        assert_complete_or_absent(tmp_path / "killed")
        if (tmp_path / "killed").exists():  # killed after the final rename: already complete
            command.append("--overwrite")
            break

    rerun = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=600)

    assert rerun.returncode == 0, rerun.stdout[-2000:] + rerun.stderr[-2000:]
    assert_complete_or_absent(tmp_path / "killed")
    assert (tmp_path / "killed" / "manifest.json").exists()
    assert list((tmp_path / "_staging").iterdir()) == [], "stale staging left behind"


def test_two_runs_at_once_into_the_same_root_both_publish(mnist_sample, tmp_path):
    processes = {run_id: start(train_command(mnist_sample, tmp_path, run_id)) for run_id in "ab"}
    for run_id, process in processes.items():
        output, _ = process.communicate(timeout=600)
        assert process.returncode == 0, output[-2000:]
        assert_complete_or_absent(tmp_path / run_id)
        assert (tmp_path / run_id / "manifest.json").exists()
    metrics = [
        json.loads((tmp_path / r / "manifest.json").read_text())["headline_metrics"] for r in "ab"
    ]
    assert metrics[0] == metrics[1]


def python_driver(spark_submit_pid: int) -> psutil.Process:
    """The Python process running jobs/train.py below spark-submit's JVM."""
    for process in psutil.Process(spark_submit_pid).children(recursive=True):
        with contextlib.suppress(psutil.Error):  # a worker that has just exited
            if any(arg.endswith("jobs/train.py") for arg in process.cmdline()):
                return process
    raise AssertionError("no Python driver below spark-submit")


@pytest.mark.parametrize("whole_group", [False, True], ids=["driver", "process group"])
def test_ctrl_c_while_fitting_is_one_line_and_publishes_nothing(
    mnist_sample, tmp_path, whole_group
):
    # A long fit (tol 0: every iteration runs), interrupted a second in: by SIGINT to the Python
    # driver alone, or to the whole process group, as a terminal's Ctrl-C sends it (then the
    # JVM stops too, and may close the connection before the driver handles the signal).
    command = spark_submit_train(
        "local[2]", "--input", str(mnist_sample), "--output", str(tmp_path), "--run-id", "r",
        "--set", "logistic_regression.max_iter=2000", "--set", "logistic_regression.tol=0",
    )  # fmt: skip
    job = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        start_new_session=True,
    )  # fmt: skip
    seen = []
    try:
        for line in job.stdout:
            seen.append(line)
            if "fit: started" in line:
                break
        time.sleep(1)
        if whole_group:
            os.killpg(job.pid, signal.SIGINT)
        else:
            python_driver(job.pid).send_signal(signal.SIGINT)
        seen += job.stdout.readlines()
        assert job.wait(timeout=120) == 130, "".join(seen)[-3000:]
    finally:
        if job.poll() is None:
            os.killpg(job.pid, signal.SIGKILL)
            job.wait()
    output = "".join(seen)
    errors = [line for line in output.splitlines() if line.startswith("error:")]
    assert errors == ["error: interrupted (Ctrl-C)"], output[-3000:]
    assert "Traceback" not in output, output[-3000:]
    assert not (tmp_path / "r").exists()
