"""Image files (JPEG, PNG, BMP, TIFF frames, HEIC) decoded to RGB pages, within the limits."""

from __future__ import annotations

import io
import re
import struct
import warnings
from collections.abc import Iterator

import numpy as np
from PIL import Image, ImageOps

from ocr_loaders.errors import CorruptDocumentError, TooManyPixelsError
from ocr_loaders.limits import Limits, check_pixels


def to_rgb(image: Image.Image) -> Image.Image:
    """Convert any Pillow mode (1, L, P, LA, RGBA, CMYK, I;16, I, F) to RGB on white."""
    if image.mode == "RGB":
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I;16N", "I", "F"):
        arr = np.asarray(image, dtype=np.float64)
        lo, hi = float(arr.min()), float(arr.max())
        if image.mode == "F" and lo >= 0 and 0 < hi <= 1.0:
            arr = arr * 255.0  # float samples on the 0..1 scale (the usual one for floats)
        elif hi > 255 or lo < 0:
            # 16-bit containers often hold 10-, 12- or 14-bit samples: white is the top of
            # the smallest bit depth that holds the brightest sample, not 65535 (10-bit
            # paper came out at 3 of 255, and its page read as empty)
            top = (float(2 ** int(hi).bit_length() - 1)
                   if image.mode.startswith("I;16") and hi > 255 else max(hi, 1.0))
            arr = (arr - min(lo, 0.0)) * (255.0 / (top - min(lo, 0.0) or 1.0))
        return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "L").convert("RGB")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return image.convert("RGB")



_DECODE_ERRORS: tuple[type[Exception], ...] = (
    OSError, SyntaxError, ValueError, EOFError, TypeError, KeyError, IndexError,
    ZeroDivisionError, struct.error,
)
"""What Pillow raises on malformed image bytes: besides ``OSError``, its plugins let parsing
errors through as they come (a TIFF cut short inside a frame's tags: ``TypeError: Missing
dimensions`` while counting frames); each means the file is corrupt."""
_FRAME_ERRORS: tuple[type[Exception], ...] = (*_DECODE_ERRORS, Image.DecompressionBombError)


def open_image(data: bytes, limits: Limits) -> Image.Image:
    if data[4:8] == b"ftyp":
        _register_heif()
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            return Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        # Pillow refuses images over 2 x PIL.Image.MAX_IMAGE_PIXELS before reading their size
        # out to us; say it in our terms (the header was never decoded past its dimensions)
        found = re.search(r"\((\d+) pixels\)", str(exc))
        pixels = int(found.group(1)) if found else 0
        if pixels > limits.max_pixels:
            raise TooManyPixelsError(
                f"image is {pixels:,} pixels; the limit is {limits.max_pixels:,}"
            ) from None
        raise TooManyPixelsError(
            f"image is {pixels:,} pixels, over Pillow's decompression-bomb cap; raise "
            "PIL.Image.MAX_IMAGE_PIXELS as well as Limits.max_pixels to read it"
        ) from None
    except _DECODE_ERRORS as exc:  # UnidentifiedImageError is an OSError
        raise CorruptDocumentError(f"cannot decode image: {exc}") from None


def _register_heif() -> None:
    import pillow_heif

    pillow_heif.register_heif_opener()


def count_frames(data: bytes, limits: Limits) -> int:
    """Frames of an image file (a TIFF's pages; 1 for other formats)."""
    image = open_image(data, limits)
    if image.format != "TIFF":
        return 1
    try:
        return int(getattr(image, "n_frames", 1))
    except _DECODE_ERRORS as exc:
        raise CorruptDocumentError(f"cannot read TIFF frames: {exc}") from None


def iter_image_frames(
    data: bytes, numbers: list[int], limits: Limits
) -> Iterator[tuple[int, Image.Image]]:
    image = open_image(data, limits)
    for number in numbers:
        try:
            image.seek(number - 1)
        except _DECODE_ERRORS as exc:
            raise CorruptDocumentError(f"cannot read frame {number}: {exc}") from None
        check_pixels(image.width, image.height, limits, number)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", Image.DecompressionBombWarning)
                frame = image.copy()
                frame.load()
                frame = ImageOps.exif_transpose(frame) or frame
                yield number, to_rgb(frame)
        except _FRAME_ERRORS as exc:
            raise CorruptDocumentError(f"cannot decode page {number}: {exc}") from None
