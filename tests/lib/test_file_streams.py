import gzip

import pytest

from mnist_lr.errors import InputError
from mnist_lr.file_streams import open_uncompressed

DATA = bytes(range(256)) * 4096  # 1 MiB: several reads of the decompressor's buffer


def read_all(path, chunk):
    parts = []
    with open_uncompressed(str(path), path.name) as stream:
        while part := stream.read(chunk):
            parts.append(part)
    return b"".join(parts)


@pytest.mark.parametrize("name", ["plain.idx", "packed.gz", "packed-without-suffix"])
@pytest.mark.parametrize("chunk", [1000, 8 << 20])
def test_streams_the_uncompressed_bytes_whatever_the_name(tmp_path, name, chunk):
    path = tmp_path / name
    path.write_bytes(DATA if name == "plain.idx" else gzip.compress(DATA))
    assert read_all(path, chunk) == DATA


def test_a_file_named_gz_that_is_not_gzip_is_read_as_it_is(tmp_path):
    path = tmp_path / "raw-images-idx3-ubyte.gz"
    path.write_bytes(DATA)
    assert read_all(path, 8 << 20) == DATA


def test_a_cut_gzip_stream_names_the_file(tmp_path):
    path = tmp_path / "cut.gz"
    path.write_bytes(gzip.compress(DATA)[:-6])
    with pytest.raises(InputError, match=r"^cut\.gz: corrupt gzip data \("):
        read_all(path, 8 << 20)


def test_damaged_deflate_data_names_the_file(tmp_path):
    damaged = bytearray(gzip.compress(DATA))
    damaged[100:110] = b"\xff" * 10
    path = tmp_path / "damaged.gz"
    path.write_bytes(bytes(damaged))
    with pytest.raises(InputError, match=r"^damaged\.gz: corrupt gzip data \("):
        read_all(path, 8 << 20)
