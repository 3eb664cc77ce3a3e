import gzip

import numpy as np
import pytest

from mnist_lr import idx
from mnist_lr.errors import InputError

IMAGES = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
LABELS = np.array([3, 7], dtype=np.uint8)


def test_encode_writes_the_mnist_header():
    assert idx.encode(IMAGES)[:16] == bytes.fromhex("00000803000000020000000300000004")
    assert idx.encode(LABELS) == bytes.fromhex("00000801000000020307")


@pytest.mark.parametrize("compress", [False, True])
def test_decode_pair_returns_pixels_rows_and_labels(compress):
    wrap = gzip.compress if compress else bytes
    header, pixels, labels = idx.decode_pair(
        wrap(idx.encode(IMAGES)), wrap(idx.encode(LABELS)), "i", "l"
    )
    assert header.dims == (2, 3, 4)
    np.testing.assert_array_equal(pixels, IMAGES.reshape(2, 12))
    np.testing.assert_array_equal(labels, [3, 7])


def test_gunzip_prefix_reads_a_header_from_the_first_bytes_only():
    data = gzip.compress(idx.encode(np.zeros((500, 28, 28), np.uint8)))
    head = idx.gunzip_prefix(data[:200], "f", whole_file=False)
    assert idx.parse_header(head, "f", 3).dims == (500, 28, 28)


def test_a_gzip_file_cut_inside_its_header_is_called_truncated():
    cut = gzip.compress(idx.encode(IMAGES))[:10]  # the gzip header: no IDX byte decompressed
    with pytest.raises(InputError, match=r"^f\.gz: truncated gzip data: the file ends after 10 "):
        idx.gunzip_prefix(cut, "f.gz", whole_file=True)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x00", "too short"),
        (b"\x12\x34\x08\x03" + bytes(12), "wrong magic number 0x12340803"),
        (b"3,0,255,0\n", "not an IDX file but text \\(it starts with '3,0,'\\)"),
        (b"\x00\x00\x0d\x03" + bytes(12), "data type is float"),
        (b"\x00\x00\x08\x01" + bytes(4), "has 1 dimensions"),
        (b"\x00\x00\x08\x03" + bytes(4), "truncated IDX header"),
        (idx.encode(IMAGES)[:-1], "truncated: header says 2 items of 12 bytes"),
        (idx.encode(IMAGES) + b"\x00", "longer than its header says"),
    ],
)
def test_decode_values_names_the_file_and_the_problem(data, message):
    with pytest.raises(InputError, match=message) as error:
        idx.decode_values(data, "train-images", 3)
    assert str(error.value).startswith("train-images: ")


def test_counts_that_disagree_between_images_and_labels_are_refused():
    labels = idx.encode(np.array([1, 2, 3], np.uint8))
    with pytest.raises(InputError, match="holds 2 images but l holds 3 labels"):
        idx.decode_pair(idx.encode(IMAGES), labels, "i", "l")


def test_labels_outside_0_to_9_are_refused():
    labels = idx.encode(np.array([1, 12], np.uint8))
    with pytest.raises(InputError, match="label 12 at index 1 is outside 0..9"):
        idx.decode_pair(idx.encode(IMAGES), labels, "i", "l")


def test_corrupt_gzip_is_refused():
    data = bytearray(gzip.compress(idx.encode(IMAGES)))
    data[12:20] = b"\xff" * 8
    with pytest.raises(InputError, match="corrupt gzip"):
        idx.gunzip_if_compressed(bytes(data), "f.gz")
