"""PySpark's Python worker daemon, quiet about the workers of tasks that Spark cancelled.

When one task of a stage fails (a corrupt input file), Spark cancels the stage's other running
tasks and closes their sockets. Their Python workers, still writing results, then die of a
BrokenPipeError, which PySpark's daemon prints as a traceback below the job's one-line error.
Started through ``spark.python.daemon.module = mnist_lr.daemon`` (conf/spark-local.conf), this
module runs PySpark's own daemon, and a worker whose socket was closed under it just ends.
"""

from pyspark import daemon

_serve = daemon.worker


def _worker_quiet_when_cancelled(sock, authenticated):
    try:
        return _serve(sock, authenticated)
    except (BrokenPipeError, ConnectionResetError):  # Spark closed the socket: task cancelled
        return 1  # the daemon's "do not reuse this worker"


daemon.worker = _worker_quiet_when_cancelled

if __name__ == "__main__":
    daemon.manager()
