"""Opening input files from the executors' Python workers as streams of uncompressed bytes.

Spark's ``binaryFile`` source hands a whole file to one task as one row, so a large IDX file
(hundreds of MB at 100x MNIST) would have to fit the JVM heap at once. IDX files are therefore
opened by the executors themselves through pyarrow's file systems (local, HDFS, S3, GCS, Azure)
and read in bounded chunks; gzip is decompressed on the fly by ISA-L (``isal``), which
decompresses MNIST's files about twice as fast as zlib.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import BinaryIO
from urllib.parse import quote, urlparse

import pyarrow.fs as pa_fs
from isal import igzip, isal_zlib

from mnist_lr.errors import InputError
from mnist_lr.idx import GZIP_MAGIC

HADOOP_TO_PYARROW_SCHEMES = {"s3a": "s3", "s3n": "s3"}
HADOOP_PATH = re.compile(
    r"^(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*):(?P<authority>//[^/]*)?(?P<path>.*)$"
)
URI_PATH_SAFE = "/:@!$&'()*+,;=-._~"
PYARROW_SCHEMES = {"", "file", "hdfs", "viewfs", "s3", "gs", "gcs", "abfs", "abfss"}


def pyarrow_uri(uri: str) -> str:
    """The URI pyarrow understands for a Hadoop path: ``s3a://b/k`` is ``s3://b/k``, and the
    path is percent-encoded (Hadoop's path strings keep spaces, ``%`` and ``#`` as they are,
    which a URI may not). A path without a scheme is a local path and stays as it is."""
    match = HADOOP_PATH.match(uri)
    if match is None:
        return uri
    scheme = HADOOP_TO_PYARROW_SCHEMES.get(match["scheme"], match["scheme"])
    return f"{scheme}:{match['authority'] or ''}{quote(match['path'], safe=URI_PATH_SAFE)}"


def require_streamable(uri: str) -> None:
    """Refuses, on the driver, a path whose file system the executors cannot stream from."""
    scheme = urlparse(pyarrow_uri(uri)).scheme
    if scheme not in PYARROW_SCHEMES:
        raise InputError(
            f"{uri}: IDX files are streamed by pyarrow on the executors, which has no '{scheme}' "
            "file system; copy the files to a local, HDFS, S3, GCS or Azure path"
        )


@contextmanager
def open_uncompressed(uri: str, name: str) -> Iterator[BinaryIO]:
    """Opens ``uri`` for sequential reading, decompressing gzip (detected by its magic number).

    Corrupt gzip data raises :class:`InputError` naming the file as ``name`` when it is read;
    the readers pass the file's full path, as the driver's errors give it.
    """
    fs, path = pa_fs.FileSystem.from_uri(pyarrow_uri(uri))
    with fs.open_input_stream(path, compression=None) as raw:
        compressed = raw.read(len(GZIP_MAGIC)) == GZIP_MAGIC
    with fs.open_input_stream(path, compression=None) as stream:
        if not compressed:
            yield stream
            return
        with igzip.IGzipFile(fileobj=stream, mode="rb") as decompressed:
            yield _GzipStream(decompressed, name)


class _GzipStream:
    """A decompressing stream whose decompression errors name the file."""

    def __init__(self, stream: BinaryIO, name: str):
        self._stream = stream
        self._name = name

    def read(self, size: int | None = None) -> bytes:
        try:
            return self._stream.read(size)
        except (OSError, EOFError, isal_zlib.error) as error:
            raise InputError(f"{self._name}: corrupt gzip data ({error})") from None
