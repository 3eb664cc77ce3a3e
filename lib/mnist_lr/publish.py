"""Publishing a run: everything is written under a staging directory, then moved in one rename.

A run directory therefore either is complete (its ``manifest.json`` is written last) or does
not exist. An existing run is replaced only when the user asks (``overwrite``).
"""

import json
import logging
import uuid
from typing import Any

from pyspark.sql import DataFrame

from mnist_lr.errors import OutputError
from mnist_lr.storage import Storage

log = logging.getLogger(__name__)

STAGING = "_staging"
MANIFEST = "manifest.json"


class RunPublisher:
    """Stages the outputs of one run and publishes them as ``<output_root>/<run_id>``."""

    def __init__(self, storage: Storage, output_root: str, run_id: str, overwrite: bool):
        self.storage = storage
        self.run_path = f"{output_root.rstrip('/')}/{run_id}"
        token = uuid.uuid4().hex[:12]
        self.staging_path = f"{output_root.rstrip('/')}/{STAGING}/{run_id}.{token}"
        self._retired_path = f"{self.staging_path}.replaced"
        self.overwrite = overwrite
        self.refuse_if_published()
        if not storage.can_write(output_root):
            raise OutputError(f"{output_root}: output path is not writable")

    def refuse_if_published(self) -> None:
        """Raises OutputError when the run exists and overwriting was not asked for."""
        if self.storage.exists(self.run_path) and not self.overwrite:
            raise OutputError(f"{self.run_path}: run already published (pass --overwrite)")

    def staged(self, name: str) -> str:
        """The staging path of one output (e.g. ``metrics``)."""
        return f"{self.staging_path}/{name}"

    def write_parquet(self, frame: DataFrame, name: str) -> str:
        path = self.staged(name)
        frame.write.mode("errorifexists").parquet(path)
        return path

    def publish(self, manifest: dict[str, Any]) -> str:
        """Writes the manifest last, then moves the staged run into place."""
        self.storage.write_text(self.staged(MANIFEST), json.dumps(manifest, indent=2) + "\n")
        self.refuse_if_published()
        replacing = self.storage.exists(self.run_path)
        if replacing:
            self.storage.rename(self.run_path, self._retired_path)
        if not self.storage.rename(self.staging_path, self.run_path):
            raise OutputError(f"{self.run_path}: could not move the staged run into place")
        if replacing:
            self.storage.delete(self._retired_path)
        log.info("published %s", self.run_path)
        return self.run_path

    def discard(self) -> None:
        """Removes the staging directory of a run that failed."""
        if self.storage.exists(self.staging_path):
            self.storage.delete(self.staging_path)
