"""OCR engines. All return :class:`ocr_loaders.models.OCRResult`."""

from __future__ import annotations

from typing import Any

from ocr_loaders.engines.base import OCREngine, PageEngine

__all__ = ["OCREngine", "PageEngine", "get_engine"]


def get_engine(engine: str | OCREngine = "local", **kwargs: Any) -> OCREngine:
    """An engine from a name (``"local"``, ``"upstage"``) or an engine instance (returned as is)."""
    if isinstance(engine, OCREngine):
        return engine
    if engine == "local":
        from ocr_loaders.engines.local import LocalEngine

        return LocalEngine(**kwargs)
    if engine == "upstage":
        from ocr_loaders.engines.upstage import UpstageEngine

        return UpstageEngine(**kwargs)
    raise ValueError(f"unknown engine {engine!r}: use 'local', 'upstage' or an OCREngine")
