"""Conversion of one image file's bytes into a 28x28 MNIST-style digit, as a pure function.

MNIST was made from NIST's black-and-white digit scans: each digit was cropped to its bounding
box, size-normalised (keeping its aspect ratio) so that its longer side fits a 20x20 box, with
anti-aliasing (hence the grey levels on the stroke edges), then placed in a 28x28 field so that
the centre of mass of its pixel intensities sits at the centre of the field. Ink is bright
(up to 255) on a black (0) background.

:func:`image_to_mnist` applies the same normalisation to an arbitrary image (any format, size
and colour mode Pillow reads):

1. decode, apply the EXIF orientation, flatten transparency onto a background that contrasts
   with the ink (white, unless the visible ink itself is light), convert to grey levels;
2. make the ink light on dark: if the background, estimated as the median of the border pixels,
   is brighter than mid-grey, invert;
3. stretch the levels so the background becomes 0 and the typical ink level (the median of the
   clearly inked pixels) 255, like MNIST's saturated strokes; this also removes the paper tone
   of scans and photos and low-level JPEG noise;
4. crop to the bounding box of the ink; an image without ink becomes all zeros;
5. resize with a Lanczos filter so the longer side is ``box`` pixels (aspect ratio kept);
6. paste into a ``size`` x ``size`` black canvas, shifted by a whole number of pixels so the
   centre of mass is as close as possible to where MNIST has it (below), without leaving the
   canvas.

Coordinates are pixel indices (row, column), a pixel's centre being at its integer index. The
target is ``(size / 2, size / 2)``, i.e. (14, 14) for 28x28, where MNIST's own digits have it:
the centre of mass of the 10,000 t10k digits averages (13.99, 14.01), every one within half a
pixel of (14, 14), not at the geometric centre (13.5, 13.5). After the whole-pixel shift the
centre of mass is within half a pixel of the target on each axis, unless the shift had to be
clipped to keep the digit inside the canvas.

The function does no I/O and keeps no state, so it can run on Spark executors (for instance in
a ``mapInArrow`` over ``binaryFile`` rows).
"""

import io
import struct

import numpy as np
from PIL import Image, ImageOps

MNIST_SIZE = 28
MNIST_BOX = 20

# Grey levels (0-255) below which a difference between ink and background is not a digit.
MIN_CONTRAST = 24.0
# Levels up to this fraction of the way from background to ink count as background noise.
NOISE_FLOOR = 0.1
# After stretching, levels above this fraction of 255 count as ink for the bounding box.
INK_THRESHOLD = 0.25
# Luminance weights (ITU-R 601-2, the ones Pillow uses for mode "L").
LUMA = np.array([0.299, 0.587, 0.114], dtype=np.float64)
ALPHA_MODES = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})
HIGH_DEPTH_MODES = frozenset({"I", "F", "I;16", "I;16L", "I;16B", "I;16N"})
DECODE_ERRORS = (OSError, SyntaxError, EOFError, ValueError, struct.error)


class SpecimenImageError(ValueError):
    """The bytes are not an image Pillow can decode."""


def image_to_mnist(data: bytes, size: int = MNIST_SIZE, box: int = MNIST_BOX) -> np.ndarray:
    """Convert one image file's bytes into an MNIST-style digit.

    Args:
        data: The whole file (PNG, JPEG or any format Pillow reads), as bytes-like.
        size: Side of the square output canvas, in pixels.
        box: Side of the square the digit's bounding box is scaled to fit (longer side = box).

    Returns:
        A ``uint8`` array of shape ``(size * size,)``, the canvas in row-major order: ink
        bright on a 0 background. All zeros if the image has no ink (e.g. a blank page).

    Raises:
        SpecimenImageError: If ``data`` is not a decodable image.
        ValueError: If ``size`` or ``box`` is invalid.
    """
    if not 0 < box <= size:
        raise ValueError(f"need 0 < box <= size, got box={box}, size={size}")
    grey = _decode_grey(data)
    ink = _ink_levels(grey)
    canvas = np.zeros((size, size), dtype=np.float64)
    if ink is not None:
        patch = _fit_box(_crop_to_ink(ink), box)
        _paste_centred(canvas, patch)
    return np.rint(np.clip(canvas, 0.0, 255.0)).astype(np.uint8).reshape(-1)


def _decode_grey(data: bytes) -> np.ndarray:
    """Decode ``data`` into a 2-D float array of grey levels in [0, 255]."""
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
            return _to_grey(image)
    except SpecimenImageError:  # a ValueError too: keep its message, not 'not a decodable'
        raise
    except Image.DecompressionBombError as error:
        raise SpecimenImageError(f"image too large to decode safely: {error}") from error
    except DECODE_ERRORS as error:
        raise SpecimenImageError(f"not a decodable image: {error}") from error


