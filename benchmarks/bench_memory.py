"""Peak memory of the embedded engine over a 30-page scanned PDF: it must stay flat.

Pages are rendered one at a time and recognised one at a time, so peak RSS after page 30
should equal peak RSS after page 1 (plus allocator noise). Prints RSS after each milestone.

Usage::

    python benchmarks/bench_memory.py [--pages 30]
"""

from __future__ import annotations

import argparse
import io
import resource
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines.local import LocalEngine
from ocr_loaders.inputs import open_document

FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def scanned_pdf(pages: int) -> bytes:
    """An image-only A4 PDF at 200 DPI with 40 lines of text per page."""
    font = ImageFont.truetype(FONT, 28)
    images = []
    for n in range(pages):
        img = Image.new("L", (1654, 2339), 255)
        draw = ImageDraw.Draw(img)
        for i in range(40):
            draw.text((120, 120 + i * 52), f"Page {n + 1} line {i + 1}: the quick brown fox "
                      "jumps over the lazy dog 0123456789", font=font, fill=0)
        images.append(img)
    buf = io.BytesIO()
    images[0].save(buf, format="PDF", save_all=True, append_images=images[1:], resolution=200.0)
    return buf.getvalue()


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=30)
    args = ap.parse_args()
    pdf = scanned_pdf(args.pages)
    engine = LocalEngine()
    engine._load()
    print("| milestone | peak RSS MB | seconds |\n|---|---|---|")
    print(f"| models loaded | {rss_mb():.0f} | |")
    doc = open_document(pdf)
    start = time.perf_counter()
    for i, (_number, _page) in enumerate(engine.iter_document(doc), 1):
        if i in (1, 2, 5, 10, 20, 30) or i == args.pages:
            print(f"| after page {i} | {rss_mb():.0f} | {time.perf_counter() - start:.1f} |")


if __name__ == "__main__":
    main()
