"""Digits drawn by the tests themselves, as image files."""

import io

from PIL import Image, ImageDraw


def drawn_seven(mode: str = "RGB", file_format: str = "PNG", size=(200, 300), width=22) -> bytes:
    """A thick dark "7" on a light background."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    w, h = size
    draw.line([(0.2 * w, 0.17 * h), (0.8 * w, 0.17 * h)], fill="black", width=width)
    draw.line([(0.8 * w, 0.17 * h), (0.4 * w, 0.87 * h)], fill="black", width=width)
    buffer = io.BytesIO()
    image.convert(mode).save(buffer, format=file_format)
    return buffer.getvalue()


def drawn_three(file_format: str = "JPEG") -> bytes:
    """A dark "3" made of two arcs on a light background."""
    image = Image.new("L", (200, 300), 255)
    draw = ImageDraw.Draw(image)
    draw.arc([50, 30, 150, 150], 200, 90, fill=0, width=16)
    draw.arc([50, 140, 150, 270], 270, 160, fill=0, width=16)
    buffer = io.BytesIO()
    image.save(buffer, format=file_format)
    return buffer.getvalue()
