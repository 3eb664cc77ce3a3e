"""Checks of the training job's options that need no Spark: the run id, and a test input that
is the input, or holds it, or lies inside it."""

import os
import posixpath
import re
import shlex
from datetime import UTC, datetime
from urllib.parse import urlsplit

from mnist_lr.errors import ConfigError

RUN_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
RUN_ID_RULE = "start with a letter or digit, then use letters, digits, '.', '_' and '-' only"
# A file name holds 255 bytes; staging adds up to 24 characters (".<12 hex>.owner" and its
# Hadoop checksum file, ".<name>.crc").
RUN_ID_MAX_LENGTH = 200
RUN_ID_HINT = (
    "the run id names the run's directory, DIR/RUN_ID under --output; leave out --run-id to "
    "name the run by the UTC time"
)


def checked_run_id(run_id: str | None) -> str:
    """The run's id: ``--run-id`` when given and valid, else the UTC time."""
    if run_id is None:
        return datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    if not run_id:
        raise ConfigError("--run-id '': a run id cannot be empty", hint=RUN_ID_HINT)
    if len(run_id) > RUN_ID_MAX_LENGTH:
        raise ConfigError(
            f"--run-id {shlex.quote(run_id[:20])}...: {len(run_id)} characters long, at most "
            f"{RUN_ID_MAX_LENGTH} are allowed",
            hint=RUN_ID_HINT,
        )
    if not RUN_ID.fullmatch(run_id):
        raise ConfigError(f"--run-id {shlex.quote(run_id)}: {RUN_ID_RULE}", hint=RUN_ID_HINT)
    return run_id


def overlapping_paths(first: str, second: str) -> bool:
    """Whether one path is the other or lies inside it, once normalised: '.', '..', repeated
    and trailing slashes removed; local paths (no scheme, or file:) made absolute, with symlinks
    resolved. Paths of other schemes or hosts never overlap."""

    def normalised(path: str) -> tuple[str, str, str]:
        parts = urlsplit(path)
        if parts.scheme in ("", "file"):
            return "file", "", os.path.realpath(parts.path)
        return parts.scheme, parts.netloc, posixpath.normpath(parts.path)

    *place, path = normalised(first)
    *other_place, other_path = normalised(second)
    inside = path.startswith(other_path.rstrip("/") + "/")
    holds = other_path.startswith(path.rstrip("/") + "/")
    return place == other_place and (path == other_path or inside or holds)


def require_separate_test_input(input_path: str, test_input: str | None) -> None:
    """Refuses a ``--test-input`` that is the ``--input``, lies inside it or holds it: the
    model would be tested on rows it was trained on."""
    if test_input is not None and overlapping_paths(test_input, input_path):
        raise ConfigError(
            f"--test-input {test_input}: the same path as --input {input_path}, or one holds "
            "the other, so the model would be tested on rows it was trained on",
            hint="pass a separate test set, or leave out --test-input: the input's own "
            "t10k/test files, else a hash split of image_id, are then the test split",
        )
