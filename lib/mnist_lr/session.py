"""The Spark session of a job: master and settings come from spark-submit, not from code."""

from pathlib import Path
from urllib.parse import unquote, urlparse

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from mnist_lr.errors import ConfigError


def build_session(app_name: str, verbose: bool) -> SparkSession:
    """Gets or creates the session; Spark logs at WARN unless ``verbose``.

    Raises:
        ConfigError: before Spark starts, when ``spark.jars`` names a local jar that does not
            exist (Spark would log a stack trace and start without it).
    """
    SparkContext._ensure_initialized()  # the JVM, whose SparkConf holds spark-submit's settings
    conf = SparkConf()
    if conf.get("spark.submit.deployMode", "client") == "client":
        require_local_jars(conf.get("spark.jars", ""))
    spark = SparkSession.builder.appName(app_name).getOrCreate()
    spark.sparkContext.setLogLevel("INFO" if verbose else "WARN")
    return spark


def require_local_jars(jars: str) -> None:
    """Refuses a comma-separated ``spark.jars`` value naming a local file that does not exist.

    Plain paths and ``file:`` URIs (percent-encoded, as spark-submit writes them: a space is
    ``%20``) are checked where the driver runs (relative to its working directory, as Spark
    resolves them); other schemes are left to Spark.
    """
    for jar in (entry.strip() for entry in jars.split(",")):
        uri = urlparse(jar)
        path = unquote(uri.path) if uri.scheme == "file" else jar
        if jar and uri.scheme in ("", "file") and not Path(path).exists():
            raise ConfigError(
                f"{jar}: spark.jars names a jar that does not exist",
                hint="build the project's jar with `make jar` (dist/mnist_lr.jar, passed by "
                "conf/spark-local.conf from the repository root), or correct spark.jars / --jars",
            )
