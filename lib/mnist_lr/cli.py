"""What every job's entry point shares: common options, logging, and one-line errors."""

import argparse
import logging
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from mnist_lr.errors import BadImageError, DataError, InputError, MnistLrError, PathError
from mnist_lr.session import INTERRUPTED

log = logging.getLogger("mnist_lr")

EXIT_USER_ERROR = 2
EXIT_UNEXPECTED = 1
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports a Ctrl-C
# Python's mnist_lr.errors.InputError (and its kin) from a Python worker, or the project's JVM
# code's mnist_lr.InputError, in the text of Spark's task failure.
_WORKER_ERROR = re.compile(r"mnist_lr\.(?:errors\.)?(\w+Error): (.+)")
_RAISED_IN_SQL = re.compile(r"\[USER_RAISED_EXCEPTION\] (.+?)(?: SQLSTATE: \w+)?$", re.MULTILINE)


def add_input_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--input",
        required=True,
        metavar="PATH",
        help="MNIST input on any Hadoop-compatible path: a directory or file of IDX "
        "(*-images-idx3-ubyte[.gz] with *-labels-idx1-ubyte[.gz]), CSV (label then pixels, "
        "header optional) or canonical Parquet written by jobs/ingest.py",
    )
    parser.add_argument(
        "--format",
        choices=["idx", "csv", "parquet"],
        help="force the input format instead of detecting it from the file names",
    )


def add_verbose_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--verbose",
        action="store_true",
        help="log Spark at INFO and the job at DEBUG; print stack traces with errors",
    )


def configure_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
        force=True,
    )
    logging.getLogger("py4j").setLevel(logging.WARNING)
    if not verbose:
        # Py4J logs a broken connection (as when Ctrl-C interrupts a call) on the root logger,
        # with a traceback; the job reports the failure itself.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_not_from_py4j)
    # matplotlib warns, once per glyph family, that STIX fonts are missing (seen in the 100x
    # figures); it falls back to DejaVu Sans, which is all the figures need.
    logging.getLogger("matplotlib.font_manager").setLevel(logging.ERROR)


def _not_from_py4j(record: logging.LogRecord) -> bool:
    return "py4j" not in Path(record.pathname).parts


def run(
    main: Callable[[argparse.Namespace], int],
    parser: argparse.ArgumentParser,
    argv: Sequence[str] | None = None,
) -> int:
    """Parses arguments and runs ``main``; reports any failure as one line plus a hint.

    Returns:
        The exit code: 0 on success, 2 for errors the user can fix, 1 for unexpected ones.
    """
    args = parser.parse_args(argv)
    configure_logging(args.verbose)
    try:
        return main(args)
    except KeyboardInterrupt:
        return _report_interruption()
    except Exception as error:  # noqa: BLE001 - the entry point reports every failure
        if INTERRUPTED.is_set():
            return _report_interruption()
        user_error = as_user_error(error)
        if args.verbose:
            log.exception("failed")
        if user_error is None:
            first_line = (_described(error).strip().splitlines() or [""])[0]
            print(f"error: unexpected {type(error).__name__}: {first_line}", file=sys.stderr)
            print("hint: run with --verbose for the full stack trace", file=sys.stderr)
            return EXIT_UNEXPECTED
        print(f"error: {user_error}", file=sys.stderr)
        print(f"hint: {user_error.hint}", file=sys.stderr)
        return EXIT_USER_ERROR


def _report_interruption() -> int:
    print("error: interrupted (Ctrl-C)", file=sys.stderr)
    print(
        "hint: a run or output is published whole or not at all; run the same command again "
        "(with --overwrite if it was published)",
        file=sys.stderr,
    )
    return EXIT_INTERRUPTED


def as_user_error(error: Exception) -> MnistLrError | None:
    """The project error behind ``error``, also when it was raised on an executor."""
    if isinstance(error, MnistLrError):
        return error
    text = str(error)
    match = _WORKER_ERROR.search(text)
    if match:
        kinds = {cls.__name__: cls for cls in (InputError, BadImageError, DataError, MnistLrError)}
        return kinds.get(match[1], MnistLrError)(match[2].strip())
    match = _RAISED_IN_SQL.search(text)
    if match:
        return InputError(match[1].strip())
    java_error = getattr(error, "java_exception", None)
    return None if java_error is None else _path_error(java_error)


def _described(error: Exception) -> str:
    """The error's text; for a Py4J error, the JVM exception's (not "An error occurred while
    calling o56.open")."""
    java_error = getattr(error, "java_exception", None)
    try:
        return java_error.toString() if java_error is not None else str(error)
    except Exception:  # noqa: BLE001 - the JVM may be gone; Python's text still says something
        return str(error)


def _path_error(java_error) -> PathError | None:
    """A file system's answer about a path: a JVM IOException (no such scheme, no such file,
    permission denied, unreachable), or a file system class missing from the classpath
    (``s3a://`` without hadoop-aws), which Hadoop wraps in a RuntimeException. None for other
    errors, and when the JVM cannot be asked."""
    try:
        if _is_io_exception(java_error.getClass()):
            return PathError(f"{java_error.getClass().getSimpleName()}: {java_error.getMessage()}")
        cause = java_error.getCause()
        if cause is not None and str(cause.getMessage()).endswith("FileSystem not found"):
            return PathError(
                f"no connector for this path's file system on Spark's classpath: "
                f"{cause.getClass().getSimpleName()}: {cause.getMessage()}",
                hint="add the connector's jars to spark-submit (for s3a://, --packages "
                "org.apache.hadoop:hadoop-aws:<the Hadoop version of Spark's jars>); "
                "README 'On a real cluster'",
            )
    except Exception:  # noqa: BLE001 - the JVM may be gone
        return None
    return None


def _is_io_exception(java_class) -> bool:
    while java_class is not None:
        if java_class.getName() == "java.io.IOException":
            return True
        java_class = java_class.getSuperclass()
    return False
