"""Tests of mnist_lr.figures: pictures saved as real, non-blank PNGs, and exact curve points."""

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from matplotlib import pyplot
from PIL import Image
from sklearn.metrics import auc, precision_recall_curve, roc_auc_score, roc_curve

from mnist_lr.figures import (
    coefficient_heatmap_figure,
    misclassified_figure,
    pr_points,
    probability_histogram_figure,
    roc_points,
    roc_pr_figure,
    sample_digits_figure,
    save_figure,
    sigmoid_figure,
)

SIDE = 28


def draw_seven() -> np.ndarray:
    image = np.zeros((SIDE, SIDE), dtype=np.int64)
    image[5:8, 6:23] = 255
    for row in range(8, 25):
        col = 21 - (row - 8) * 10 // 16
        image[row, col - 1 : col + 2] = 255
    return image


def draw_three() -> np.ndarray:
    image = np.zeros((SIDE, SIDE), dtype=np.int64)
    for row in (5, 13, 21):
        image[row : row + 3, 8:20] = 255
    image[5:24, 18:21] = 255
    return image


def digits(count: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Alternating 7s and 3s with a little noise, flattened row-major, and their labels."""
    rng = np.random.default_rng(seed)
    labels = np.array([7 if i % 2 == 0 else 3 for i in range(count)])
    images = np.stack([draw_seven() if label == 7 else draw_three() for label in labels])
    noisy = np.clip(images + rng.integers(0, 40, size=images.shape), 0, 255)
    return noisy.reshape(count, SIDE * SIDE), labels


def saved_image(fig, tmp_path, name: str) -> Image.Image:
    """Save through save_figure and check the file is a sensible, non-blank PNG."""
    path = tmp_path / "figures" / f"{name}.png"
    save_figure(fig, path)
    with Image.open(path) as image:
        assert image.format == "PNG"
        assert image.width >= 300 and image.height >= 200
        gray = np.asarray(image.convert("L"), dtype=float)
    assert gray.std() > 10, f"{name}.png looks blank"
    return gray


def grid_digits(fig):
    """The (title, image array) of each digit of a digit grid, in drawing order."""
    (ax,) = fig.axes
    return [
        (text.get_text(), image.get_array())
        for text, image in zip(ax.texts, ax.images, strict=True)
    ]


def test_sample_digits_figure_draws_each_digit_with_its_label(tmp_path):
    pixels, labels = digits(10)
    fig = sample_digits_figure(pixels, labels, SIDE, SIDE, columns=4)
    drawn = grid_digits(fig)
    assert [title for title, _ in drawn] == [str(label) for label in labels]
    np.testing.assert_array_equal(drawn[1][1], pixels[1].reshape(SIDE, SIDE))
    assert fig.axes[0].images[0].get_cmap().name == "gray_r"
    saved_image(fig, tmp_path, "samples")


def test_digit_grid_places_digits_in_rows_without_overlap():
    pixels, labels = digits(10)
    fig = sample_digits_figure(pixels, labels, SIDE, SIDE, columns=4)
    (ax,) = fig.axes
    boxes = [image.get_extent() for image in ax.images]  # left, right, bottom, top
    lefts = sorted({box[0] for box in boxes})
    tops = sorted({box[3] for box in boxes})
    assert len(lefts) == 4 and len(tops) == 3, "expected 4 columns and 3 rows"
    assert all(next_left > left + SIDE for left, next_left in itertools.pairwise(lefts))
    assert all(next_top > top + SIDE for top, next_top in itertools.pairwise(tops))
    x_low, x_high = ax.get_xlim()
    y_high, y_low = ax.get_ylim()
    assert all(x_low <= box[0] and box[1] <= x_high for box in boxes)
    assert all(y_low <= box[3] and box[2] <= y_high for box in boxes)
    assert fig.get_suptitle() == "Sample digits"


def test_sample_digits_figure_accepts_a_column_of_arrays():
    pixels, labels = digits(3)
    column = pd.Series(list(pixels))
    fig = sample_digits_figure(column, list(labels), SIDE, SIDE)
    np.testing.assert_array_equal(grid_digits(fig)[2][1], pixels[2].reshape(SIDE, SIDE))


def test_sample_digits_figure_refuses_pixels_of_another_size():
    pixels, labels = digits(2)
    with pytest.raises(ValueError, match="expected \\(n, 400\\) for 20x20"):
        sample_digits_figure(pixels, labels, 20, 20)
    with pytest.raises(ValueError, match="labels has 1 entries for 2"):
        sample_digits_figure(pixels, labels[:1], SIDE, SIDE)


def test_coefficient_heatmap_is_row_major_and_centred_at_zero(tmp_path):
    height, width = 4, 6
    coefficients = np.linspace(-0.5, 2.0, height * width)
    fig = coefficient_heatmap_figure(coefficients, height, width, 3, 7, scale_quantile=1.0)
    image = fig.axes[0].images[0]
    np.testing.assert_array_equal(image.get_array(), coefficients.reshape(height, width))
    assert image.get_array()[1, 0] == coefficients[width]
    assert image.get_clim() == (-2.0, 2.0)
    assert image.get_cmap().name == "RdBu_r"
    assert len(fig.axes) == 2, "expected a colour bar"
    assert "red pixels vote for 7, blue for 3" in fig.axes[0].get_title()
    saved_image(fig, tmp_path, "coefficients")


def test_coefficient_heatmap_scale_ignores_a_few_extreme_pixels():
    coefficients = np.r_[np.linspace(-1.0, 1.0, 783), 50.0]
    fig = coefficient_heatmap_figure(coefficients, 28, 28, 3, 7)
    low, high = fig.axes[0].images[0].get_clim()
    assert low == -high and 0.9 < high < 1.0
    np.testing.assert_array_equal(fig.axes[0].images[0].get_array().ravel(), coefficients)


def test_coefficient_heatmap_scale_of_a_sparse_model_is_that_of_its_few_weights():
    coefficients = np.zeros(784)
    coefficients[[100, 200, 300, 400, 500, 600, 700]] = [
        0.01,
        -0.02,
        0.03,
        0.01,
        -0.01,
        0.02,
        -0.03,
    ]
    fig = coefficient_heatmap_figure(coefficients, 28, 28, 3, 7)
    low, high = fig.axes[0].images[0].get_clim()
    assert low == -high and 0.025 < high <= 0.03


def test_coefficient_heatmap_of_zeros_has_a_unit_scale():
    fig = coefficient_heatmap_figure(np.zeros(784), 28, 28, 3, 7)
    assert fig.axes[0].images[0].get_clim() == (-1.0, 1.0)


@pytest.mark.parametrize(("extreme", "arrows"), [(50.0, "max"), (-50.0, "min"), (0.5, "neither")])
def test_coefficient_heatmap_colour_bar_has_an_arrow_only_where_values_are_clipped(extreme, arrows):
    coefficients = np.r_[np.linspace(-1.0, 1.0, 783), extreme]
    fig = coefficient_heatmap_figure(coefficients, 28, 28, 3, 7, scale_quantile=0.999)
    assert fig.axes[1]._colorbar.extend == arrows


def test_coefficient_heatmap_refuses_a_wrong_count():
    with pytest.raises(ValueError, match="expected \\(784,\\)"):
        coefficient_heatmap_figure(np.zeros(783), SIDE, SIDE, 3, 7)


def logit(probabilities):
    p = np.asarray(probabilities, dtype=float)
    return np.log(p / (1 - p))


def test_misclassified_figure_shows_mistakes_most_confident_first(tmp_path):
    pixels, _ = digits(6)
    labels = np.array([7, 3, 7, 3, 3, 7])
    probabilities = np.array([0.9, 0.6, 0.2, 0.95, 0.5, 0.45])
    fig = misclassified_figure(
        pixels, labels, probabilities, logit(probabilities), 3, 7, SIDE, SIDE
    )
    drawn = grid_digits(fig)
    assert [title for title, _ in drawn] == [
        "3→7, p(7)=0.950",
        "7→3, p(7)=0.200",
        "3→7, p(7)=0.600",
        "7→3, p(7)=0.450",
    ]
    np.testing.assert_array_equal(drawn[0][1], pixels[3].reshape(SIDE, SIDE))
    saved_image(fig, tmp_path, "misclassified")


def test_misclassified_figure_measures_confidence_from_an_uneven_threshold_by_the_margin():
    # At threshold 0.9 a 7 at p=0.5 is further from the boundary (margin 0 against logit(0.9),
    # 2.2) than a 3 at p=0.95 (margin 2.9), though its probability is nearer 0.9. Two 3s at p=1.0
    # (rounded) are ordered by their margins.
    pixels, _ = digits(5)
    labels = np.array([3, 7, 3, 3, 3])
    probabilities = np.array([0.95, 0.5, 0.999, 1.0, 1.0])
    margins = np.r_[logit(probabilities[:3]), 40.0, 45.0]
    fig = misclassified_figure(
        pixels, labels, probabilities, margins, 3, 7, SIDE, SIDE, threshold=0.9
    )
    order = [np.flatnonzero((pixels.reshape(-1, SIDE, SIDE) == image).all(axis=(1, 2)))[0]
             for _, image in grid_digits(fig)]  # fmt: skip
    assert order == [4, 3, 2, 1, 0]


def test_misclassified_figure_respects_limit_and_threshold():
    pixels, labels = digits(40)
    wrong = np.where(labels == 7, 0.1, 0.9)
    margins = logit(wrong)
    fig = misclassified_figure(pixels, labels, wrong, margins, 3, 7, SIDE, SIDE)
    assert len(grid_digits(fig)) == 36
    assert "36 of 40" in fig.get_suptitle()
    fig = misclassified_figure(
        pixels, labels, wrong, margins, 3, 7, SIDE, SIDE, limit=5, threshold=0.95
    )
    assert len(grid_digits(fig)) == 5
    assert "5 of 20" in fig.get_suptitle()
    fig = misclassified_figure(
        pixels, labels, wrong, margins, 3, 7, SIDE, SIDE, misclassified_in_all=412
    )
    assert "36 of 412" in fig.get_suptitle()


def test_misclassified_figure_says_so_when_there_are_none(tmp_path):
    pixels, labels = digits(4)
    right = np.where(labels == 7, 0.99, 0.01)
    fig = misclassified_figure(pixels, labels, right, logit(right), 3, 7, SIDE, SIDE)
    texts = [text.get_text() for ax in fig.axes for text in ax.texts]
    assert texts == ["no misclassified digits"]
    assert fig.axes[0].get_title() == "Misclassified digits"
    saved_image(fig, tmp_path, "none-misclassified")


def test_roc_pr_figure_draws_both_curves_with_their_areas(tmp_path):
    rng = np.random.default_rng(1)
    label = rng.integers(0, 2, 300)
    score = np.round(label * 0.4 + rng.random(300) * 0.6, 2)
    score[np.argmax(label == 0)] = 1.5  # the highest score is a mistake: precision 0 there
    roc, pr = roc_points(label, score), pr_points(label, score)
    fig = roc_pr_figure(roc, pr, 0.9123, 0.8765)
    roc_ax, pr_ax = fig.axes
    assert "0.9123" in roc_ax.get_title() and "0.8765" in pr_ax.get_title()
    np.testing.assert_array_equal(roc_ax.lines[1].get_xdata(), roc["fpr"])
    # The PR curve starts where its area starts: at the highest score's precision, not at 1.
    drawn_precision = pr_ax.lines[0].get_ydata()
    assert pr["precision"][0] == 1.0 and drawn_precision[0] == pr["precision"][1] < 1.0
    np.testing.assert_array_equal(drawn_precision[1:], pr["precision"][1:])
    np.testing.assert_array_equal(pr_ax.lines[0].get_xdata(), pr["recall"])
    assert list(roc_ax.lines[0].get_xdata()) == [0, 1], "expected the chance diagonal"
    saved_image(fig, tmp_path, "roc_pr")


def test_probability_histogram_has_one_histogram_per_digit_and_the_boundary(tmp_path):
    rng = np.random.default_rng(2)
    labels = np.repeat([3, 7], 200)
    probabilities = np.concatenate([rng.beta(1, 8, 200), rng.beta(8, 1, 200)])
    fig = probability_histogram_figure(probabilities, labels, 3, 7, threshold=0.3)
    (ax,) = fig.axes
    legend = [text.get_text() for text in ax.get_legend().get_texts()]
    assert legend == ["true 3 (n=200)", "true 7 (n=200)", "decision boundary p=0.3"]
    assert list(ax.lines[0].get_xdata()) == [0.3, 0.3]
    heights = sum(patch.get_height() for patch in ax.patches)
    assert heights == 400
    saved_image(fig, tmp_path, "probabilities")


def test_sigmoid_figure_places_specimens_on_the_curve(tmp_path):
    margins = np.array([-8.0, -1.0, 0.5, 3.0, 10.0])
    labels = np.array([3, 7, 3, 7, 7])
    fig = sigmoid_figure(margins, labels, 3, 7, threshold=0.8)
    (ax,) = fig.axes
    threes, sevens = ax.collections
    expected = 1 / (1 + np.exp(-margins))
    np.testing.assert_allclose(threes.get_offsets(), np.c_[margins[[0, 2]], expected[[0, 2]]])
    np.testing.assert_allclose(sevens.get_offsets(), np.c_[margins[[1, 3, 4]], expected[[1, 3, 4]]])
    boundary = ax.lines[1].get_xdata()
    np.testing.assert_allclose(boundary, [math.log(4), math.log(4)])
    curve = ax.lines[0]
    np.testing.assert_allclose(curve.get_ydata(), 1 / (1 + np.exp(-curve.get_xdata())))
    assert curve.get_xdata().min() < -8 and curve.get_xdata().max() > 10
    assert ax.get_xlabel() == "margin β·x + b" and ax.get_ylabel() == "P(digit = 7)"
    saved_image(fig, tmp_path, "sigmoid")


def test_sigmoid_figure_refuses_a_threshold_outside_zero_one():
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        sigmoid_figure([0.0], [7], 3, 7, threshold=1.0)


def test_roc_points_by_hand_with_a_tie():
    points = roc_points(np.array([1, 0, 1, 0]), np.array([0.9, 0.5, 0.5, 0.1]))
    expected = pd.DataFrame(
        {
            "fpr": [0.0, 0.0, 0.5, 1.0],
            "tpr": [0.0, 0.5, 1.0, 1.0],
            "threshold": [np.inf, 0.9, 0.5, 0.1],
        }
    )
    pd.testing.assert_frame_equal(points, expected)


def test_pr_points_by_hand_with_a_tie():
    points = pr_points(np.array([1, 0, 1, 0]), np.array([0.9, 0.5, 0.5, 0.1]))
    expected = pd.DataFrame(
        {
            "recall": [0.0, 0.5, 1.0, 1.0],
            "precision": [1.0, 1.0, 2 / 3, 0.5],
            "threshold": [np.inf, 0.9, 0.5, 0.1],
        }
    )
    pd.testing.assert_frame_equal(points, expected)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_curve_points_match_sklearn_on_data_with_ties(seed):
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, 2000)
    score = np.round(rng.random(2000) * 0.7 + label * 0.3, 2)
    fpr, tpr, thresholds = roc_curve(label, score, drop_intermediate=False)
    roc = roc_points(label, score)
    assert len(roc) < len(score), "the data should contain ties"
    np.testing.assert_allclose(roc["fpr"], fpr)
    np.testing.assert_allclose(roc["tpr"], tpr)
    np.testing.assert_array_equal(roc["threshold"], thresholds)
    assert auc(roc["fpr"], roc["tpr"]) == pytest.approx(roc_auc_score(label, score))
    precision, recall, pr_thresholds = precision_recall_curve(label, score, drop_intermediate=False)
    pr = pr_points(label.astype(bool), score)
    np.testing.assert_allclose(pr["precision"], precision[::-1])
    np.testing.assert_allclose(pr["recall"], recall[::-1])
    np.testing.assert_array_equal(pr["threshold"].iloc[1:], pr_thresholds[::-1])


@pytest.mark.parametrize(
    ("label", "score", "message"),
    [
        ([1, 1], [0.1, 0.2], "both classes"),
        ([0, 2], [0.1, 0.2], "only 0 and 1"),
        ([0, 1], [0.1, np.nan], "NaN"),
        ([0, 1, 1], [0.1, 0.2], "same length"),
    ],
)
def test_curve_points_refuse_bad_input(label, score, message):
    with pytest.raises(ValueError, match=message):
        roc_points(np.array(label), np.array(score))


def test_save_figure_closes_a_pyplot_figure(tmp_path):
    fig = pyplot.figure(figsize=(4, 3))
    fig.add_subplot().plot([0, 1], [1, 0])
    save_figure(fig, tmp_path / "nested" / "line.png", dpi=80)
    assert not pyplot.fignum_exists(fig.number)
    with Image.open(tmp_path / "nested" / "line.png") as image:
        assert image.size == (320, 240)
