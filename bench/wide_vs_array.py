"""Lever: one array<int> pixel column against 784 int columns, into VectorAssembler and MLlib LR.

Both representations hold the same rows (the 3s and 7s of an IDX input, persisted once); each
is timed in the same session, alternately, for: building the features plan (Python side,
including Spark's analysis of it), persisting the representation, and fitting a
LogisticRegression with a fixed number of iterations. Prints a Markdown table with ratios
against the array column.

    spark-submit --properties-file conf/spark-local.conf bench/wide_vs_array.py \
        --input data/bench/inputs/1x
"""

import argparse
import statistics
import sys
import time

from pyspark import StorageLevel
from pyspark.ml.classification import LogisticRegression
from pyspark.ml.feature import VectorAssembler
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from mnist_lr.readers import read_digits
from mnist_lr.stages import PixelScaler

PIXELS = 784


def array_features(frame: DataFrame) -> DataFrame:
    scaled = PixelScaler(pixelCount=PIXELS).transform(frame)
    return VectorAssembler(inputCols=["scaled_pixels"], outputCol="features").transform(scaled)


def wide_features(frame: DataFrame) -> DataFrame:
    scaled = frame.select(
        "label", *[(F.col(f"pixel_{i}") / 255.0).alias(f"p{i}") for i in range(PIXELS)]
    )
    columns = [f"p{i}" for i in range(PIXELS)]
    return VectorAssembler(inputCols=columns, outputCol="features").transform(scaled)


def timed(action, *args) -> tuple[float, object]:
    start = time.perf_counter()
    result = action(*args)
    return time.perf_counter() - start, result


def features_plan(features, frame: DataFrame) -> DataFrame:
    return features(frame).select("label", "features")


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--input", required=True)
    parser.add_argument("--iterations", type=int, default=10)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    spark = SparkSession.builder.appName("mnist-lr-bench-wide-vs-array").getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    digits = read_digits(spark, args.input, keep_labels=(3, 7)).train.frame
    labelled = digits.withColumn("label", (F.col("label") == 7).cast("double"))
    representations = {
        "array<int> column": (labelled.select("label", "pixels"), array_features),
        "784 int columns": (
            labelled.select(
                "label", *[F.col("pixels")[i].alias(f"pixel_{i}") for i in range(PIXELS)]
            ),
            wide_features,
        ),
    }
    lr = LogisticRegression(maxIter=args.iterations, tol=0.0, regParam=0.01, family="binomial")
    seconds: dict[str, dict[str, list[float]]] = {}
    for _ in range(args.repeats):
        for name, (frame, features) in representations.items():
            cached = frame.persist(StorageLevel.DISK_ONLY)
            persist, rows = timed(cached.count)
            plan, featurized = timed(features_plan, features, cached)
            fit, _ = timed(lr.fit, featurized)
            cached.unpersist(blocking=True)
            for phase, value in (("plan", plan), ("persist", persist), ("fit", fit)):
                seconds.setdefault(name, {}).setdefault(phase, []).append(value)
    medians = {
        name: {phase: statistics.median(v) for phase, v in phases.items()}
        for name, phases in seconds.items()
    }
    baseline = medians["array<int> column"]
    print(
        f"rows: {rows:,}; LogisticRegression maxIter={args.iterations}; "
        f"medians of {args.repeats} alternating runs (seconds)\n"
    )
    print("| pixels as | build features plan | persist (parse + write) | fit | fit × array |")
    print("| --- | --- | --- | --- | --- |")
    for name, phases in medians.items():
        print(
            f"| {name} | {phases['plan']:.2f} | {phases['persist']:.2f} | {phases['fit']:.2f} "
            f"| {phases['fit'] / baseline['fit']:.2f} |"
        )
    spark.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
