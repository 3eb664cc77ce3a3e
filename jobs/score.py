"""Score new handwritten specimens with a published run's model.

spark-submit jobs/score.py --run RUN_DIR --input PATH --output DIR
"""

import argparse
import sys

from mnist_lr.cli import add_verbose_argument, run
from mnist_lr.manifest import utc_now
from mnist_lr.publish import Publisher
from mnist_lr.scoring import load_published_run, score, score_summary
from mnist_lr.session import build_session
from mnist_lr.specimen_reader import SPECIMEN_FORMATS, read_specimens
from mnist_lr.storage import Storage
from mnist_lr.timing import PhaseTimer


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="spark-submit jobs/score.py",
        description="Predict the digit and the probability of the positive digit for new "
        "specimens with the model of a published run. A binary model has no 'neither' answer: "
        "a specimen of any other digit still gets one of the run's two digits.",
    )
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="a published run directory")
    p.add_argument(
        "--input",
        required=True,
        metavar="PATH",
        help="specimens: IDX (labels file optional), CSV (label column optional), canonical "
        "Parquet, or a folder of image files (PNG, JPEG, ...)",
    )
    p.add_argument("--format", choices=SPECIMEN_FORMATS, help="force the input format")
    p.add_argument("--output", required=True, metavar="DIR", help="Parquet directory to create")
    p.add_argument(
        "--on-bad-image",
        choices=["fail", "skip"],
        default="fail",
        help="an image file that cannot be decoded fails the job, or is skipped and counted "
        "(default: %(default)s)",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace an earlier scoring output (a directory holding _score.json; nothing else)",
    )
    add_verbose_argument(p)
    return p


def main(args: argparse.Namespace) -> int:
    timer = PhaseTimer()
    with timer.phase("session"):
        spark = build_session("mnist-lr-score", args.verbose)
    storage = Storage(spark)
    publisher = Publisher.for_directory(
        storage, args.output, args.overwrite, manifest_name="_score.json"
    )
    with publisher.discarding_on_failure():
        with timer.phase("load"):
            published = load_published_run(storage, args.run)
        negative, positive = published.digits
        with timer.phase("read"):
            specimens, skipped = read_specimens(
                spark, args.input, args.format, *published.image_size, args.on_bad_image == "skip"
            )
        with timer.phase("score") as facts:
            path = publisher.write_parquet(score(published.model, specimens.frame), "")
            summary = score_summary(spark.read.parquet(path), negative, positive)
            summary["skipped_images"] = skipped
            facts["specimens"] = summary["specimens"]
        publisher.publish(
            {
                "run_id": published.run_id,
                "run_path": published.path,
                "model_path": f"{published.path}/model",
                "input": args.input,
                "digit_mapping": {"0.0": negative, "1.0": positive},  # probability: of 1.0's
                "scored_at": utc_now(),
                "summary": summary,
                "phase_seconds": timer.seconds,
            }
        )
    predicted = ", ".join(f"{d}: {n}" for d, n in summary["predicted"].items())
    run_id = published.run_id
    line = f"scored {_counted(summary['specimens'], 'specimen')} with run {run_id} ({predicted})"
    if "accuracy" in summary:
        line += f"; accuracy {summary['accuracy']:.4f} on the labelled {negative}s and {positive}s"
    if summary["labelled_other_digits"]:
        line += f"; {summary['labelled_other_digits']} labelled as other digits"
    if skipped:
        line += f"; {_counted(len(skipped), 'unreadable image')} skipped"
    print(line)
    print(f"wrote {publisher.run_path}")
    return 0


def _counted(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"


if __name__ == "__main__":
    sys.exit(run(main, parser()))