def _to_grey(image: Image.Image) -> np.ndarray:
    """Convert a decoded image of any mode into grey levels in [0, 255] (float)."""
    if image.mode in HIGH_DEPTH_MODES:
        return _high_depth_grey(image)
    if image.mode in ALPHA_MODES or "transparency" in image.info:
        return _flatten_alpha(image.convert("RGBA"))
    if image.mode not in ("L", "RGB"):
        image = image.convert("RGB")
    values = np.asarray(image, dtype=np.float64)
    return values @ LUMA if values.ndim == 3 else values


def _high_depth_grey(image: Image.Image) -> np.ndarray:
    """Scale a 16/32-bit integer or float single-channel image to [0, 255].

    Raises:
        SpecimenImageError: if a pixel is NaN or infinite (a float TIFF may hold them), checked
            before the scaling, which would turn an infinity into 0 or 255.
    """
    values = np.asarray(image, dtype=np.float64)
    if not np.isfinite(values).all():
        raise SpecimenImageError("image has pixels that are not numbers (NaN or infinity)")
    peak = float(values.max(initial=0.0))
    if image.mode == "F":
        full_scale = 1.0 if peak <= 1.0 else 255.0 if peak <= 255.0 else 65535.0
    elif image.mode.startswith("I;16") or peak > 255.0:
        full_scale = 65535.0
    else:
        full_scale = 255.0
    return np.clip(values * (255.0 / full_scale), 0.0, 255.0)


def _flatten_alpha(rgba: Image.Image) -> np.ndarray:
    """Composite an RGBA image onto white, or onto black if its visible ink is light."""
    values = np.asarray(rgba, dtype=np.float64)
    luminance = values[..., :3] @ LUMA
    alpha = values[..., 3] / 255.0
    visible = float(alpha.sum())
    light_ink = visible > 0 and float((luminance * alpha).sum()) / visible > 127.5
    background = 0.0 if light_ink else 255.0
    return luminance * alpha + background * (1.0 - alpha)


def _ink_levels(grey: np.ndarray) -> np.ndarray | None:
    """Make ink light on a 0 background, its typical level 255; None if there is no ink."""
    border = np.concatenate([grey[0, :], grey[-1, :], grey[:, 0], grey[:, -1]])
    background = float(np.median(border))
    if background > 127.5:
        grey = 255.0 - grey
        background = 255.0 - background
    brightest = float(grey.max())
    if brightest - background < MIN_CONTRAST:
        return None
    # The ink level: the median of the clearly inked pixels, robust to JPEG overshoot.
    peak = float(np.median(grey[grey >= (background + brightest) / 2]))
    floor = background + NOISE_FLOOR * (peak - background)
    return np.clip((grey - floor) * (255.0 / (peak - floor)), 0.0, 255.0)


def _crop_to_ink(ink: np.ndarray) -> np.ndarray:
    """Crop to the bounding box of the pixels brighter than the ink threshold."""
    rows = np.flatnonzero((ink > INK_THRESHOLD * 255.0).any(axis=1))
    cols = np.flatnonzero((ink > INK_THRESHOLD * 255.0).any(axis=0))
    return ink[rows[0] : rows[-1] + 1, cols[0] : cols[-1] + 1]


def _fit_box(ink: np.ndarray, box: int) -> np.ndarray:
    """Resize (Lanczos, aspect ratio kept) so the longer side is ``box`` pixels."""
    height, width = ink.shape
    scale = box / max(height, width)
    new_size = (max(1, round(width * scale)), max(1, round(height * scale)))
    image = Image.fromarray(ink.astype(np.float32))
    resized = image.resize(new_size, Image.Resampling.LANCZOS)
    return np.clip(np.asarray(resized, dtype=np.float64), 0.0, 255.0)


def _paste_centred(canvas: np.ndarray, patch: np.ndarray) -> None:
    """Add ``patch`` to ``canvas`` with its centre of mass nearest MNIST's (see above)."""
    total = float(patch.sum())
    height, width = patch.shape
    if total > 0:
        row_mass = float(np.arange(height) @ patch.sum(axis=1)) / total
        col_mass = float(np.arange(width) @ patch.sum(axis=0)) / total
    else:
        row_mass, col_mass = (height - 1) / 2, (width - 1) / 2
    top = _clipped_offset(canvas.shape[0] / 2 - row_mass, canvas.shape[0] - height)
    left = _clipped_offset(canvas.shape[1] / 2 - col_mass, canvas.shape[1] - width)
    canvas[top : top + height, left : left + width] += patch


def _clipped_offset(offset: float, limit: int) -> int:
    """Round ``offset`` half up to a whole pixel, clipped to [0, limit]."""
    return min(max(int(np.floor(offset + 0.5)), 0), limit)
