"""The single-machine reference: the tutorial's approach as a script, on the job's inputs.

Reads the same IDX files with numpy, keeps the same two digits, trains on the train pair and
tests on the t10k pair (the same rows as the job), and fits scikit-learn's LogisticRegression
(lbfgs) on the same objective as the job's MLlib model: standardised features (divided by their
standard deviation, as MLlib does with standardization=true), C = 1 / (n * reg_param), the same
``tol`` value (which lbfgs tests against the gradient, MLlib against the relative change in loss).
Prints one JSON line with phase timings and metrics.
"""

import argparse
import gzip
import json
import sys
import time
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import accuracy_score, roc_auc_score


def read_pair(directory: Path, prefix: str, digits: tuple[int, int]):
    labels = np.frombuffer(
        gzip.decompress((directory / f"{prefix}-labels-idx1-ubyte.gz").read_bytes()),
        np.uint8,
        offset=8,
    )
    images = np.frombuffer(
        gzip.decompress((directory / f"{prefix}-images-idx3-ubyte.gz").read_bytes()),
        np.uint8,
        offset=16,
    )
    images = images.reshape(len(labels), -1)
    keep = np.isin(labels, digits)
    return images[keep], (labels[keep] == digits[1]).astype(int)


def _column_variance(pixels: np.ndarray, rows_per_chunk: int = 65_536) -> np.ndarray:
    """Sample variance of each column (ddof=1), summed chunk by chunk to bound memory."""
    total = np.zeros(pixels.shape[1])
    squares = np.zeros(pixels.shape[1])
    for start in range(0, len(pixels), rows_per_chunk):
        chunk = pixels[start : start + rows_per_chunk].astype(np.float64)
        total += chunk.sum(axis=0)
        squares += (chunk * chunk).sum(axis=0)
    n = len(pixels)
    return np.maximum(squares - total * total / n, 0) / (n - 1)


def _scaled(pixels: np.ndarray, scale: np.ndarray) -> np.ndarray:
    values = pixels.astype(np.float64)
    values *= scale
    return values


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", type=Path, required=True)
    parser.add_argument("--digits", default="3,7")
    parser.add_argument("--reg-param", type=float, default=0.01)
    parser.add_argument("--tol", type=float, default=1e-6)
    parser.add_argument("--max-iter", type=int, default=100)
    args = parser.parse_args(argv)
    digits = tuple(int(d) for d in args.digits.split(","))
    seconds = {}
    start = time.perf_counter()
    x_train, y_train = read_pair(args.input, "train", digits)
    x_test, y_test = read_pair(args.input, "t10k", digits)
    seconds["read"] = time.perf_counter() - start

    start = time.perf_counter()
    # Pixels / 255, then divided by their standard deviation: one float64 copy, scaled in place
    # (at 100x a copy is 7.7 GB).
    sigma = np.sqrt(_column_variance(x_train)) / 255.0
    scale = np.where(sigma > 0, 1 / np.where(sigma > 0, sigma, 1), 0) / 255.0
    x_train, x_test = _scaled(x_train, scale), _scaled(x_test, scale)
    model = LogisticRegression(
        C=1 / (len(y_train) * args.reg_param), tol=args.tol, max_iter=args.max_iter
    )
    model.fit(x_train, y_train)
    seconds["fit"] = time.perf_counter() - start

    start = time.perf_counter()
    probability = model.predict_proba(x_test)[:, 1]
    metrics = {
        "accuracy": accuracy_score(y_test, probability > 0.5),
        "areaUnderROC": roc_auc_score(y_test, probability),
        "train_rows": len(y_train),
        "test_rows": len(y_test),
        "iterations": int(model.n_iter_[0]),
    }
    seconds["evaluate"] = time.perf_counter() - start
    print(json.dumps({"seconds": seconds, "metrics": metrics}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
