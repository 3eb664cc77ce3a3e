"""Figures of a published run, drawn from its small outputs (pandas frames and numpy arrays).

No Spark here: the report job reads the few rows each figure needs and passes them in. Figures are
built on `matplotlib.figure.Figure` directly, never through pyplot, so this module does not touch
the interactive backend (notebooks keep theirs) and is safe to call from several threads.

Colours are shared by every figure: red stands for the positive digit, blue for the negative one,
as on the coefficient heatmap where red pixels vote for the positive digit.
"""

import io
import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from numpy.typing import ArrayLike

NEGATIVE_COLOR = "tab:blue"
POSITIVE_COLOR = "tab:red"
MISCLASSIFIED_COLUMNS = 6
GRID_MARGIN_INCHES = 0.1
GRID_HEADER_INCHES = 0.55
GRID_TITLE_INCHES = 0.25


def sample_digits_figure(
    pixels: np.ndarray | Sequence[Sequence[int]],
    labels: Sequence[int],
    height: int,
    width: int,
    columns: int = 8,
) -> Figure:
    """Draw digits in a grid, ink dark on white, each titled with its label.

    Args:
        pixels: (n, height*width) values 0..255, row-major; or n flat rows (a column of arrays).
        labels: the n digits, in the same order.
        height: image height in pixels.
        width: image width in pixels.
        columns: images per grid row.

    Returns:
        The figure.
    """
    images = _as_images(pixels, height, width)
    _check_lengths(images, labels=labels)
    titles = [str(int(label)) for label in labels]
    return _digit_grid(images, titles, columns, "Sample digits", "no digits")


def coefficient_heatmap_figure(
    coefficients: np.ndarray,
    height: int,
    width: int,
    negative_digit: int,
    positive_digit: int,
    scale_quantile: float = 0.95,
) -> Figure:
    """Show one coefficient per pixel as an image on a diverging scale centred at zero.

    The colour scale spans +-the ``scale_quantile`` quantile of the non-zero |coefficient|s.
    Rarely inked border pixels get the largest weights (with standardisation; in a run on the
    embedded default, the largest is 70 times the median) and would otherwise wash out the
    picture; the colour bar's arrows mark the clipped extremes. Zeros are left out so that a
    sparse (L1) model, whose few non-zero weights are the whole story, is not drawn blank.

    Args:
        coefficients: height*width coefficients in pixel order (row-major).
        height: image height in pixels.
        width: image width in pixels.
        negative_digit: the digit predicted when the margin is negative (blue).
        positive_digit: the digit predicted when the margin is positive (red).
        scale_quantile: quantile of |coefficient| at which the colour scale saturates (1 = max).

    Returns:
        The figure; its first axes holds the image, the second the colour bar.
    """
    values = np.asarray(coefficients, dtype=float)
    if values.shape != (height * width,):
        raise ValueError(
            f"coefficients have shape {values.shape}; expected ({height * width},) "
            f"for {height}x{width} images"
        )
    grid = values.reshape(height, width)
    weights = np.abs(values[values != 0])
    bound = float(np.quantile(weights, scale_quantile)) if len(weights) else 1.0
    fig = Figure(figsize=(6.4, 5.4), layout="constrained")
    ax = fig.subplots()
    image = ax.imshow(grid, cmap="RdBu_r", vmin=-bound, vmax=bound, interpolation="nearest")
    fig.colorbar(image, ax=ax, label="coefficient", extend=_clipped_ends(values, bound))
    ax.set_title(
        f"Learned coefficients: red pixels vote for {positive_digit}, blue for {negative_digit}"
    )
    ax.set_xlabel("column")
    ax.set_ylabel("row")
    return fig


