"""The benchmark's augmentation: shifted copies of real digits."""

import gzip

import make_data
import numpy as np
from make_data import SHIFTS, augment, moved, shifted


def test_moved_loses_ink_past_the_edge_instead_of_wrapping_it():
    image = np.zeros((1, 4, 4), dtype=np.uint8)
    image[0, 3, 0] = 200  # bottom left corner
    down_left = moved(image, 1, -1)
    assert not down_left.any(), "ink moved past the corner must not reappear opposite"
    up_right = moved(image, -2, 3)
    assert up_right[0, 1, 3] == 200 and up_right.sum() == 200


def test_half_pixel_shift_averages_the_two_neighbouring_whole_shifts():
    image = np.zeros((1, 3, 3), dtype=np.uint8)
    image[0, 1, 1] = 100
    half = shifted(image, 0.5, 0.0)
    assert half[0, 1, 1] == 50 and half[0, 2, 1] == 50 and half.sum() == 100


def test_augment_makes_every_shift_once_before_repeating():
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28) % 7
    labels = np.array([3, 7])
    out_images, out_labels = augment(images, labels, 2 * len(SHIFTS) + 1)
    assert len(SHIFTS) == 81 and SHIFTS[0] == (0.0, 0.0)
    assert len(set(SHIFTS)) == 81 and max(max(map(abs, s)) for s in SHIFTS) == 2
    for k, (dy, dx) in enumerate(SHIFTS):
        np.testing.assert_array_equal(out_images[2 * k : 2 * k + 2], shifted(images, dy, dx))
    np.testing.assert_array_equal(out_images[-1:], images[:1])
    assert out_labels.tolist() == [3, 7] * len(SHIFTS) + [3]


def test_no_source_digit_appears_in_both_train_and_test(tmp_path, monkeypatch):
    # Each source digit is one dot whose value is its index: a shifted copy keeps the value.
    sources = np.zeros((28, 28, 28), dtype=np.uint8)
    for i in range(28):
        sources[i, 10:18, 10:18] = 10 + 8 * i
    monkeypatch.setattr(make_data, "load_source", lambda _: (sources, np.arange(28) % 10))
    monkeypatch.setattr(make_data, "MNIST_TRAIN", 240)
    monkeypatch.setattr(make_data, "MNIST_TEST", 40)

    make_data.build(tmp_path, 1, None, None)

    def source_digits(prefix):
        raw = gzip.decompress((tmp_path / f"{prefix}-images-idx3-ubyte.gz").read_bytes())
        images = np.frombuffer(raw, np.uint8, offset=16).reshape(-1, 28, 28)
        return {(int(image.max()) - 10) // 8 for image in images}

    train, test = source_digits("train"), source_digits("t10k")
    assert train and test and not train & test
    assert train | test == set(range(28))


def test_inputs_are_rebuilt_when_the_source_they_were_built_from_changes(tmp_path, monkeypatch):
    built = []
    monkeypatch.setattr(make_data, "build", lambda output, *args: built.append(args))
    source = tmp_path / "shared"
    source.mkdir()
    argv = ["--output", str(tmp_path / "1x"), "--scale", "1", "--source", str(source)]
    (tmp_path / "1x").mkdir()

    make_data.main(argv)  # no MNIST files there yet: the embedded sample
    make_data.main(argv)
    (source / "t10k-images-idx3-ubyte.gz").write_bytes(b"")
    make_data.main(argv)

    assert len(built) == 2
    assert (tmp_path / "1x" / "_data_version").read_text() == f"2 source={source} digits=all\n"
