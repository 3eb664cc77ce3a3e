"""Publishing a run or dataset: everything is written under a staging directory, then moved
into place in one rename.

A published directory therefore either is complete (its manifest is written last) or does not
exist. An existing one is replaced only when the user asks (``overwrite``), and only if it is a
published directory of the same kind (it holds the manifest): never a user's folder or file.
"""

import json
import logging
import os
import re
import socket
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
from pyspark.sql import DataFrame

from mnist_lr.errors import OutputError
from mnist_lr.session import end_running_tasks
from mnist_lr.storage import Storage

log = logging.getLogger(__name__)

STAGING = "_staging"
STAGING_TOKEN_LENGTH = 12
MANIFEST = "manifest.json"
# Beside each staging directory: the process that owns it (host, boot and pid namespace, pid,
# start time), so that a later job can tell a killed attempt's leftovers from a run in progress.
OWNER_SUFFIX = ".owner"
STAGED_ENTRY = re.compile(
    rf"(?P<attempt>(?P<name>.+)\.[0-9a-f]{{{STAGING_TOKEN_LENGTH}}})(?P<kind>\.replaced|\.owner)?"
)


class Publisher:
    """Stages outputs and publishes them as the directory ``<output_root>/<name>``.

    Args:
        storage: file-system access.
        output_root: parent directory; staging happens in its ``_staging`` folder.
        name: the published directory's name (a run id, or a dataset's name).
        overwrite: replace an already published directory.
        manifest_name: file written last (``_manifest.json`` for Parquet datasets, which
            Spark's reader would otherwise take for a data file); it also tells a directory this
            publisher may replace.
        rename_hint: how the user names another output, for the refusals' hints.
    """

    def __init__(
        self,
        storage: Storage,
        output_root: str,
        name: str,
        overwrite: bool,
        manifest_name: str = MANIFEST,
        rename_hint: str = "choose another --run-id",
    ):
        self.storage = storage
        root = storage.qualify(output_root).rstrip("/")  # a root's "file:/" ends in one
        self.run_path = f"{root}/{name}"
        token = uuid.uuid4().hex[:STAGING_TOKEN_LENGTH]
        self.staging_path = f"{root}/{STAGING}/{name}.{token}"
        self.manifest_name = manifest_name
        self.overwrite = overwrite
        self.rename_hint = rename_hint
        if not storage.can_write(output_root):
            raise OutputError(f"{output_root}: output path is not writable")
        self._clear_interrupted_attempts(f"{root}/{STAGING}", name)
        self.refuse_if_published()
        storage.write_text(self._owner_path, json.dumps(_this_process()))

    @property
    def _owner_path(self) -> str:
        return self.staging_path + OWNER_SUFFIX

    def _clear_interrupted_attempts(self, staging_root: str, name: str) -> None:
        """Deletes what earlier, killed attempts left in ``_staging``: any attempt whose owner
        was a process of this host that is gone, and, when the owner cannot be known (another
        host), attempts at this same name. A published directory that an attempt to replace it
        had moved aside (``.replaced``), with nothing in its place, is moved back instead.

        Names are matched whole: run ids may hold dots, and ``exp`` must not take ``exp.2``'s.
        """
        if not self.storage.exists(staging_root):
            return
        entries = [
            (entry, match)
            for entry in self.storage.list(staging_root)
            if (match := STAGED_ENTRY.fullmatch(entry.name))
        ]
        owners = {
            match["attempt"]: _process_alive(self._owner_record(entry.path))
            for entry, match in entries
            if match["kind"] == OWNER_SUFFIX
        }
        for entry, match in entries:
            alive = owners.get(match["attempt"])
            if match["kind"] == ".replaced":
                if match["name"] == name and not alive:  # else its replacement is under way
                    self._restore_or_delete(entry.path)
                continue
            if alive or (alive is None and match["name"] != name):
                continue
            log.warning("removing %s, left by an interrupted earlier attempt", entry.path)
            self.storage.delete(entry.path)

    def _owner_record(self, path: str) -> dict[str, Any] | None:
        try:
            return json.loads(self.storage.read_text(path))
        except Exception:  # noqa: BLE001 - cut short by a kill, or gone with its published run
            return None

    def _restore_or_delete(self, aside: str) -> None:
        """Moves a published run that an interrupted replacement had set aside back into
        place, unless a complete run stands there now. What stands there without a manifest is
        the replacement's partial copy (a rename that copies, on object stores): it goes."""
        if self.storage.exists(f"{aside}/{self.manifest_name}") and not self.storage.exists(
            f"{self.run_path}/{self.manifest_name}"
        ):
            if self.storage.exists(self.run_path):
                log.warning(
                    "removing %s, a partial copy left by an interrupted replacement", self.run_path
                )
                self.storage.delete(self.run_path)
            if self.storage.rename(aside, self.run_path):
                log.warning("restored %s, moved aside by an interrupted replacement", self.run_path)
                return
        log.warning("removing %s, left by an interrupted earlier attempt", aside)
        self.storage.delete(aside)

    @classmethod
    def for_directory(
        cls, storage: Storage, path: str, overwrite: bool, manifest_name: str
    ) -> "Publisher":
        """A publisher of the directory ``path`` itself (a dataset or a scoring output)."""
        parent_and_name = storage.parent_and_name(path)
        if parent_and_name is None:
            raise OutputError(f"{path}: the output must be a directory below the root, not a root")
        root, name = parent_and_name
        return cls(storage, root, name, overwrite, manifest_name, "choose another --output")

    @contextmanager
    def discarding_on_failure(self) -> Iterator["Publisher"]:
        """Removes the staging directory when the block fails, whatever the failure, once
        the session's tasks have ended (a failed job's other tasks may still be writing)."""
        try:
            yield self
        except BaseException:
            try:
                end_running_tasks(self.storage.spark)
            finally:  # also when a second Ctrl-C cuts the wait short
                self.discard()
            raise

    def refuse_if_published(self) -> None:
        """Raises OutputError when something is at the published path and overwriting was not
        asked for, or when it is not a published directory of this kind (no manifest)."""
        if not self.storage.exists(self.run_path):
            return
        if not self.storage.exists(f"{self.run_path}/{self.manifest_name}"):
            raise OutputError(
                f"{self.run_path}: exists and holds no {self.manifest_name}, so it is not an "
                "output of this job; it is never replaced, even with --overwrite",
                hint=f"{self.rename_hint}, or move that path away yourself",
            )
        if not self.overwrite:
            raise OutputError(
                f"{self.run_path}: already published (pass --overwrite to replace it)",
                hint=f"{self.rename_hint}, or pass --overwrite",
            )

    def staged(self, name: str) -> str:
        """The staging path of one output (e.g. ``metrics``); "" is the directory itself."""
        return f"{self.staging_path}/{name}" if name else self.staging_path

    def write_parquet(self, frame: DataFrame, name: str) -> str:
        path = self.staged(name)
        frame.write.mode("errorifexists").parquet(path)
        return path

    def publish(self, manifest: dict[str, Any]) -> str:
        """Writes the manifest last, then moves the staged run into place."""
        self.storage.write_text(
            self.staged(self.manifest_name), json.dumps(manifest, indent=2) + "\n"
        )
        self.refuse_if_published()
        if self.storage.exists(self.run_path):
            self._replace()
        elif not self.storage.rename(self.staging_path, self.run_path):
            raise OutputError(f"{self.run_path}: could not move {self.staging_path} into place")
        self.storage.delete(self._owner_path)
        log.info("published %s", self.run_path)
        return self.run_path

    def _replace(self) -> None:
        """Puts the staged directory in the published one's place (``--overwrite``).

        Where the file system can swap two directories atomically, readers see the old or the
        new complete directory at every moment. Elsewhere (HDFS, object stores) the old one is
        moved aside first, leaving a window of one rename in which neither is visible.
        """
        if self.storage.exchange(self.staging_path, self.run_path):
            self.storage.delete(self.staging_path)
            return
        aside = f"{self.staging_path}.replaced"
        if not self.storage.rename(self.run_path, aside):
            raise OutputError(f"{self.run_path}: could not move it aside to replace it")
        # Hadoop moves a directory *into* an existing one: never where another run now stands.
        if self.storage.exists(self.run_path) or not self.storage.rename(
            self.staging_path, self.run_path
        ):
            kept = (
                "the previous run is kept"
                if self.storage.rename(aside, self.run_path)
                else f"the previous run is at {aside}, and the next attempt at this run id "
                "moves it back"
            )
            raise OutputError(
                f"{self.run_path}: could not move {self.staging_path} into place; {kept}"
            )
        self.storage.delete(aside)

    def discard(self) -> None:
        """Removes the staging directory after a failure."""
        for path in (self.staging_path, self._owner_path):
            if self.storage.exists(path):
                self.storage.delete(path)