def misclassified_figure(
    pixels: np.ndarray | Sequence[Sequence[int]],
    label_digits: ArrayLike,
    probabilities: ArrayLike,
    margins: ArrayLike,
    negative_digit: int,
    positive_digit: int,
    height: int,
    width: int,
    limit: int = 36,
    threshold: float = 0.5,
    misclassified_in_all: int | None = None,
) -> Figure:
    """Draw the misclassified digits, most confident mistakes first.

    A specimen is predicted positive when its probability is strictly above the threshold (the
    rule of Spark's LogisticRegressionModel), and misclassified when that disagrees with its label.
    Confidence is the distance of the margin from the boundary's margin, logit(threshold): unlike
    the probability's distance from the threshold, it does not depend on which side of an
    uneven threshold a mistake falls, and it still orders probabilities that round to 0 or 1.

    Args:
        pixels: (n, height*width) values 0..255, row-major; or n flat rows.
        label_digits: the n true digits.
        probabilities: the n predicted probabilities of the positive digit.
        margins: the n margins β·x + b.
        negative_digit: the other digit of the pair.
        positive_digit: the digit whose probability is given.
        height: image height in pixels.
        width: image width in pixels.
        limit: the most digits drawn (6 per row).
        threshold: the decision threshold on the probability, strictly between 0 and 1.
        misclassified_in_all: how many digits are misclassified in all, when the digits given
            are a selection of them (the title's "N of M shown"); by default, those given.

    Returns:
        The figure, which says "no misclassified digits" when there are none. Each digit is
        titled "true→predicted, p(positive digit)".
    """
    images = _as_images(pixels, height, width)
    digits = np.asarray(label_digits)
    probability = np.asarray(probabilities, dtype=float)
    margin = np.asarray(margins, dtype=float)
    _check_lengths(images, label_digits=digits, probabilities=probability, margins=margin)
    predicted_positive = probability > threshold
    wrong = np.flatnonzero(predicted_positive != (digits == positive_digit))
    confidence = np.abs(margin[wrong] - boundary_margin(threshold))
    shown = wrong[np.argsort(-confidence, kind="stable")][:limit]
    titles = [
        f"{int(digits[i])}→{positive_digit if predicted_positive[i] else negative_digit}, "
        f"p({positive_digit})={probability[i]:.3f}"
        for i in shown
    ]
    title = "Misclassified digits"
    if len(wrong):
        in_all = len(wrong) if misclassified_in_all is None else misclassified_in_all
        title += f": {len(shown)} of {in_all} shown, most confident first"
    return _digit_grid(
        images[shown], titles, MISCLASSIFIED_COLUMNS, title, "no misclassified digits"
    )


def roc_pr_figure(
    roc: pd.DataFrame, pr: pd.DataFrame, area_under_roc: float, area_under_pr: float
) -> Figure:
    """Draw the ROC curve and the precision-recall curve side by side.

    The PR curve is drawn as its area is computed (MLlib's areaUnderPR, ``evaluate``): from
    recall 0 at the precision of the highest score, not at :func:`pr_points`' precision 1.

    Args:
        roc: curve points with columns fpr, tpr, in curve order.
        pr: curve points with columns recall, precision, in curve order, starting at recall 0.
        area_under_roc: the area shown for the ROC curve.
        area_under_pr: the area shown for the precision-recall curve.

    Returns:
        The figure, ROC on the left.
    """
    fig = Figure(figsize=(11, 5), layout="constrained")
    roc_ax, pr_ax = fig.subplots(1, 2)
    roc_ax.plot([0, 1], [0, 1], color="gray", linestyle="--", label="chance")
    roc_ax.plot(roc["fpr"], roc["tpr"], color="tab:purple", label=f"area = {area_under_roc:.4f}")
    roc_ax.set_title(f"ROC curve (area {area_under_roc:.4f})")
    roc_ax.set_xlabel("false positive rate")
    roc_ax.set_ylabel("true positive rate")
    precision = pr["precision"].to_numpy(float, copy=True)
    precision[0] = precision[min(1, len(precision) - 1)]
    pr_ax.plot(pr["recall"], precision, color="tab:purple", label=f"area = {area_under_pr:.4f}")
    pr_ax.set_title(f"Precision-recall curve (area {area_under_pr:.4f})")
    pr_ax.set_xlabel("recall")
    pr_ax.set_ylabel("precision")
    for ax in (roc_ax, pr_ax):
        ax.set_xlim(-0.02, 1.02)
        ax.set_ylim(-0.02, 1.02)
        ax.set_aspect("equal")
        ax.grid(alpha=0.3)
    roc_ax.legend(loc="lower right")
    pr_ax.legend(loc="lower left")
    return fig


def probability_histogram_figure(
    probabilities: ArrayLike,
    label_digits: ArrayLike,
    negative_digit: int,
    positive_digit: int,
    threshold: float = 0.5,
) -> Figure:
    """Overlay the histograms of the positive digit's probability, one per true digit.

    The count axis is logarithmic: most specimens sit near 0 or 1, the mistakes in between.

    Args:
        probabilities: predicted probabilities of the positive digit.
        label_digits: the true digits, in the same order.
        negative_digit: the other digit of the pair.
        positive_digit: the digit whose probability is given.
        threshold: the decision threshold, drawn as a vertical line.

    Returns:
        The figure.
    """
    probability = np.asarray(probabilities, dtype=float)
    digits = np.asarray(label_digits)
    _check_lengths(probability, label_digits=digits)
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    bins = np.linspace(0, 1, 41)
    for digit, color in _digit_colors(negative_digit, positive_digit):
        values = probability[digits == digit]
        ax.hist(values, bins=bins, color=color, alpha=0.55, label=f"true {digit} (n={len(values)})")
    ax.axvline(threshold, color="black", linestyle="--", label=f"decision boundary p={threshold:g}")
    ax.set_yscale("log")
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"P(digit = {positive_digit})")
    ax.set_ylabel("specimens (log scale)")
    ax.set_title(f"Predicted probability of {positive_digit}, by true digit")
    ax.legend(loc="upper center")
    return fig


