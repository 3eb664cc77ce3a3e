"""The run manifest: what a published run is, how it was made, and its headline results."""

import platform
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

import pyspark

from mnist_lr import __name__ as package_name
from mnist_lr.config import Config
from mnist_lr.evaluate import COUNT_METRICS
from mnist_lr.prepare import SPLIT_BUCKETS, TEST
from mnist_lr.readers import DigitInputs

OUTPUTS = [
    "model",
    "metrics",
    "confusion",
    "coefficients",
    "predictions",
    "digits",
    "figures",
    "report.html",
]


def utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def split_rule(inputs: DigitInputs, config: Config) -> str:
    if inputs.test is not None:
        return "separate test set: " + ", ".join(f.path for f in inputs.test.files)
    split = config["split"]
    return (
        f"test when pmod(xxhash64({split['seed']}, image_id), {SPLIT_BUCKETS}) < "
        f"{round(split['test_fraction'] * SPLIT_BUCKETS)}, else train"
    )


def build_manifest(
    *,
    run_id: str,
    started_at: str,
    config: Config,
    inputs: DigitInputs,
    digit_counts: dict[tuple[str, int], int],
    metrics: list[dict[str, Any]],
    intercept: float,
    phase_seconds: dict[str, float],
    spark_master: str,
) -> dict[str, Any]:
    """Assembles the manifest; ``metrics`` are the rows of the metrics output."""
    digits = config["digits"]
    datasets = {"train": inputs.train} | ({"test": inputs.test} if inputs.test else {})
    return {
        "run_id": run_id,
        "started_at": started_at,
        "finished_at": utc_now(),
        "versions": {
            package_name: "0.1.0",
            "pyspark": pyspark.__version__,
            "python": platform.python_version(),
        },
        "spark_master": spark_master,
        "parameters": config,
        "inputs": {
            name: {
                "files": [asdict(f) for f in dataset.files],
                "image_height": dataset.height,
                "image_width": dataset.width,
            }
            for name, dataset in datasets.items()
        },
        "digit_mapping": {"0.0": digits["negative"], "1.0": digits["positive"]},
        "rows_per_digit": {
            split: {
                str(digit): count
                for (s, digit), count in sorted(digit_counts.items())
                if s == split
            }
            for split in ("train", "test")
        },
        "split_rule": split_rule(inputs, config),
        "intercept": intercept,
        "headline_metrics": {
            m["metric"]: int(m["value"]) if m["metric"] in COUNT_METRICS else m["value"]
            for m in metrics
            if m["split"] == TEST
        },
        "phase_seconds": phase_seconds,
        "outputs": OUTPUTS + ["manifest.json"],
    }
