"""Decoding of MNIST's IDX files (gzip-compressed or raw), as pure functions on bytes.

An IDX file is a 4-byte magic number (two zero bytes, a data-type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in row-major order. MNIST
uses data type 0x08 (unsigned byte): 3 dimensions (count, rows, columns) for images and 1
(count) for labels. These functions decode headers and labels files on the driver, and whole
files for the bench and the embedded sample; every problem raises :class:`InputError` naming
the file. The rows of a job's input are streamed on the executors by the project's JVM reader
(``jvm/mnist_lr/IdxReader.java``), with the same checks and messages.
"""

import gzip
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from mnist_lr.errors import InputError

GZIP_MAGIC = b"\x1f\x8b"
UNSIGNED_BYTE = 0x08
DATA_TYPE_NAMES = {
    0x08: "unsigned byte",
    0x09: "signed byte",
    0x0B: "short",
    0x0C: "int",
    0x0D: "float",
    0x0E: "double",
}
IMAGES_NDIM = 3
LABELS_NDIM = 1


@dataclass(frozen=True)
class IdxHeader:
    """The decoded header of an IDX file."""

    dims: tuple[int, ...]

    @property
    def count(self) -> int:
        return self.dims[0]

    @property
    def offset(self) -> int:
        return 4 + 4 * len(self.dims)

    @property
    def item_size(self) -> int:
        return int(np.prod(self.dims[1:], dtype=np.int64))


def gunzip_if_compressed(data: bytes, name: str) -> bytes:
    """Returns the file's bytes, decompressed when they start with the gzip magic number."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error) as error:
        raise InputError(f"{name}: corrupt gzip data ({error})") from None


def gunzip_prefix(data: bytes, name: str, whole_file: bool) -> bytes:
    """Decompresses as much of a gzip file's first bytes as possible (to read its header).

    Args:
        whole_file: ``data`` is the whole file, so a gzip stream that has not ended is cut.
    """
    if not data.startswith(GZIP_MAGIC):
        return data
    decompressor = zlib.decompressobj(wbits=31)
    try:
        head = decompressor.decompress(data)
    except zlib.error as error:
        raise InputError(f"{name}: corrupt gzip data ({error})") from None
    if whole_file and not decompressor.eof:
        raise InputError(
            f"{name}: truncated gzip data: the file ends after {len(data)} bytes, "
            "before its compressed stream does"
        )
    return head


def looks_like_idx(data: bytes) -> bool:
    """Whether ``data`` (uncompressed) starts like an IDX file: two zero bytes, a data type."""
    return len(data) >= 4 and data[:2] == b"\0\0" and data[2] in DATA_TYPE_NAMES


def parse_header(data: bytes, name: str, expected_ndim: int) -> IdxHeader:
    """Validates and decodes the header at the start of ``data`` (uncompressed bytes)."""
    kind = "images" if expected_ndim == IMAGES_NDIM else "labels"
    if len(data) < 4:
        raise InputError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    if data[:4].isascii() and data[:4].decode().isprintable():
        raise InputError(
            f"{name}: not an IDX file but text (it starts with '{data[:4].decode()}'); "
            "a CSV file is read with --format csv"
        )
    if not looks_like_idx(data):
        raise InputError(
            f"{name}: wrong magic number 0x{data[:4].hex()}, not an IDX file "
            f"(expected 0x0000080{expected_ndim} for MNIST {kind})"
        )
    data_type, ndim = data[2], data[3]
    if data_type != UNSIGNED_BYTE:
        raise InputError(
            f"{name}: IDX data type is {DATA_TYPE_NAMES[data_type]} (0x{data_type:02X}); "
            "MNIST files hold unsigned bytes (0x08)"
        )
    if ndim != expected_ndim:
        raise InputError(
            f"{name}: IDX file has {ndim} dimensions; MNIST {kind} files have {expected_ndim}"
        )
    if len(data) < 4 + 4 * ndim:
        raise InputError(f"{name}: truncated IDX header")
    dims = struct.unpack(f">{ndim}I", data[4 : 4 + 4 * ndim])
    if expected_ndim == IMAGES_NDIM and (dims[1] == 0 or dims[2] == 0):
        raise InputError(f"{name}: image size {dims[1]}x{dims[2]} is empty")
    return IdxHeader(dims)


def decode_values(data: bytes, name: str, expected_ndim: int) -> tuple[IdxHeader, np.ndarray]:
    """Decodes a whole (uncompressed) IDX file into its header and a 2-D uint8 array.

    Returns:
        The header and the values as shape (count, item_size); labels have item_size 1.
    """
    header = parse_header(data, name, expected_ndim)
    held = len(data) - header.offset
    if held != header.count * header.item_size:
        raise _length_error(header, name, held)
    values = np.frombuffer(data, dtype=np.uint8, offset=header.offset)
    return header, values.reshape(header.count, header.item_size)


def _length_error(header: IdxHeader, name: str, held: int) -> InputError:
    expected = header.count * header.item_size
    problem = "truncated" if held < expected else "longer than its header says"
    return InputError(
        f"{name}: {problem}: header says {header.count} items of {header.item_size} bytes "
        f"({expected} bytes of data), the file holds {held}"
    )


def decode_pair(
    images: bytes, labels: bytes, images_name: str, labels_name: str
) -> tuple[IdxHeader, np.ndarray, np.ndarray]:
    """Decodes an images file and its labels file and checks that they belong together.

    Returns:
        The images header, pixels as (count, rows*cols) uint8, labels as (count,) uint8.
    """
    header, pixels = decode_values(gunzip_if_compressed(images, images_name), images_name, 3)
    label_values = decode_labels(labels, labels_name, header.count, images_name)
    return header, pixels, label_values


def decode_labels(data: bytes, name: str, image_count: int, images_name: str) -> np.ndarray:
    """Decodes a whole labels file (gzip or raw) and checks it against its images file.

    Returns:
        The labels as a (count,) uint8 array.
    """
    _, values = decode_values(gunzip_if_compressed(data, name), name, LABELS_NDIM)
    if len(values) != image_count:
        raise InputError(
            f"{images_name}: holds {image_count} images but {name} holds {len(values)} labels"
        )
    values = values.ravel()
    if values.size and values.max() > 9:
        position = int(np.argmax(values > 9))
        raise InputError(
            f"{name}: label {int(values[position])} at index {position} is outside 0..9"
        )
    return values


def encode(values: np.ndarray) -> bytes:
    """Encodes a uint8 array (images: (count, rows, cols); labels: (count,)) as an IDX file."""
    values = np.ascontiguousarray(values, dtype=np.uint8)
    header = struct.pack(">HBB", 0, UNSIGNED_BYTE, values.ndim)
    return header + struct.pack(f">{values.ndim}I", *values.shape) + values.tobytes()
