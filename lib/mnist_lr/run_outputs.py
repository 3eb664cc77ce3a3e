"""A published run's small outputs as pandas frames, and the figures drawn from them.

No Spark here: the training job fills :class:`RunOutputs` with small Spark reads, and a notebook
or script can fill it from a local run directory with pandas (:func:`read_local_run`).
"""

import json
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from mnist_lr import figures

CURVE_SAMPLE = 20_000
CURVE_COLUMNS = ["label_digit", "predicted_digit", "probability", "margin"]
SAMPLE = "sample"
MISCLASSIFIED = "misclassified"


@dataclass(frozen=True)
class RunFacts:
    """What the figures need to know about a run besides its outputs."""

    run_id: str
    negative_digit: int
    positive_digit: int
    height: int
    width: int
    threshold: float

    @classmethod
    def from_manifest(cls, manifest: dict[str, Any]) -> "RunFacts":
        train = manifest["inputs"]["train"]
        return cls(
            run_id=manifest["run_id"],
            negative_digit=int(manifest["digit_mapping"]["0.0"]),
            positive_digit=int(manifest["digit_mapping"]["1.0"]),
            height=int(train["image_height"]),
            width=int(train["image_width"]),
            threshold=float(manifest["parameters"]["logistic_regression"]["threshold"]),
        )


@dataclass
class RunOutputs:
    """The small outputs every figure is drawn from.

    Attributes:
        metrics: split, metric, value.
        confusion: split, actual_digit, predicted_digit, count.
        coefficients: one per pixel, in pixel order.
        curve_sample: at most CURVE_SAMPLE test predictions (label_digit, predicted_digit,
            probability, margin).
        digits: the pictured digits with their pixels (``kind`` is sample or misclassified).
    """

    metrics: pd.DataFrame
    confusion: pd.DataFrame
    coefficients: np.ndarray
    curve_sample: pd.DataFrame
    digits: pd.DataFrame


def newest_local_run(runs_root: str | Path) -> str:
    """The most recently published run under ``runs_root`` (the one with the newest manifest).

    Raises:
        FileNotFoundError: when no run is published there.
    """
    manifests = list(Path(runs_root).glob("*/manifest.json"))
    if not manifests:
        raise FileNotFoundError(
            f"no published run under {runs_root}: run `make run` first, or set MNIST_LR_RUN"
        )
    return str(max(manifests, key=lambda path: path.stat().st_mtime).parent)


def read_local_run(run_dir: str | Path) -> tuple[RunFacts, RunOutputs]:
    """Reads a published run from a local directory with pandas (no Spark)."""
    run = Path(run_dir)
    facts = RunFacts.from_manifest(json.loads((run / "manifest.json").read_text()))
    predictions = pd.read_parquet(
        run / "predictions", columns=["image_id", *CURVE_COLUMNS], filters=[("split", "=", "test")]
    )
    outputs = RunOutputs(
        metrics=pd.read_parquet(run / "metrics"),
        confusion=pd.read_parquet(run / "confusion"),
        coefficients=pd.read_parquet(run / "coefficients")
        .sort_values("pixel")["coefficient"]
        .to_numpy(),
        curve_sample=curve_sample(predictions)[CURVE_COLUMNS],
        digits=pd.read_parquet(run / "digits"),
    )
    return facts, outputs


def curve_sample(predictions: pd.DataFrame, size: int = CURVE_SAMPLE) -> pd.DataFrame:
    """The first ``size`` predictions by (CRC-32 of ``image_id``, ``image_id``): the rows the
    training job draws its curves from (``run_report.in_hash_order`` orders them alike)."""
    crc = predictions["image_id"].map(lambda image_id: zlib.crc32(image_id.encode("utf-8")))
    order = pd.DataFrame({"crc": crc, "image_id": predictions["image_id"]})
    return predictions.loc[order.sort_values(["crc", "image_id"]).index[:size]]


def draw_run_figures(outputs: RunOutputs, facts: RunFacts) -> list[tuple[str, str, Figure]]:
    """Every figure of a run as (caption, file name, figure)."""
    neg, pos = facts.negative_digit, facts.positive_digit
    sample = outputs.curve_sample
    label = (sample["label_digit"] == pos).to_numpy().astype(int)
    score = sample["probability"].to_numpy()
    test_metrics = outputs.metrics[outputs.metrics["split"] == "test"].set_index("metric")["value"]
    drawn_from = _drawn_from(len(sample), int(test_metrics["rows"]))
    examples = outputs.digits[outputs.digits["kind"] == SAMPLE].sort_values(
        "label_digit", kind="stable"
    )
    wrong = outputs.digits[outputs.digits["kind"] == MISCLASSIFIED]
    size = facts.height * facts.width
    return [
        (
            "Sample training digits",
            "samples.png",
            figures.sample_digits_figure(
                _pixels(examples, size), examples["label_digit"].tolist(), facts.height, facts.width
            ),
        ),
        (
            f"Learned coefficients: which pixels vote for {pos} (red) or {neg} (blue)",
            "coefficients.png",
            figures.coefficient_heatmap_figure(
                outputs.coefficients, facts.height, facts.width, neg, pos
            ),
        ),
        (
            "Misclassified test digits",
            "misclassified.png",
            figures.misclassified_figure(
                _pixels(wrong, size),
                wrong["label_digit"].to_numpy(),
                wrong["probability"].to_numpy(),
                _margins(wrong),
                neg,
                pos,
                facts.height,
                facts.width,
                threshold=facts.threshold,
                misclassified_in_all=_misclassified_test_digits(outputs.confusion),
            ),
        ),
        (
            f"ROC and precision-recall curves of the test split{drawn_from}",
            "roc_pr.png",
            figures.roc_pr_figure(
                figures.roc_points(label, score),
                figures.pr_points(label, score),
                test_metrics["areaUnderROC"],
                test_metrics["areaUnderPR"],
            ),
        ),
        (
            f"Predicted probability by true digit, test split{drawn_from}",
            "probabilities.png",
            figures.probability_histogram_figure(
                score, sample["label_digit"].to_numpy(), neg, pos, facts.threshold
            ),
        ),
        (
            f"Test digits on the sigmoid of their margin{drawn_from}",
            "sigmoid.png",
            figures.sigmoid_figure(
                sample["margin"].to_numpy(),
                sample["label_digit"].to_numpy(),
                neg,
                pos,
                facts.threshold,
            ),
        ),
    ]


def _drawn_from(sampled: int, test_rows: int) -> str:
    """What a caption adds when its figure shows only the curve sample of a larger test split
    (the areas in the ROC figure's titles are those of the whole split)."""
    if sampled >= test_rows:
        return ""
    return f" (drawn from {sampled:,} of the {test_rows:,} test digits)"


def _margins(digits: pd.DataFrame) -> np.ndarray:
    """The digits' margins; for runs published before ``digits/`` had them, from their
    probabilities (logit; a probability of exactly 0 or 1 gives an infinite margin)."""
    if "margin" in digits:
        return digits["margin"].to_numpy()
    with np.errstate(divide="ignore"):
        probability = digits["probability"].to_numpy(float)
        return np.log(probability) - np.log1p(-probability)


def _pixels(digits: pd.DataFrame, size: int) -> np.ndarray:
    if digits.empty:
        return np.zeros((0, size), dtype=np.uint8)
    return np.stack(digits["pixels"].to_numpy())


def _misclassified_test_digits(confusion: pd.DataFrame) -> int:
    test = confusion[confusion["split"] == "test"]
    return int(test.loc[test["actual_digit"] != test["predicted_digit"], "count"].sum())
