"""Decoding of MNIST's IDX files (gzip-compressed or raw), as pure functions on bytes.

An IDX file is a 4-byte magic number (two zero bytes, a data-type code, the number of
dimensions), one big-endian uint32 per dimension, then the values in row-major order. MNIST
uses data type 0x08 (unsigned byte): 3 dimensions (count, rows, columns) for images and 1
(count) for labels. These functions run on the executors (whole files) and on the driver
(headers only); every problem raises :class:`InputError` naming the file.
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


def gunzip_prefix(data: bytes, name: str) -> bytes:
    """Decompresses as much of a gzip file's first bytes as possible (to read its header)."""
    if not data.startswith(GZIP_MAGIC):
        return data
    try:
        return zlib.decompressobj(wbits=31).decompress(data)
    except zlib.error as error:
        raise InputError(f"{name}: corrupt gzip data ({error})") from None


def parse_header(data: bytes, name: str, expected_ndim: int) -> IdxHeader:
    """Validates and decodes the header at the start of ``data`` (uncompressed bytes)."""
    kind = "images" if expected_ndim == IMAGES_NDIM else "labels"
    if len(data) < 4:
        raise InputError(f"{name}: too short to be an IDX file ({len(data)} bytes)")
    zero, data_type, ndim = struct.unpack(">HBB", data[:4])
    if zero != 0 or data_type not in DATA_TYPE_NAMES:
        raise InputError(
            f"{name}: wrong magic number 0x{data[:4].hex()}, not an IDX file "
            f"(expected 0x0000080{expected_ndim} for MNIST {kind})"
        )
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
    expected = header.count * header.item_size
    actual = len(data) - header.offset
    if actual != expected:
        problem = "truncated" if actual < expected else "longer than its header says"
        raise InputError(
            f"{name}: {problem}: header says {header.count} items of {header.item_size} bytes "
            f"({expected} bytes of data), the file holds {actual}"
        )
    values = np.frombuffer(data, dtype=np.uint8, offset=header.offset)
    return header, values.reshape(header.count, header.item_size)


def decode_pair(
    images: bytes, labels: bytes, images_name: str, labels_name: str
) -> tuple[IdxHeader, np.ndarray, np.ndarray]:
    """Decodes an images file and its labels file and checks that they belong together.

    Returns:
        The images header, pixels as (count, rows*cols) uint8, labels as (count,) uint8.
    """
    header, pixels = decode_values(gunzip_if_compressed(images, images_name), images_name, 3)
    _, label_values = decode_values(gunzip_if_compressed(labels, labels_name), labels_name, 1)
    if len(label_values) != header.count:
        raise InputError(
            f"{images_name}: holds {header.count} images but {labels_name} holds "
            f"{len(label_values)} labels"
        )
    label_values = label_values.ravel()
    if label_values.size and label_values.max() > 9:
        position = int(np.argmax(label_values > 9))
        raise InputError(
            f"{labels_name}: label {int(label_values[position])} at index {position} "
            "is outside 0..9"
        )
    return header, pixels, label_values


def encode(values: np.ndarray) -> bytes:
    """Encodes a uint8 array (images: (count, rows, cols); labels: (count,)) as an IDX file."""
    values = np.ascontiguousarray(values, dtype=np.uint8)
    header = struct.pack(">HBB", 0, UNSIGNED_BYTE, values.ndim)
    return header + struct.pack(f">{values.ndim}I", *values.shape) + values.tobytes()
