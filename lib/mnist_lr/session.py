"""The Spark session of a job: master and settings come from spark-submit, not from code."""

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable
from pathlib import Path
from types import FrameType
from urllib.parse import unquote, urlparse

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from mnist_lr.errors import ConfigError

log = logging.getLogger(__name__)

# Set by a Ctrl-C: whatever error follows it (the JVM, which gets the signal too, may close the
# connection first) is reported as the interruption.
INTERRUPTED = threading.Event()


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
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, _interrupt(spark))
    return spark


def _interrupt(spark: SparkSession) -> Callable[[int, FrameType | None], None]:
    """A SIGINT (Ctrl-C) handler that cancels Spark's jobs from another thread and interrupts
    the job.

    PySpark's own handler cancels them from inside the signal handler, through the Py4J
    connection the main thread is usually waiting on: the reentrant call printed dozens of lines
    of Py4J tracebacks before the job could report the interruption.
    """

    def cancel_jobs() -> None:
        with contextlib.suppress(Exception):  # a Ctrl-C in a terminal stops the JVM too
            spark.sparkContext.cancelAllJobs()

    def handler(signum: int, frame: FrameType | None) -> None:
        INTERRUPTED.set()
        threading.Thread(target=cancel_jobs, daemon=True).start()
        raise KeyboardInterrupt

    return handler


def end_running_tasks(spark: SparkSession, timeout_s: float = 60.0) -> None:
    """Cancels the session's jobs and waits, at most ``timeout_s``, until none of its tasks
    runs.

    A task that fails for good (at its first failure in local mode, its fourth on a cluster by
    default) fails its job, but the job's other tasks run on until they end or notice they were
    killed (a Python worker's, seconds later). Until then they may write into a staging
    directory, and a Spark that stops under them logs their failures with stack traces. Waiting
    here lets a failed job remove what it wrote, and stop, after them.
    """
    try:
        spark.sparkContext.cancelAllJobs()
        deadline = time.monotonic() + timeout_s
        while running := running_tasks(spark):
            if time.monotonic() > deadline:
                log.warning(
                    "%d Spark task(s) still running after %g s; not waiting for them",
                    running,
                    timeout_s,
                )
                return
            time.sleep(0.05)
    except Exception as error:  # noqa: BLE001 - the JVM may be gone (a Ctrl-C stops it too)
        log.debug("not waiting for Spark's tasks: %s", error)


def running_tasks(spark: SparkSession) -> int:
    """How many tasks of the session run now, as its task scheduler counts them: the killed
    tasks of a failed job too, which Spark's public status tracker no longer shows."""
    counts = spark.sparkContext._jsc.sc().taskScheduler().runningTasksByExecutors().valuesIterator()
    total = 0
    while counts.hasNext():
        total += counts.next()
    return total


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
