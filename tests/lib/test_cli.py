"""The jobs' shared entry point: every failure ends in one error line and an exit code."""

import argparse

from mnist_files import tiny_digits, write_idx_pair

from mnist_lr.cli import EXIT_UNEXPECTED, EXIT_USER_ERROR, add_verbose_argument, run
from mnist_lr.readers import read_digits
from mnist_lr.storage import Storage


def run_failing(main, capsys) -> tuple[int, list[str]]:
    parser = argparse.ArgumentParser()
    add_verbose_argument(parser)
    code = run(main, parser, [])
    return code, capsys.readouterr().err.splitlines()


def test_a_jvm_error_is_named_by_the_java_exception_not_by_py4j(spark, capsys):
    def main(_):
        spark.sparkContext._jvm.java.util.ArrayList().get(5)

    code, lines = run_failing(main, capsys)

    assert code == EXIT_UNEXPECTED
    assert lines[0] == (
        "error: unexpected Py4JJavaError: "
        "java.lang.IndexOutOfBoundsException: Index 5 out of bounds for length 0"
    )


def test_a_file_systems_io_error_is_a_path_error_for_the_user(spark, capsys, tmp_path):
    def main(_):
        Storage(spark).info(str(tmp_path / "absent"))  # Hadoop: FileNotFoundException

    code, lines = run_failing(main, capsys)

    assert code == EXIT_USER_ERROR
    assert lines[0] == f"error: FileNotFoundException: File file:{tmp_path}/absent does not exist"
    assert lines[1].startswith("hint: check the path: its scheme")


def test_a_path_whose_connector_is_missing_says_so(spark, capsys):
    def main(_):
        Storage(spark).exists("s3a://bucket/runs")  # pip's pyspark has no hadoop-aws

    code, lines = run_failing(main, capsys)

    assert code == EXIT_USER_ERROR
    assert lines[0] == (
        "error: no connector for this path's file system on Spark's classpath: "
        "ClassNotFoundException: Class org.apache.hadoop.fs.s3a.S3AFileSystem not found"
    )
    assert lines[1].startswith("hint: add the connector's jars to spark-submit (for s3a://")


def test_an_input_error_of_the_jvm_reader_is_one_line_for_the_user(spark, capsys, tmp_path):
    images_path, _ = write_idx_pair(tmp_path, "train", *tiny_digits(4), compress=False)
    images_path.write_bytes(images_path.read_bytes()[:-1])

    def main(_):
        read_digits(spark, str(tmp_path)).train.frame.count()

    code, lines = run_failing(main, capsys)

    assert code == EXIT_USER_ERROR
    assert lines == [
        f"error: file:{images_path}: truncated: header says 4 items of 4 bytes "
        "(16 bytes of data), the file holds 15",
        "hint: check the path and the format (--format idx|csv|parquet); see README "
        "'Input formats'",
    ]
