#!/usr/bin/env bash
# Builds the JVM class-data sharing archive that local spark-submit runs map at start-up
# (spark.driver.defaultJavaOptions in conf/spark-local.conf): a short training run on the
# embedded sample records every class the job loads, and the JVM writes them out at exit.
# The archive fits this JDK and this environment's jars only; with any other, the JVM ignores it.
#
#   scripts/build-class-archive.sh ARCHIVE SAMPLE_DIR
set -euo pipefail
archive=$1
sample=$2
export PYSPARK_PYTHON=${PYSPARK_PYTHON:-$PWD/.venv/bin/python}
export PYSPARK_DRIVER_PYTHON=${PYSPARK_DRIVER_PYTHON:-$PYSPARK_PYTHON}
export SPARK_LOCAL_IP=${SPARK_LOCAL_IP:-127.0.0.1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

echo "building $archive (a short training run on $sample; once per environment)"
if ! .venv/bin/spark-submit --properties-file conf/spark-local.conf \
  --conf "spark.driver.defaultJavaOptions=-XX:ArchiveClassesAtExit=$work/classes.jsa -Xlog:cds=off -Xlog:cds+dynamic=off" \
  jobs/train.py --input "$sample" --output "$work/runs" --run-id class-archive \
  --set logistic_regression.max_iter=5 >"$work/log" 2>&1; then
  tail -n 20 "$work/log" >&2
  echo "error: the training run that records the classes failed (output above)" >&2
  exit 1
fi
if [ ! -s "$work/classes.jsa" ]; then
  echo "error: the JVM wrote no class archive; spark-submit runs still work, only start slower" >&2
  exit 1
fi
mv "$work/classes.jsa" "$archive"
echo "built $archive ($(du -m "$archive" | cut -f1) MB)"