def sigmoid_figure(
    margins: ArrayLike,
    label_digits: ArrayLike,
    negative_digit: int,
    positive_digit: int,
    threshold: float = 0.5,
) -> Figure:
    """Place specimens on the logistic curve that turns a margin into a probability.

    Args:
        margins: the margins β·x + b of the specimens.
        label_digits: their true digits, in the same order.
        negative_digit: the other digit of the pair.
        positive_digit: the digit whose probability the curve gives.
        threshold: the decision threshold on the probability, strictly between 0 and 1; the
            boundary is drawn at the margin logit(threshold).

    Returns:
        The figure.
    """
    boundary = boundary_margin(threshold)
    margin = np.asarray(margins, dtype=float)
    digits = np.asarray(label_digits)
    _check_lengths(margin, label_digits=digits)
    # Span at least [-6, 6] so that the whole S shape shows even when all margins are small.
    low = min(margin.min(initial=-6.0), boundary - 1)
    high = max(margin.max(initial=6.0), boundary + 1)
    pad = 0.03 * (high - low)
    curve = np.linspace(low - pad, high + pad, 500)
    fig = Figure(figsize=(8, 4.8), layout="constrained")
    ax = fig.subplots()
    ax.plot(curve, _sigmoid(curve), color="black", linewidth=1, label="1 / (1 + e^(-margin))")
    for digit, color in _digit_colors(negative_digit, positive_digit):
        chosen = margin[digits == digit]
        # Hollow markers: specimens of one digit stay visible among those of the other.
        ax.scatter(
            chosen,
            _sigmoid(chosen),
            s=18,
            facecolors="none",
            edgecolors=color,
            linewidths=0.8,
            alpha=0.7,
            label=f"true {digit}",
        )
    ax.axvline(
        boundary, color="gray", linestyle="--", label=f"decision boundary margin={boundary:.3g}"
    )
    ax.set_xlabel("margin β·x + b")
    ax.set_ylabel(f"P(digit = {positive_digit})")
    ax.set_ylim(-0.03, 1.03)
    ax.set_title("The logistic function turns each specimen's margin into a probability")
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left")
    return fig


def roc_points(label: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """Compute every point of the ROC curve, one per distinct score (ties grouped).

    Matches sklearn.metrics.roc_curve(label, score, drop_intermediate=False).

    Args:
        label: 0/1 (or boolean) truth, 1 for the positive digit.
        score: the score ranking specimens as positive (probability or margin).

    Returns:
        Columns fpr, tpr, threshold, in order of decreasing threshold; the first row is
        (0, 0, inf) and a specimen counts as positive when its score is >= threshold.
    """
    tps, fps, thresholds = _cumulative_counts(label, score)
    return pd.DataFrame(
        {
            "fpr": np.concatenate([[0.0], fps / fps[-1]]),
            "tpr": np.concatenate([[0.0], tps / tps[-1]]),
            "threshold": np.concatenate([[np.inf], thresholds]),
        }
    )


def pr_points(label: np.ndarray, score: np.ndarray) -> pd.DataFrame:
    """Compute every point of the precision-recall curve, one per distinct score (ties grouped).

    Matches sklearn.metrics.precision_recall_curve(label, score, drop_intermediate=False), whose
    arrays run the other way.

    Args:
        label: 0/1 (or boolean) truth, 1 for the positive digit.
        score: the score ranking specimens as positive (probability or margin).

    Returns:
        Columns recall, precision, threshold, in order of decreasing threshold; the first row is
        (0, 1, inf) as in sklearn, and a specimen counts as positive when its score is >= threshold.
    """
    tps, fps, thresholds = _cumulative_counts(label, score)
    return pd.DataFrame(
        {
            "recall": np.concatenate([[0.0], tps / tps[-1]]),
            "precision": np.concatenate([[1.0], tps / (tps + fps)]),
            "threshold": np.concatenate([[np.inf], thresholds]),
        }
    )


def boundary_margin(threshold: float) -> float:
    """The margin at which the probability equals ``threshold``: logit(threshold)."""
    if not 0 < threshold < 1:
        raise ValueError(f"threshold must be strictly between 0 and 1, got {threshold}")
    return math.log(threshold / (1 - threshold))


def figure_png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes (to write to any file system)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=dpi, format="png")
    return buffer.getvalue()


