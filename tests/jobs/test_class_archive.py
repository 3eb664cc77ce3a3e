"""Local spark-submit runs map Spark's classes from the archive `make` builds, and never
trip over a stale one."""

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

SPARK_SUBMIT = str(Path(sys.executable).with_name("spark-submit"))
ARCHIVE = ROOT / ".venv" / "spark-classes.jsa"


def submit_help(cwd: Path, *options: str) -> subprocess.CompletedProcess:
    command = [
        SPARK_SUBMIT, "--properties-file", str(ROOT / "conf" / "spark-local.conf"), *options,
        str(ROOT / "jobs" / "train.py"), "--help",
    ]  # fmt: skip
    return subprocess.run(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120
    )


def test_local_runs_load_spark_classes_from_the_archive(tmp_path):
    assert ARCHIVE.is_file(), f"{ARCHIVE} is missing: build it with 'make class-archive'"
    class_log = tmp_path / "classes.log"
    result = submit_help(ROOT, "--driver-java-options", f"-Xlog:class+load=info:file={class_log}")
    assert result.returncode == 0, result.stdout[-3000:]
    loads = class_log.read_text()
    assert "org.apache.spark.deploy.SparkSubmit source: shared objects file (top)" in loads


def test_an_archive_that_does_not_fit_is_ignored_without_a_word(tmp_path):
    # Another class path than the archive was built with, as after a change of jars.
    result = submit_help(ROOT, "--driver-class-path", str(tmp_path))
    assert result.returncode == 0, result.stdout[-3000:]
    assert "usage: spark-submit jobs/train.py" in result.stdout
    assert "archive" not in result.stdout.lower()


def test_a_run_where_the_archives_relative_path_finds_no_file_is_silent_too(tmp_path):
    # conf/spark-local.conf names the archive relative to the repository root.
    assert not (tmp_path / ".venv" / "spark-classes.jsa").exists()
    result = submit_help(tmp_path)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "usage: spark-submit jobs/train.py" in result.stdout
    assert "spark-classes.jsa" not in result.stdout and "cds" not in result.stdout.lower()
