"""Train the MNIST two-digit logistic regression and publish the run.

spark-submit jobs/train.py --config conf/default.yaml --input PATH --output DIR
"""

import argparse
import sys

from pyspark import StorageLevel

from mnist_lr.cli import add_input_arguments, add_verbose_argument, run
from mnist_lr.config import load_config
from mnist_lr.evaluate import evaluate, evaluation_outputs, with_run_id
from mnist_lr.manifest import build_manifest, utc_now
from mnist_lr.options import (
    RUN_ID_MAX_LENGTH,
    checked_run_id,
    require_separate_test_input,
)
from mnist_lr.publish import Publisher
from mnist_lr.readers import read_digits
from mnist_lr.run_outputs import RunFacts
from mnist_lr.run_report import pictured_digits, write_run_report
from mnist_lr.session import build_session
from mnist_lr.stages import save_model
from mnist_lr.storage import Storage
from mnist_lr.timing import PhaseTimer, in_background
from mnist_lr.training import (
    digit_counts,
    fit_model,
    predict,
    require_both_digits,
    training_frame,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="spark-submit jobs/train.py",
        description="Fit MLlib LogisticRegression on two MNIST digits and publish the run "
        "(model, metrics, confusion, coefficients, predictions, manifest.json).",
    )
    p.add_argument(
        "--config",
        default="conf/default.yaml",
        metavar="YAML",
        help="job parameters (default: %(default)s)",
    )
    add_input_arguments(p)
    p.add_argument(
        "--test-input",
        metavar="PATH",
        help="separate test set, every digit in it, in any input format detected from its own "
        "file names (default: the input's own t10k/test files, else a hash split of image_id)",
    )
    p.add_argument(
        "--output",
        required=True,
        metavar="DIR",
        help="root directory of published runs; the run goes to DIR/RUN_ID",
    )
    p.add_argument(
        "--run-id",
        metavar="ID",
        help="name of the run directory: a letter or digit, then letters, digits, '.', '_' or "
        f"'-', at most {RUN_ID_MAX_LENGTH} characters (default: UTC time, e.g. 20261127T101500Z)",
    )
    p.add_argument(
        "--digits",
        metavar="NEG,POS",
        help="the two digits, negative then positive (default from config: 3,7)",
    )
    p.add_argument(
        "--set",
        action="append",
        default=[],
        metavar="SECTION.KEY=VALUE",
        help="override a config key, e.g. logistic_regression.reg_param=0.1 (repeatable)",
    )
    p.add_argument(
        "--overwrite", action="store_true", help="replace an already published run with the same id"
    )
    add_verbose_argument(p)
    return p


def main(args: argparse.Namespace) -> int:
    started_at = utc_now()
    config = load_config(args.config, args.set, args.digits)
    run_id = checked_run_id(args.run_id)
    require_separate_test_input(args.input, args.test_input)
    negative, positive = config["digits"]["negative"], config["digits"]["positive"]

    timer = PhaseTimer()
    with timer.phase("session"):
        spark = build_session(f"mnist-lr-train-{run_id}", args.verbose)
    storage = Storage(spark)
    publisher = Publisher(storage, args.output, run_id, args.overwrite)
    with publisher.discarding_on_failure():
        with timer.phase("read") as facts:
            inputs = read_digits(
                spark,
                args.input,
                args.format,
                args.test_input,
                keep_labels=(negative, positive),
                partitions=config["input"]["partitions"] or None,
            )
            facts["files"] = len(inputs.train.files) + len(inputs.test.files if inputs.test else [])
        with timer.phase("prepare") as facts:
            # On disk: storage memory is left to MLlib's training blocks, read every iteration.
            frame = training_frame(inputs, config, StorageLevel.DISK_ONLY)
            counts = digit_counts(frame)
            train_source = f"--input {args.input}"
            test_source = (
                f"--test-input {args.test_input}" if args.test_input is not None else train_source
            )
            require_both_digits(counts, negative, positive, train_source, test_source)
            facts.update({f"{s}_{d}": n for (s, d), n in sorted(counts.items())})
        with timer.phase("fit") as facts:
            model = fit_model(frame, config, inputs.train.height * inputs.train.width, counts)
            lr_model = model.stages[2]
            facts["iterations"] = lr_model.summary.totalIterations
        with timer.phase("evaluate") as facts:
            predictions_path = publisher.write_parquet(predict(model, frame), "predictions")
            predictions = spark.read.parquet(predictions_path)
            iterations = lr_model.summary.totalIterations
            evaluation = evaluate(predictions, iterations, negative, positive)
            coefficients = lr_model.coefficients.toArray().tolist()
            outputs = evaluation_outputs(spark, evaluation, coefficients, inputs.train.width)
            for name, output in outputs.items():
                publisher.write_parquet(output.coalesce(1).transform(with_run_id(run_id)), name)
            metric_rows = evaluation.metric_dicts()
            facts["test_accuracy"] = next(
                round(m["value"], 4)
                for m in metric_rows
                if (m["split"], m["metric"]) == ("test", "accuracy")
            )
        run_facts = RunFacts(
            run_id,
            negative,
            positive,
            inputs.train.height,
            inputs.train.width,
            config["logistic_regression"]["threshold"],
        )
        # Spark saves the model while Python draws the figures.
        with in_background(save_model, model, publisher.staged("model"), storage) as model_saved:
            with timer.phase("figures") as facts:
                publisher.write_parquet(pictured_digits(predictions, frame, run_facts), "digits")
                written = write_run_report(
                    spark, storage, publisher.staging_path, run_facts, evaluation, coefficients
                )
                facts["figures"] = len(written) - 1  # and report.html
            with timer.phase("publish") as facts:
                facts["model_saved_in"] = round(model_saved.result(), 1)
        # The manifest, written last with one rename, records every phase including publish.
        manifest = build_manifest(
            run_id=run_id,
            started_at=started_at,
            config=config,
            inputs=inputs,
            digit_counts=counts,
            metrics=metric_rows,
            intercept=float(lr_model.intercept),
            phase_seconds=timer.seconds,
            spark_master=spark.sparkContext.master,
        )
        run_path = publisher.publish(manifest)
    headline = manifest["headline_metrics"]
    print(f"published run {run_id} to {run_path}")
    print(
        "test "
        + " ".join(
            f"{name}={headline[name]:.4f}"
            for name in ("accuracy", "precision", "recall", "f1", "areaUnderROC", "logLoss")
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(run(main, parser()))
