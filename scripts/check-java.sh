#!/usr/bin/env bash
# Spark 4 needs Java 17 or newer, and the project's JVM code a JDK to compile it: say so clearly
# instead of failing deep inside spark-submit.
set -euo pipefail
java_bin="${JAVA_HOME:+$JAVA_HOME/bin/}java"
if ! command -v "$java_bin" >/dev/null 2>&1; then
  echo "error: Java not found. Spark 4 needs Java 17+: install it (e.g. apt-get install openjdk-17-jre-headless) or set JAVA_HOME." >&2
  exit 1
fi
version=$("$java_bin" -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1)
if [ -z "$version" ] || [ "$version" -lt 17 ]; then
  echo "error: Java ${version:-unknown} found at $(command -v "$java_bin"); Spark 4 needs Java 17+ (set JAVA_HOME to a newer JDK)." >&2
  exit 1
fi
javac_bin="${JAVA_HOME:+$JAVA_HOME/bin/}javac"
if ! command -v "$javac_bin" >/dev/null 2>&1; then
  echo "error: Java $version found, but no javac: the project's JVM code (jvm/) needs a JDK, not only a JRE (e.g. apt-get install openjdk-17-jdk-headless), or set JAVA_HOME to one." >&2
  exit 1
fi
echo "Java $version found (with javac)"
