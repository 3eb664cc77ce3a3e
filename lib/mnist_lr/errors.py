"""The project's own exception types: each carries a one-line message and a hint for the user."""


class MnistLrError(Exception):
    """Base of every error the jobs report as one line plus a hint (no stack trace)."""

    hint = "run with --verbose for the full stack trace"

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        if hint is not None:
            self.hint = hint


class InputError(MnistLrError):
    """An input path or file cannot be read as MNIST digits."""

    hint = "check the path and the format (--format idx|csv|parquet); see README 'Input formats'"


class BadImageError(InputError):
    """A specimen image file cannot be decoded into a digit (scoring)."""

    hint = (
        "fix or remove that image, or pass --on-bad-image skip to score the others "
        "(the skipped ones are listed in _score.json)"
    )


class ConfigError(MnistLrError):
    """A configuration file, --set override or option is invalid."""

    hint = "see README 'Configuration' for every key, its type and its range"


class DataError(MnistLrError):
    """The data was read but cannot be used for this run (e.g. a chosen digit is absent)."""

    hint = "check --digits against the labels present in the input"


class PathError(MnistLrError):
    """The file system refused an input or output path (Hadoop's IOException)."""

    hint = (
        "check the path: its scheme (file:, hdfs:, s3a:, ...) and the connector for it, that "
        "its file system is reachable, and its permissions"
    )


class OutputError(MnistLrError):
    """The run cannot be published where asked."""

    hint = "choose another --run-id, pass --overwrite, or check the output path"
