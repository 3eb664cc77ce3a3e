"""Helpers that write small MNIST files for tests."""

import gzip
import re
import sys
from pathlib import Path

import numpy as np

from mnist_lr import idx


def write_idx_pair(
    directory: Path,
    prefix: str,
    images: np.ndarray,
    labels: np.ndarray,
    compress: bool = True,
) -> tuple[Path, Path]:
    """Writes ``<prefix>-images-idx3-ubyte[.gz]`` and its labels file; returns both paths."""
    directory.mkdir(parents=True, exist_ok=True)
    suffix = ".gz" if compress else ""
    paths = []
    for kind, values in (("images-idx3", images), ("labels-idx1", labels)):
        data = idx.encode(values)
        path = directory / f"{prefix}-{kind}-ubyte{suffix}"
        path.write_bytes(gzip.compress(data) if compress else data)
        paths.append(path)
    return paths[0], paths[1]


def tiny_digits(count: int, side: int = 2, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Random images (count, side, side) and labels cycling through 0..9."""
    rng = np.random.default_rng(seed)
    images = rng.integers(0, 256, size=(count, side, side), dtype=np.uint8)
    labels = (np.arange(count) % 10).astype(np.uint8)
    return images, labels


def spark_submit_train(master: str, *args: str, **options):
    """A spark-submit command line for jobs/train.py (options as :func:`spark_submit_job`)."""
    return spark_submit_job("train", master, *args, **options)


def spark_submit_job(
    job: str,
    master: str,
    *args: str,
    properties: str = "conf/spark-local.conf",
    spark_conf: dict[str, str] | None = None,
):
    """A spark-submit command line for jobs/<job>.py, to run from the repository root;
    ``spark_conf`` adds ``--conf`` settings."""
    confs = [
        item for key, value in (spark_conf or {}).items() for item in ("--conf", f"{key}={value}")
    ]
    return [
        str(Path(sys.executable).with_name("spark-submit")),
        "--master", master, "--properties-file", properties, *confs, f"jobs/{job}.py", *args,
    ]  # fmt: skip


LOG_RECORD = re.compile(r"\d\d:\d\d:\d\d [A-Z]+ [\w.]+: ")  # mnist_lr.cli's logging format


def assert_one_error_line(capsys, message: str, hint: str = "") -> None:
    """Apart from its log records, an in-process job wrote to stderr one ``error:`` line holding
    ``message`` and its ``hint:`` line (starting with ``hint``), and nothing else: no stack
    trace."""
    captured = capsys.readouterr()
    own = [line for line in captured.err.splitlines() if line and not LOG_RECORD.match(line)]
    assert len(own) == 2, captured.err
    assert own[0].startswith("error: ") and own[1].startswith(f"hint: {hint}"), captured.err
    assert message in own[0], captured.err
