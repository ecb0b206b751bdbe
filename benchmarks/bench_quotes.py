"""Straight or curly quotes as printed (``engines/quotes.py``): how many of a page's quotes
come out as printed, with the Tesseract check and without it (PP-OCRv6 alone), on rendered
pages.

Each page holds three lines typed with straight quotes and three set with curly ones, in one
of DejaVu Serif, Sans and Sans Mono, at 16, 20, 28 and 40 px, level and turned 3 degrees. A
line's quotes count when the line has as many as printed, each the one printed.

    python benchmarks/bench_quotes.py
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from PIL import Image, ImageDraw, ImageFont

from ocr_loaders.engines import quotes
from ocr_loaders.engines.local import LocalEngine

DEJAVU = "/usr/share/fonts/truetype/dejavu/"
FONTS = ("DejaVuSerif.ttf", "DejaVuSans.ttf", "DejaVuSansMono.ttf")
SIZES = (16, 20, 28, 40)
TURNS = (0, 3)
STRAIGHT = ["The user's \"quoted\" words aren't curly at all.",
            "It's \"plain\" text, don't worry about it.",
            "We can't say \"no\" to Bob's 'idea' today."]
CURLY = ["Banach’s “claim” was ‘settled’ long ago, it’s said.",
         "“Don’t,” she said, “it’s the ‘best’ we’ve got.”",
         "We can’t say “no” to Bob’s ‘idea’ today."]
QUOTES = set("‘’“”'\"")


def page(font: str, size: int, turn: float) -> Image.Image:
    lines = STRAIGHT + CURLY
    img = Image.new("RGB", (1600, 80 + 2 * size * len(lines)), "white")
    draw = ImageDraw.Draw(img)
    for i, text in enumerate(lines):
        draw.text((40, 40 + 2 * size * i), text, font=ImageFont.truetype(DEJAVU + font, size),
                  fill="black")
    return img.rotate(turn, expand=True, fillcolor="white") if turn else img


def right(printed: list[str], read: list[str]) -> tuple[int, int]:
    """Quotes read as printed, of those printed."""
    ok = total = 0
    for want, got in zip(printed, read + [""] * len(printed)):
        a, b = [c for c in want if c in QUOTES], [c for c in got if c in QUOTES]
        total += len(a)
        if len(a) == len(b):
            ok += sum(x == y for x, y in zip(a, b))
    return ok, total


@contextmanager
def without_check() -> Iterator[None]:
    set_quotes = quotes.set_quotes
    quotes.set_quotes = lambda *args: None
    try:
        yield
    finally:
        quotes.set_quotes = set_quotes


def main() -> None:
    engine = LocalEngine()
    totals = {(kind, check): [0, 0] for kind in ("straight", "curly") for check in (1, 0)}
    print("| font | px | turn | straight right, checked | alone | curly right, checked | alone |")
    print("|---|---|---|---|---|---|---|")
    for font in FONTS:
        for size in SIZES:
            for turn in TURNS:
                img = page(font, size, turn)
                checked = engine.recognize_image(img).text.split("\n")
                with without_check():
                    alone = engine.recognize_image(img).text.split("\n")
                cells = []
                for kind, printed, rows in (("straight", STRAIGHT, slice(0, 3)),
                                            ("curly", CURLY, slice(3, 6))):
                    for check, read in ((1, checked), (0, alone)):
                        ok, total = right(printed, read[rows])
                        totals[kind, check][0] += ok
                        totals[kind, check][1] += total
                        cells.append(f"{ok}/{total}")
                print(f"| {font[:-4]} | {size} | {turn} | " + " | ".join(cells) + " |")
    cells = [f"**{totals[k, c][0]}/{totals[k, c][1]}**"
             for k in ("straight", "curly") for c in (1, 0)]
    print("| **all** | | | " + " | ".join(cells) + " |")


if __name__ == "__main__":
    main()
