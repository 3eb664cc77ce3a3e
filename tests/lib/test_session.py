"""Tests of mnist_lr.session: the check of spark.jars (no Spark needed), and the quiet end of
a failed job's tasks."""

import subprocess
import sys
from pathlib import Path

import pytest

from mnist_lr.errors import ConfigError
from mnist_lr.session import require_local_jars


def test_existing_local_jars_and_remote_ones_pass(tmp_path, monkeypatch):
    (tmp_path / "a.jar").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    require_local_jars("")
    require_local_jars(f"a.jar, file:{tmp_path / 'a.jar'},hdfs://nn/lib/b.jar,local:/opt/c.jar")
    (tmp_path / "my jars").mkdir()
    (tmp_path / "my jars" / "a.jar").write_bytes(b"")
    require_local_jars(f"file:{tmp_path}/my%20jars/a.jar")  # as spark-submit writes it


@pytest.mark.parametrize("jars", ["dist/none.jar", "file:/nowhere/x.jar", "a.jar,dist/none.jar"])
def test_a_missing_local_jar_is_refused_by_name(jars, tmp_path, monkeypatch):
    (tmp_path / "a.jar").write_bytes(b"")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=f"^{jars.split(',')[-1]}: spark.jars names a jar"):
        require_local_jars(jars)


KILLED_WORKER_SCRIPT = """
import sys
from pathlib import Path

from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from mnist_lr.session import end_running_tasks, running_tasks

marker = Path(sys.argv[1])
spark = (
    SparkSession.builder.master("local[2]")
    .config("spark.ui.enabled", "false")
    .config("spark.driver.extraJavaOptions", "-Dlog4j2.configurationFile=conf/log4j2.properties")
    .getOrCreate()
)
spark.sparkContext.setLogLevel("WARN")


@F.udf("long")
def fail_or_sleep(task):
    import time

    if task == 0:
        raise ValueError("the failing task")
    time.sleep(20)
    marker.write_text("not killed")
    return task


try:
    spark.range(0, 2, 1, 2).select(fail_or_sleep("id")).collect()
except Exception:
    end_running_tasks(spark)
print("tasks running:", running_tasks(spark))
"""


def test_a_failed_jobs_python_worker_killed_while_the_job_waits_is_not_logged(tmp_path):
    """Spark kills the Python worker of a cancelled task that runs on; its warning about that
    is filtered out like Spark's other copies of the failure (conf/log4j2.properties)."""
    marker = tmp_path / "marker"
    result = subprocess.run(
        [sys.executable, "-c", KILLED_WORKER_SCRIPT, str(marker)],
        cwd=Path(__file__).resolve().parents[2],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    assert "tasks running: 0" in result.stdout
    assert not marker.exists()  # the worker was killed, which Spark logs at WARN
    assert " WARN " not in result.stderr and " ERROR " not in result.stderr, result.stderr
