"""Small file-system operations on any Hadoop-compatible path, run in the driver through the JVM.

Only metadata, headers and small text files go through here; pixel data is read by Spark.
"""

import ctypes
import errno
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlparse

from pyspark.sql import SparkSession

GLOB_CHARACTERS = re.compile(r"([\\{}\[\]*?])")


@dataclass(frozen=True)
class FileInfo:
    """One entry of a directory listing."""

    path: str
    name: str
    length: int
    is_dir: bool


def literal_paths(files: list[FileInfo]) -> list[str]:
    """The files' paths for a Spark reader's ``load``, which takes every path as a glob:
    without the escapes, ``seven[1].png`` would read ``seven1.png``, or fail."""
    return [GLOB_CHARACTERS.sub(r"\\\1", file.path) for file in files]


class Storage:
    """Hadoop FileSystem access for one Spark session."""

    def __init__(self, spark: SparkSession):
        self.spark = spark
        self._jvm = spark.sparkContext._jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()

    def _resolve(self, path: str):
        jpath = self._jvm.org.apache.hadoop.fs.Path(path)
        fs = jpath.getFileSystem(self._conf)
        return fs, fs.makeQualified(jpath)

    def qualify(self, path: str) -> str:
        """Returns the fully qualified form of ``path`` (scheme and absolute path)."""
        return self._resolve(path)[1].toString()

    def parent_and_name(self, path: str) -> tuple[str, str] | None:
        """The qualified parent directory of ``path`` and its last name; None for a root."""
        qualified = self._resolve(path)[1]
        parent = qualified.getParent()
        if parent is None:
            return None
        return parent.toString(), qualified.getName()

    def exists(self, path: str) -> bool:
        fs, jpath = self._resolve(path)
        return fs.exists(jpath)

    def info(self, path: str) -> FileInfo:
        fs, jpath = self._resolve(path)
        return self._file_info(fs.getFileStatus(jpath))

    def list(self, path: str) -> list[FileInfo]:
        """Lists a directory's entries, sorted by name."""
        fs, jpath = self._resolve(path)
        return sorted((self._file_info(s) for s in fs.listStatus(jpath)), key=lambda f: f.name)

    @staticmethod
    def _file_info(status) -> FileInfo:
        jpath = status.getPath()
        return FileInfo(jpath.toString(), jpath.getName(), status.getLen(), status.isDirectory())

    def read_head(self, path: str, size: int) -> bytes:
        """Reads at most ``size`` bytes from the start of a file."""
        fs, jpath = self._resolve(path)
        stream = fs.open(jpath)
        try:
            return bytes(stream.readNBytes(size))
        finally:
            stream.close()

    def read_text(self, path: str) -> str:
        fs, jpath = self._resolve(path)
        stream = fs.open(jpath)
        try:
            return bytes(stream.readAllBytes()).decode("utf-8")
        finally:
            stream.close()

    def write_bytes(self, path: str, data: bytes) -> None:
        fs, jpath = self._resolve(path)
        fs.setWriteChecksum(False)
        stream = fs.create(jpath, False)
        try:
            stream.write(bytearray(data))
        finally:
            stream.close()

    def write_text(self, path: str, text: str) -> None:
        self.write_bytes(path, text.encode("utf-8"))

    def mkdirs(self, path: str) -> None:
        fs, jpath = self._resolve(path)
        fs.mkdirs(jpath)

    def rename(self, source: str, target: str) -> bool:
        """Renames in one file-system operation; False when the file system refuses.

        The target must not exist: HDFS and Hadoop's local file system move a directory *into*
        an existing target directory.
        """
        fs, source_path = self._resolve(source)
        return fs.rename(source_path, self._resolve(target)[1])

    def exchange(self, first: str, second: str) -> bool:
        """Swaps two existing paths in one atomic step; False where the file system can't.

        Local file systems on Linux can (renameat2 with RENAME_EXCHANGE), so a reader sees
        either path's old or new content and never a gap. Hadoop's FileSystem API has no such
        operation, and some local file systems (NFS among them) refuse it.
        """
        local = [_local_path(self.qualify(p)) for p in (first, second)]
        renameat2 = getattr(_LIBC, "renameat2", None)
        if None in local or renameat2 is None:
            return False
        at_cwd, rename_exchange = -100, 2
        if renameat2(at_cwd, local[0].encode(), at_cwd, local[1].encode(), rename_exchange):
            error = ctypes.get_errno()
            if error in EXCHANGE_UNSUPPORTED:
                return False
            raise OSError(error, f"cannot exchange {first} and {second}: {os.strerror(error)}")
        return True

    def delete(self, path: str) -> None:
        fs, jpath = self._resolve(path)
        fs.delete(jpath, True)

    def can_write(self, path: str) -> bool:
        """True when ``path`` (or its nearest existing ancestor) is a directory accepting writes."""
        fs, jpath = self._resolve(path)
        while not fs.exists(jpath) and jpath.getParent() is not None:
            jpath = jpath.getParent()
        if not fs.getFileStatus(jpath).isDirectory():
            return False
        try:
            fs.access(jpath, self._jvm.org.apache.hadoop.fs.permission.FsAction.WRITE)
        except Exception:  # noqa: BLE001 - Hadoop signals denial with AccessControlException
            return False
        return True


_LIBC = ctypes.CDLL(None, use_errno=True)
# What renameat2 answers on a file system without RENAME_EXCHANGE (or a kernel before 3.15).
EXCHANGE_UNSUPPORTED = {errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP}


def _local_path(qualified: str) -> str | None:
    """The local file name of a ``file:`` path, else None."""
    parsed = urlparse(qualified)
    return unquote(parsed.path) if parsed.scheme == "file" else None
