"""Publishing a run or dataset: everything is written under a staging directory, then moved
into place in one rename.

A published directory therefore either is complete (its manifest is written last) or does not
exist. An existing one is replaced only when the user asks (``overwrite``).
"""

import json
import logging
import re
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from pyspark.sql import DataFrame

from mnist_lr.errors import OutputError
from mnist_lr.storage import Storage

log = logging.getLogger(__name__)

STAGING = "_staging"
STAGING_TOKEN_LENGTH = 12
MANIFEST = "manifest.json"


class Publisher:
    """Stages outputs and publishes them as the directory ``<output_root>/<name>``.

    Args:
        storage: file-system access.
        output_root: parent directory; staging happens in its ``_staging`` folder.
        name: the published directory's name (a run id, or a dataset's name).
        overwrite: replace an already published directory.
        manifest_name: file written last (``_manifest.json`` for Parquet datasets, which
            Spark's reader would otherwise take for a data file).
    """

    def __init__(
        self,
        storage: Storage,
        output_root: str,
        name: str,
        overwrite: bool,
        manifest_name: str = MANIFEST,
    ):
        self.storage = storage
        root = storage.qualify(output_root).rstrip("/")  # a root's "file:/" ends in one
        self.run_path = f"{root}/{name}"
        token = uuid.uuid4().hex[:STAGING_TOKEN_LENGTH]
        self.staging_path = f"{root}/{STAGING}/{name}.{token}"
        self.manifest_name = manifest_name
        self.overwrite = overwrite
        if not storage.can_write(output_root):
            raise OutputError(f"{output_root}: output path is not writable")
        self._clear_interrupted_attempts(f"{root}/{STAGING}", name)
        self.refuse_if_published()

    def _clear_interrupted_attempts(self, staging_root: str, name: str) -> None:
        """Deletes what earlier, killed attempts at this name left in ``_staging``, except a
        published directory that an attempt to replace it had moved aside (``.replaced``) when
        nothing took its place: that one is moved back.

        Only this name's own staging directories match: run ids may hold dots, and ``exp``
        must not take ``exp.2``'s.
        """
        if not self.storage.exists(staging_root):
            return
        own = re.compile(rf"{re.escape(name)}\.[0-9a-f]{{{STAGING_TOKEN_LENGTH}}}(\.replaced)?")
        for entry in self.storage.list(staging_root):
            if not own.fullmatch(entry.name):
                continue
            if (
                entry.name.endswith(".replaced")
                and not self.storage.exists(self.run_path)
                and self.storage.exists(f"{entry.path}/{self.manifest_name}")
                and self.storage.rename(entry.path, self.run_path)
            ):
                log.warning("restored %s, moved aside by an interrupted replacement", self.run_path)
                continue
            log.warning("removing %s, left by an interrupted earlier attempt", entry.path)
            self.storage.delete(entry.path)

    @classmethod
    def for_directory(
        cls, storage: Storage, path: str, overwrite: bool, manifest_name: str
    ) -> "Publisher":
        """A publisher of the directory ``path`` itself (a dataset or a scoring output)."""
        parent_and_name = storage.parent_and_name(path)
        if parent_and_name is None:
            raise OutputError(f"{path}: the output must be a directory below the root, not a root")
        root, name = parent_and_name
        return cls(storage, root, name, overwrite, manifest_name)

    @contextmanager
    def discarding_on_failure(self) -> Iterator["Publisher"]:
        """Removes the staging directory when the block fails, whatever the failure."""
        try:
            yield self
        except BaseException:
            self.discard()
            raise

    def refuse_if_published(self) -> None:
        """Raises OutputError when the run exists and overwriting was not asked for."""
        if self.storage.exists(self.run_path) and not self.overwrite:
            raise OutputError(
                f"{self.run_path}: already published (pass --overwrite to replace it)"
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
        if not self.storage.rename(self.staging_path, self.run_path):
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
        if self.storage.exists(self.staging_path):
            self.storage.delete(self.staging_path)