def save_figure(fig: Figure, path: str | Path, dpi: int = 100) -> None:
    """Write a figure as PNG, creating the parent folder, and close it.

    Figures from this module are not known to pyplot and are freed with their last reference; a
    figure made with pyplot (e.g. in a notebook) is also closed there.

    Args:
        fig: the figure.
        path: the PNG file to write.
        dpi: dots per inch; the pixel size is the figure size in inches times dpi.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(target, dpi=dpi, format="png")
    if fig.canvas.manager is not None:
        from matplotlib import pyplot

        pyplot.close(fig)


def _as_images(pixels: np.ndarray | Sequence[Sequence[int]], height: int, width: int) -> np.ndarray:
    array = np.asarray(pixels)
    if array.dtype == object:
        array = np.stack([np.asarray(row) for row in array]) if len(array) else array
    if array.ndim != 2 or array.shape[1] != height * width:
        raise ValueError(
            f"pixels have shape {array.shape}; expected (n, {height * width}) "
            f"for {height}x{width} images"
        )
    return array.reshape(-1, height, width)


def _check_lengths(first: np.ndarray, **others: ArrayLike) -> None:
    for name, values in others.items():
        if len(values) != len(first):
            raise ValueError(f"{name} has {len(values)} entries for {len(first)} specimens")


def _digit_grid(
    images: np.ndarray, titles: Sequence[str], columns: int, title: str, empty_message: str
) -> Figure:
    count = len(images)
    if count == 0:
        fig = Figure(figsize=(5, 3), layout="constrained")
        ax = fig.subplots()
        ax.text(0.5, 0.5, empty_message, ha="center", va="center", fontsize=16)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_title(title)
        return fig
    cols = min(columns, count)
    rows = math.ceil(count / cols)
    _, height, width = images.shape
    # One axes for the whole grid, each digit an image placed by its extent (in pixels) and
    # titled by a text: an axes per digit, with its ticks and layout, took 4 to 10 times as long.
    cell = 1.8 if max(len(text) for text in titles) > 3 else 1.2  # inches per column
    gap = width / 8
    inches_per_pixel = cell / (width + gap)
    band = GRID_TITLE_INCHES / inches_per_pixel
    grid_width = cols * (width + gap) - gap
    grid_height = rows * (band + height)
    fig_width = max(4.0, grid_width * inches_per_pixel + 2 * GRID_MARGIN_INCHES)
    fig_height = max(3.0, grid_height * inches_per_pixel + GRID_HEADER_INCHES)
    fig = Figure(figsize=(fig_width, fig_height))
    fig.suptitle(title, y=1 - GRID_MARGIN_INCHES / fig_height, va="top")
    box_width = grid_width * inches_per_pixel / fig_width
    box_height = grid_height * inches_per_pixel / fig_height
    top = 1 - (GRID_HEADER_INCHES - GRID_TITLE_INCHES) / fig_height
    ax = fig.add_axes(((1 - box_width) / 2, top - box_height, box_width, box_height))
    for index, (image, text) in enumerate(zip(images, titles, strict=True)):
        left = (index % cols) * (width + gap)
        bottom = (index // cols) * (band + height) + band + height
        ax.imshow(
            image,
            cmap="gray_r",
            vmin=0,
            vmax=255,
            interpolation="nearest",
            extent=(left, left + width, bottom, bottom - height),
        )
        ax.text(left + width / 2, bottom - height - band / 4, text, ha="center", fontsize=9)
    ax.set_xlim(0, grid_width)
    ax.set_ylim(grid_height, 0)
    ax.set_axis_off()
    return fig


def _clipped_ends(values: np.ndarray, bound: float) -> str:
    """The colour bar's ``extend``: an arrow at each end whose values pass the scale."""
    low, high = values.min() < -bound, values.max() > bound
    return {(True, True): "both", (True, False): "min", (False, True): "max"}.get(
        (low, high), "neither"
    )


def _digit_colors(negative_digit: int, positive_digit: int) -> list[tuple[int, str]]:
    return [(negative_digit, NEGATIVE_COLOR), (positive_digit, POSITIVE_COLOR)]


def _sigmoid(margin: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * margin))


def _cumulative_counts(
    label: np.ndarray, score: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """True and false positives at each distinct score, taken as threshold, highest first."""
    truth = np.asarray(label)
    values = np.asarray(score, dtype=float)
    if truth.ndim != 1 or truth.shape != values.shape:
        raise ValueError(f"label {truth.shape} and score {values.shape} must be 1-D, same length")
    if not np.isin(truth, [0, 1]).all():
        raise ValueError("label must hold only 0 and 1 (or False and True)")
    if np.isnan(values).any():
        raise ValueError("score must not contain NaN")
    positive = truth == 1
    if positive.all() or not positive.any():
        raise ValueError("label must contain both classes to draw ROC and PR curves")
    order = np.argsort(-values, kind="stable")
    ranked = values[order]
    group_ends = np.concatenate([np.flatnonzero(np.diff(ranked)), [len(ranked) - 1]])
    tps = np.cumsum(positive[order])[group_ends].astype(float)
    fps = (group_ends + 1) - tps
    return tps, fps, ranked[group_ends]
