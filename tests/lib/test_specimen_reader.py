import re

import numpy as np
import pytest
from drawn import drawn_seven, drawn_three
from mnist_files import tiny_digits, write_idx_pair

from mnist_lr.cli import as_user_error
from mnist_lr.dataset import image_size
from mnist_lr.errors import BadImageError, InputError
from mnist_lr.readers import read_digits
from mnist_lr.specimen_reader import read_specimens
from mnist_lr.specimens import image_to_mnist


def test_image_folder_is_decoded_on_executors_into_mnist_rows(spark, tmp_path):
    (tmp_path / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "seven-rgba.png").write_bytes(drawn_seven(mode="RGBA"))
    (tmp_path / "three.jpg").write_bytes(drawn_three())

    dataset, skipped = read_specimens(spark, str(tmp_path), None, 28, 28, skip_bad_images=False)

    rows = {row.image_id: row for row in dataset.frame.collect()}
    assert skipped == []
    assert set(rows) == {"seven.png", "seven-rgba.png", "three.jpg"}
    assert image_size(dataset.frame) == (28, 28)
    assert all(row.label is None for row in rows.values())
    expected = image_to_mnist(drawn_seven())
    np.testing.assert_array_equal(rows["seven.png"].pixels, expected)
    np.testing.assert_array_equal(rows["seven-rgba.png"].pixels, expected)


@pytest.mark.parametrize(
    ("content", "problem"),
    [(b"not an image", "cannot identify image file"), (b"", "the file is empty")],
    ids=["undecodable", "empty"],  # Spark's binaryFile source skips empty files
)
def test_unreadable_image_fails_or_is_skipped_and_counted(spark, tmp_path, content, problem):
    (tmp_path / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "broken.png").write_bytes(content)

    dataset, skipped = read_specimens(spark, str(tmp_path), None, 28, 28, skip_bad_images=True)
    assert skipped == ["broken.png"]
    assert [row.image_id for row in dataset.frame.collect()] == ["seven.png"]

    with pytest.raises(
        Exception, match=re.escape(f"file:{tmp_path}/broken.png: not a decodable image: {problem}")
    ) as error:
        read_specimens(spark, str(tmp_path), None, 28, 28, skip_bad_images=False)
    # Raised on an executor (undecodable) or on the driver (empty): the same error either way.
    assert isinstance(as_user_error(error.value), BadImageError)


def test_specimens_of_another_size_are_refused(spark, tmp_path):
    write_idx_pair(tmp_path, "new", *tiny_digits(3, side=2))
    with pytest.raises(
        InputError, match="specimens are 2x2 images but the model was trained on 28x28"
    ):
        read_specimens(spark, str(tmp_path), None, 28, 28, skip_bad_images=False)


def test_an_input_with_its_own_test_files_is_read_whole(spark, tmp_path):
    write_idx_pair(tmp_path / "idx", "train", *tiny_digits(3, seed=1))
    write_idx_pair(tmp_path / "idx", "t10k", *tiny_digits(2, seed=2))
    expected_ids = ["t10k:0", "t10k:1", "train:0", "train:1", "train:2"]

    dataset, _ = read_specimens(spark, str(tmp_path / "idx"), None, 2, 2, skip_bad_images=False)
    assert sorted(row.image_id for row in dataset.frame.collect()) == expected_ids

    inputs = read_digits(spark, str(tmp_path / "idx"))
    inputs.train.frame.write.parquet(str(tmp_path / "canonical" / "train"))
    inputs.test.frame.write.parquet(str(tmp_path / "canonical" / "test"))
    dataset, _ = read_specimens(
        spark, str(tmp_path / "canonical"), None, 2, 2, skip_bad_images=False
    )
    assert sorted(row.image_id for row in dataset.frame.collect()) == expected_ids
    assert image_size(dataset.frame) == (2, 2)


def test_unlabeled_csv_is_read_for_scoring(spark, tmp_path):
    images, _ = tiny_digits(3, side=2)
    (tmp_path / "new.csv").write_text("\n".join(",".join(map(str, i.ravel())) for i in images))
    dataset, _ = read_specimens(spark, str(tmp_path), None, 2, 2, skip_bad_images=False)
    rows = sorted(dataset.frame.collect(), key=lambda r: r.image_id)
    assert [(r.image_id, r.label, r.pixels) for r in rows] == [
        (f"new:{i}", None, images[i].ravel().tolist()) for i in range(3)
    ]


def test_image_folders_with_their_own_train_and_test_folders_are_read_whole(spark, tmp_path):
    (tmp_path / "train").mkdir()
    (tmp_path / "test").mkdir()
    (tmp_path / "train" / "seven.png").write_bytes(drawn_seven())
    (tmp_path / "test" / "seven.png").write_bytes(drawn_three())

    dataset, _ = read_specimens(spark, str(tmp_path), None, 28, 28, skip_bad_images=False)

    rows = {row.image_id: row.pixels for row in dataset.frame.collect()}
    assert sorted(rows) == ["test/seven.png", "train/seven.png"]
    np.testing.assert_array_equal(rows["test/seven.png"], image_to_mnist(drawn_three()))


@pytest.mark.parametrize(
    ("make_files", "message"),
    [
        (
            lambda d: (write_idx_pair(d, "new", *tiny_digits(3)), (d / "preview.png").touch()),
            "holds image files (preview.png, ...) and idx files",
        ),
        (
            lambda d: ((d / "train").mkdir(), (d / "seven.png").write_bytes(drawn_seven())),
            "holds train/ and also data files beside it (seven.png)",
        ),
    ],
)
def test_inputs_that_would_be_read_in_part_are_refused(spark, tmp_path, make_files, message):
    make_files(tmp_path)
    with pytest.raises(InputError, match=re.escape(message)):
        read_specimens(spark, str(tmp_path), None, 2, 2, skip_bad_images=False)
