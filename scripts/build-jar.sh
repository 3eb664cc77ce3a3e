#!/usr/bin/env bash
# Compiles the project's JVM code (jvm/) against this environment's Spark jars into one jar,
# which spark-submit puts on the classpath (spark.jars in conf/spark-*.conf).
#
#   scripts/build-jar.sh JAR
set -euo pipefail
jar=$(realpath -m "$1")
cd "$(dirname "$0")/.."
jdk_bin="${JAVA_HOME:+$JAVA_HOME/bin/}"  # scripts/check-java.sh has checked javac is there
spark_jars=$(.venv/bin/python -c 'import os, pyspark; print(os.path.join(os.path.dirname(pyspark.__file__), "jars"))')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"${jdk_bin}javac" --release 17 -Xlint:all,-path -Werror -cp "$spark_jars/*" -d "$work/classes" $(find jvm -name '*.java' | sort)
mkdir -p "$(dirname "$jar")"
"${jdk_bin}jar" --create --file "$work/out.jar" --date=2020-01-01T00:00:00Z -C "$work/classes" .
mv "$work/out.jar" "$jar"
echo "built $jar"