def _this_process() -> dict[str, Any]:
    process = psutil.Process()
    return {
        "host": socket.gethostname(),
        "pid_space": _pid_space(),
        "pid": process.pid,
        "started": process.create_time(),
    }


def _pid_space() -> str:
    """What makes a pid meaningful here: the boot and the pid namespace (containers sharing a
    host name, e.g. with host networking, have pid namespaces of their own). Empty where Linux's
    /proc is not available: there the host name alone tells."""
    try:
        boot = Path("/proc/sys/kernel/random/boot_id").read_text().strip()
        return f"{boot}:{os.stat('/proc/self/ns/pid').st_ino}"
    except OSError:
        return ""


def _process_alive(owner: dict[str, Any] | None) -> bool | None:
    """Whether the process ``owner`` records is still running; None when this process cannot
    tell (it ran on another host or in another pid namespace, or the record is unreadable).
    A pid now used by a process that started at another time (beyond the second by which
    Linux's boot time may drift) is a gone owner."""
    if not owner or (owner.get("host"), owner.get("pid_space")) != (
        socket.gethostname(),
        _pid_space(),
    ):
        return None
    try:
        return abs(psutil.Process(owner["pid"]).create_time() - owner["started"]) < 1.0
    except psutil.NoSuchProcess:
        return False
    except (psutil.Error, KeyError, TypeError):
        return None
