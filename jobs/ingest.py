"""Convert MNIST files (IDX or CSV) into the canonical Parquet dataset, parsed once.

spark-submit jobs/ingest.py --input PATH --output DIR
"""

import argparse
import sys

from mnist_lr.cli import add_input_arguments, add_verbose_argument, run
from mnist_lr.ingest import dataset_manifest, ingested_splits
from mnist_lr.publish import Publisher
from mnist_lr.readers import read_digits
from mnist_lr.session import build_session
from mnist_lr.storage import Storage
from mnist_lr.timing import PhaseTimer


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="spark-submit jobs/ingest.py",
        description="Parse MNIST IDX or CSV files once into the canonical Parquet dataset "
        "(image_id, label, pixels). An input with its own test files (train + t10k) becomes "
        "DIR/train and DIR/test, which jobs/train.py reads as the train and test sets.",
    )
    add_input_arguments(p)
    p.add_argument("--output", required=True, metavar="DIR", help="dataset directory to create")
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace a dataset ingest wrote earlier (a directory holding _manifest.json; "
        "nothing else)",
    )
    p.add_argument(
        "--allow-unlabeled",
        action="store_true",
        help="accept images without labels (specimens to score)",
    )
    add_verbose_argument(p)
    return p


def main(args: argparse.Namespace) -> int:
    timer = PhaseTimer()
    with timer.phase("session"):
        spark = build_session("mnist-lr-ingest", args.verbose)
    publisher = Publisher.for_directory(
        Storage(spark), args.output, args.overwrite, manifest_name="_manifest.json"
    )
    with publisher.discarding_on_failure():
        with timer.phase("read"):
            inputs = read_digits(
                spark, args.input, args.format, require_labels=not args.allow_unlabeled
            )
        with timer.phase("write") as facts:
            for split, dataset in ingested_splits(inputs).items():
                publisher.write_parquet(dataset.frame, split)
                facts[split or "dataset"] = spark.read.parquet(publisher.staged(split)).count()
        path = publisher.publish(dataset_manifest(inputs, timer.seconds))
    rows = ", ".join(f"{name} {count:,} rows" for name, count in facts.items())
    print(f"wrote canonical dataset {path} ({rows})")
    return 0


if __name__ == "__main__":
    sys.exit(run(main, parser()))
