"""Input limits (the Upstage OCR API's by default) and the messages that cite them."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from ocr_loaders.errors import CorruptDocumentError, TooManyPixelsError

POINTS_PER_INCH = 72.0


class Limits(BaseModel):
    """Input limits; the defaults are the Upstage OCR API's."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_file_bytes: int = Field(50 * 1024 * 1024, description="Largest accepted file, in bytes.")
    max_pages: int = Field(30, description="Pages processed per document; the rest are skipped.")
    max_pixels: int = Field(100_000_000, description="Largest page, in pixels.")
    pixel_dpi: int = Field(300, description="DPI at which PDF/Office pages are counted.")
    render_dpi: int = Field(300, description="DPI at which PDF/Office pages are rendered.")
    conversion_timeout: float = Field(120.0, description="Seconds allowed for LibreOffice.")
    max_unzipped_bytes: int = Field(
        500 * 1024 * 1024, description="Largest uncompressed size of an Office zip (zip bombs)."
    )


DEFAULT_LIMITS = Limits()


def size_text(size: float) -> str:
    """A size for messages, in the unit the limits are set in (MB of 2**20 bytes, as in
    "50 MB"; bytes below one MB), so that every message says the same of the same limit."""
    if size < 2**20:
        return f"{int(size):,} bytes"
    return f"{size / 2**20:.1f}".removesuffix(".0") + " MB"


def check_pixels(width: int, height: int, limits: Limits, page: int) -> None:
    """Refuse a page over ``limits.max_pixels`` (or with no pixels)."""
    if width * height > limits.max_pixels:
        raise TooManyPixelsError(
            f"page {page} is {width}x{height} = {width * height:,} pixels; "
            f"the limit is {limits.max_pixels:,}"
        )
    if width < 1 or height < 1:
        raise CorruptDocumentError(f"page {page} has no pixels")
