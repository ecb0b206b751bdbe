"""Tesseract through tesserocr: single-line recognition.

Used by the embedded engine for what PP-OCRv6 cannot read (Hangul).
Language data comes from the system (Debian's ``tesseract-ocr-*`` packages) and is never
downloaded. ``PyTessBaseAPI`` objects are not thread-safe, so each thread gets its own.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from PIL import Image

from ocr_loaders.errors import MissingDependencyError

_TESSDATA_CANDIDATES = (
    "/usr/share/tesseract-ocr/5/tessdata",
    "/usr/share/tesseract-ocr/4.00/tessdata",
    "/usr/share/tessdata",
    "/usr/local/share/tessdata",
    "/opt/homebrew/share/tessdata",
)


def find_tessdata(languages: Iterable[str] = ("eng",)) -> str | None:
    """A tessdata directory holding every one of ``languages`` (``TESSDATA_PREFIX`` first)."""
    wanted = list(languages)
    env = os.environ.get("TESSDATA_PREFIX")
    candidates = ([env, str(Path(env) / "tessdata")] if env else []) + list(_TESSDATA_CANDIDATES)
    for cand in candidates:
        if cand and all((Path(cand) / f"{lang}.traineddata").exists() for lang in wanted):
            return cand
    return None


@dataclass
class TessWord:
    text: str
    confidence: float  # 0..1
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the line image


class Tesseract:
    """Thread-safe facade over tesserocr with one ``PyTessBaseAPI`` per thread and language."""

    def __init__(self, tessdata: str | None = None) -> None:
        try:
            import tesserocr
        except ImportError as exc:  # pragma: no cover - depends on the environment
            raise MissingDependencyError(
                'Tesseract support needs tesserocr: pip install "ocr-loaders[local]"'
            ) from exc
        self._tesserocr: Any = tesserocr
        self.tessdata = tessdata or find_tessdata(("eng",))
        self._local = threading.local()

    @property
    def version(self) -> str:
        return str(self._tesserocr.tesseract_version().split()[1])

    def has_language(self, lang: str) -> bool:
        return bool(self.tessdata) and all(
            (Path(str(self.tessdata)) / f"{part}.traineddata").exists() for part in lang.split("+")
        )

    def _api(self, lang: str, psm: int) -> Any:
        apis: dict[tuple[str, int], Any] = getattr(self._local, "apis", None) or {}
        self._local.apis = apis
        key = (lang, psm)
        if key not in apis:
            apis[key] = self._tesserocr.PyTessBaseAPI(
                path=self.tessdata or "", lang=lang, psm=psm
            )
        return apis[key]

    def recognize_line(self, image: Image.Image, lang: str) -> tuple[str, float, list[TessWord]]:
        """Read one text line; returns text, mean confidence (0..1) and word pieces."""
        tess = self._tesserocr
        api = self._api(lang, tess.PSM.SINGLE_LINE)
        api.SetImage(image)
        api.Recognize()
        words: list[TessWord] = []
        it = api.GetIterator()
        level = tess.RIL.WORD
        if it is not None:
            for item in tess.iterate_level(it, level):
                try:
                    text = item.GetUTF8Text(level)
                except RuntimeError:  # tesserocr raises on empty words
                    continue
                box = item.BoundingBox(level)
                if not text or not text.strip() or box is None:
                    continue
                words.append(TessWord(text.strip(), item.Confidence(level) / 100.0, box))
        text = " ".join(api.GetUTF8Text().split())
        conf = sum(w.confidence for w in words) / len(words) if words else 0.0
        api.Clear()
        return text, conf, words

    def orientation(self, image: Image.Image) -> tuple[int, float] | None:
        """Tesseract's orientation detection (OSD) on a whole page: the counter-clockwise
        quarter turn (0, 90, 180 or 270 degrees) that sets its glyphs upright, with
        Tesseract's confidence in it (``orient_conf``); None without ``osd`` data or when it
        finds too little text to tell.

        It looks at the glyphs themselves, so it tells a CJK page lying on its side from
        one written in columns, which PP-OCRv6 reads about equally well.
        """
        if not self.has_language("osd"):
            return None
        tess = self._tesserocr
        api = self._api("osd", tess.PSM.OSD_ONLY)
        api.SetImage(image.convert("L"))
        try:
            result = api.DetectOrientationScript()
        except RuntimeError:  # too few characters to tell
            return None
        finally:
            api.Clear()
        if not result:
            return None
        return int(result["orient_deg"]) % 360, float(result["orient_conf"])
