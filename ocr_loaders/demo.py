"""Demo documents for the notebooks and first tries: a scanned-looking invoice (PNG), a
two-page scanned report (PDF, images only) and a memo photo (JPEG), written to a folder.

They are rendered here (Pillow), so the examples run offline on any machine; the text is
known, so what the OCR returns can be checked by eye.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from pathlib import Path

from PIL import Image, ImageDraw, ImageFilter, ImageFont

FONTS = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
)

INVOICE = [
    "ACME Office Supplies Ltd.",
    "Invoice No. 2024-0117        Date: 12 March 2024",
    "",
    "Item                      Qty      Amount",
    "Printer paper A4           10      $52.00",
    "Toner cartridge             2     $184.50",
    "Ergonomic chair             1   $1,048.00",
    "",
    "Total amount due:                $1,284.50",
    "Payment within 30 days to account 4471-2290.",
]
REPORT = [
    [
        "Quarterly Report - Q1 2024",
        "",
        "Revenue grew by 12 percent to 4.2 million dollars,",
        "driven by the new subscription plans.",
        "Operating costs stayed flat at 3.1 million.",
    ],
    [
        "Outlook",
        "",
        "The board approved hiring six engineers in Q2.",
        "The dividend is raised to 3 dollars per share.",
        "Next review meeting: 14 June 2024.",
    ],
]
MEMO = [
    "MEMO - Facilities",
    "The parking garage closes on Friday at 6 pm",
    "for maintenance. Please use the north entrance.",
]


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    for path in FONTS:
        if Path(path).exists():
            return ImageFont.truetype(path, size)
    return ImageFont.load_default(size)


def render_page(
    lines: Sequence[str], *, size: int = 30, width: int = 1240, scan: bool = True, seed: int = 0
) -> Image.Image:
    """An A4-ish page with the lines; ``scan`` adds a slight blur, grey paper and speckles."""
    font = _font(size)
    step = int(size * 1.7)
    height = max(int(width * 1.414), 120 + step * len(lines))
    page = Image.new("L", (width, height), 248 if scan else 255)
    draw = ImageDraw.Draw(page)
    for i, line in enumerate(lines):
        draw.text((90, 90 + i * step), line, font=font, fill=25)
    if scan:
        rng = random.Random(seed)
        for _ in range(width * height // 4000):
            x, y = rng.randrange(width), rng.randrange(height)
            draw.point((x, y), fill=rng.randrange(120, 200))
        page = page.filter(ImageFilter.GaussianBlur(0.6))
    return page.convert("RGB")


def write_demo_documents(folder: str | Path) -> dict[str, Path]:
    """Write ``invoice.png``, ``report.pdf`` (2 scanned pages) and ``memo.jpg``."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    files = {
        "invoice": out / "invoice.png",
        "report": out / "report.pdf",
        "memo": out / "memo.jpg",
    }
    render_page(INVOICE, seed=1).save(files["invoice"])
    pages = [render_page(lines, seed=2 + i) for i, lines in enumerate(REPORT)]
    pages[0].save(files["report"], save_all=True, append_images=pages[1:], resolution=150.0)
    render_page(MEMO, size=34, width=1100, seed=9).crop((0, 0, 1100, 420)).save(
        files["memo"], quality=88
    )
    return files
