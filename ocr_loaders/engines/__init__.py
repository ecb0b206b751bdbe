"""OCR engines. All return :class:`ocr_loaders.models.OCRResult`."""

from __future__ import annotations

from typing import Any

from ocr_loaders.engines.base import OCREngine, PageEngine

__all__ = ["OCREngine", "PageEngine", "get_engine"]


def get_engine(engine: str | OCREngine = "local", *, cache: Any = None, **kwargs: Any) -> OCREngine:
    """An engine from a name (``"local"``, ``"upstage"``) or an instance (used as is).

    ``cache`` (``True``, a path or a :class:`~ocr_loaders.cache.ResultCache`) wraps it in the
    result cache.
    """
    if cache is not None and cache is not False:
        from ocr_loaders.cache import with_cache

        return with_cache(get_engine(engine, **kwargs), cache)
    if isinstance(engine, OCREngine):
        return engine
    if engine == "local":
        from ocr_loaders.engines.local import LocalEngine

        return LocalEngine(**kwargs)
    if engine == "upstage":
        from ocr_loaders.engines.upstage import UpstageEngine

        return UpstageEngine(**kwargs)
    raise ValueError(f"unknown engine {engine!r}: use 'local', 'upstage' or an OCREngine")
