"""Layout of an ingested dataset: one canonical Parquet dataset, or train/ and test/ beside."""

from dataclasses import asdict
from typing import Any

from mnist_lr.manifest import utc_now
from mnist_lr.readers import Dataset, DigitInputs

WHOLE = ""


def ingested_splits(inputs: DigitInputs) -> dict[str, Dataset]:
    """Maps each output subdirectory to its dataset; ``WHOLE`` is the output directory itself."""
    if inputs.test is None:
        return {WHOLE: inputs.train}
    return {"train": inputs.train, "test": inputs.test}


def dataset_manifest(inputs: DigitInputs, phase_seconds: dict[str, float]) -> dict[str, Any]:
    """What the dataset was made from, for its ``_manifest.json``."""
    return {
        "written_at": utc_now(),
        "image_height": inputs.train.height,
        "image_width": inputs.train.width,
        "sources": {
            split or "dataset": [asdict(f) for f in dataset.files]
            for split, dataset in ingested_splits(inputs).items()
        },
        "phase_seconds": phase_seconds,
    }
