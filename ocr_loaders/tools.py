"""Agent tools: ``ocr_document(path, pages=None)`` for LangChain and LlamaIndex agents.

The model receives the text (pages marked, truncated at ``max_chars``); the program receives
the structured result in the API's shape as the artifact (LangChain
``response_format="content_and_artifact"``, LlamaIndex ``ToolOutput.raw_output``).

An agent chooses the path, so ``root`` restricts which files it may read: paths are
resolved (symlinks and ``..`` included) and must stay under ``root``.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field, field_validator

from ocr_loaders.engines import OCREngine, get_engine
from ocr_loaders.errors import EncryptedDocumentError, InputError, PageRangeError
from ocr_loaders.models import OCRResult

if TYPE_CHECKING:
    from langchain_core.tools import StructuredTool
    from llama_index.core.tools import FunctionTool

NAME = "ocr_document"
DESCRIPTION = (
    "Extract all text from a document file (scan, photo, PDF, TIFF, HEIC, DOCX, PPTX, XLSX) "
    "with OCR. Arguments: path to the file; pages, optional, 1-based like '1-3,5'. Returns "
    "the text of each page, marked [page N]."
)
PATH_HELP = "Path of the document file to read."
PAGES_HELP = "1-based pages, e.g. '1-3,5'; all pages (up to 30) when omitted."


def page_spec(pages: Any) -> str | None:
    """The ``pages`` argument as a model sends it, as a page spec: models write JSON, and
    besides ``"1-3,5"`` they send ``2`` or ``[1, 3]`` for the same thing. Anything else is a
    :class:`~ocr_loaders.errors.PageRangeError` the model can read, not a TypeError."""
    if pages is None or pages == "":
        return None
    if isinstance(pages, str):
        return pages
    items = pages if isinstance(pages, (list, tuple)) else [pages]
    parts = []
    for item in items:
        if isinstance(item, float) and item.is_integer():
            item = int(item)  # JSON numbers may come as 2.0
        if isinstance(item, bool) or not isinstance(item, (int, str)):
            raise PageRangeError(f"bad pages {pages!r}: use e.g. '1-3,5'")
        parts.append(str(item))
    return ",".join(parts) or None


class OCRDocumentTool:
    """The framework-neutral tool: resolve and check the path, OCR it, format the answer."""

    def __init__(
        self,
        engine: str | OCREngine = "local",
        *,
        root: str | Path | None = None,
        max_chars: int = 20_000,
        engine_options: dict[str, Any] | None = None,
        cache: Any = None,
    ) -> None:
        self._spec = engine
        self._options = dict(engine_options or {})
        self._cache = cache
        self._engine: OCREngine | None = None
        self.root = Path(root).resolve() if root is not None else None
        self.max_chars = max_chars

    @property
    def engine(self) -> OCREngine:
        if self._engine is None:
            self._engine = get_engine(self._spec, cache=self._cache, **self._options)
        return self._engine

    def resolve(self, path: str) -> Path:
        """The file an agent asked for, refused when outside ``root`` or not a file (a named
        pipe, socket or device; directories get the reader's own error)."""
        target = (self.root / path if self.root and not Path(path).is_absolute() else Path(path))
        try:
            target = target.resolve()
        except ValueError:  # a NUL byte: "embedded null byte", not an OSError
            raise InputError(f"invalid path (NUL byte): {path!r}") from None
        if self.root is not None and not target.is_relative_to(self.root):
            raise InputError(f"path is outside the allowed directory: {path}")
        if target.exists() and not (target.is_file() or target.is_dir()):
            # a named pipe blocks the open until something writes to it, forever for a pipe
            # no one writes to, and the agent's loop with it; a device may never end
            raise InputError(f"not a regular file (a pipe, socket or device): {path}")
        return target

    def run(self, path: str, pages: Any = None) -> tuple[str, dict[str, Any]]:
        """``(text for the model, result dict in the API's shape)``; ``pages`` as
        :func:`page_spec` takes it."""
        asked = page_spec(pages)
        try:
            result = self.engine.recognize(self.resolve(path), pages=asked)
        except EncryptedDocumentError:
            # the library's hint (``pass password=...``) names an argument the model does
            # not have: say what it can do instead
            raise EncryptedDocumentError(
                f"{path} is password-protected: this tool cannot open it; ask the user for "
                "an unprotected copy") from None
        return self.format(result, asked is not None), result.to_api_dict()

    async def arun(self, path: str, pages: Any = None) -> tuple[str, dict[str, Any]]:
        """:meth:`run` in a worker thread, so the event loop keeps serving."""
        return await asyncio.to_thread(self.run, path, pages)

    def format(self, result: OCRResult, selected: bool = False) -> str:
        """Pages marked ``[page N]``, cut at ``max_chars`` with a note saying so, and, for a
        whole document (not ``selected`` pages), a note when it has pages that were not read
        (past the 30-page limit): the model would otherwise answer "not in the document" for
        what is on page 31."""
        numbers = [result.page_number(i) for i in range(len(result.pages))]
        parts = [f"[page {n}]\n{page.text}" for n, page in zip(numbers, result.pages)]
        text = "\n\n".join(parts)
        if len(text) > self.max_chars:
            text = text[: self.max_chars] + f"\n[truncated at {self.max_chars} characters]"
        total = result.total_pages or 0
        if not selected and numbers and max(numbers) < total:
            text += (f"\n[the document has {total} pages; pages after {max(numbers)} were not "
                     f"read: call again with pages=\"{max(numbers) + 1}-{total}\" to read them]")
        return text


class ToolArgs(BaseModel):
    """The tools' arguments, described to the model."""

    path: str = Field(description=PATH_HELP)
    pages: str | None = Field(default=None, description=PAGES_HELP)

    @field_validator("pages", mode="before")
    @classmethod
    def _pages(cls, value: Any) -> Any:
        # a model's ``2`` or ``[1, 3]``: the same pages, not a ValidationError raised
        # out of the agent loop (the schema the model sees stays a string)
        try:
            return page_spec(value)
        except PageRangeError:
            return value  # left to the type check: an error message the model reads


def langchain_tool(**kwargs: Any) -> StructuredTool:
    """A LangChain ``StructuredTool`` (sync and async) returning content and artifact."""
    from langchain_core.tools import StructuredTool, ToolException

    from ocr_loaders.errors import OCRError

    tool = OCRDocumentTool(**kwargs)

    def ocr_document(path: str, pages: str | None = None) -> tuple[str, dict[str, Any]]:
        try:
            return tool.run(path, pages)
        except OCRError as exc:
            raise ToolException(str(exc)) from exc

    async def aocr_document(path: str, pages: str | None = None) -> tuple[str, dict[str, Any]]:
        try:
            return await tool.arun(path, pages)
        except OCRError as exc:
            raise ToolException(str(exc)) from exc

    return StructuredTool.from_function(
        func=ocr_document,
        coroutine=aocr_document,
        name=NAME,
        description=DESCRIPTION,
        args_schema=ToolArgs,
        response_format="content_and_artifact",
        handle_tool_error=True,
        handle_validation_error=_argument_errors,
    )


def _argument_errors(error: Exception) -> str:
    """What a model reads when its arguments do not fit (LangChain's own message is a bare
    "Tool input validation error"): each problem and the arguments the tool takes."""
    problems = getattr(error, "errors", None)
    listed = []
    if callable(problems):
        for item in problems():
            where = ".".join(str(part) for part in item.get("loc", ())) or "arguments"
            listed.append(f"{where}: {item.get('msg', 'invalid')}")
    said = "; ".join(listed) or str(error).splitlines()[0]
    return (f"invalid arguments ({said}); {NAME} takes path (string: {PATH_HELP}) and "
            f"pages (string, optional: {PAGES_HELP})")


class _RawResult(dict[str, Any]):
    """The result dict in the API's shape (a LlamaIndex tool's ``raw_output``) that also
    holds the text made for the model, which says what the dict cannot (pages past the
    limit that were not read: the dict's pages are only those read)."""

    def __init__(self, text: str, raw: dict[str, Any]) -> None:
        super().__init__(raw)
        self.text = text


def llama_index_tool(**kwargs: Any) -> FunctionTool:
    """A LlamaIndex ``FunctionTool``: text as content, the result dict as ``raw_output``."""
    from llama_index.core.tools import FunctionTool

    tool = OCRDocumentTool(**kwargs)

    def ocr_document(path: str, pages: str | None = None) -> dict[str, Any]:
        """Extract all text from a document file with OCR; pages like '1-3,5'."""
        # FunctionTool does not validate: page_spec does
        return _RawResult(*tool.run(path, pages))

    async def aocr_document(path: str, pages: str | None = None) -> dict[str, Any]:
        """Extract all text from a document file with OCR; pages like '1-3,5'."""
        return _RawResult(*(await tool.arun(path, pages)))

    def content(raw: dict[str, Any]) -> str:
        text = getattr(raw, "text", None)
        return text if isinstance(text, str) else tool.format(OCRResult.model_validate(raw))

    async def acontent(raw: dict[str, Any]) -> str:
        return content(raw)

    return FunctionTool.from_defaults(
        fn=ocr_document,
        async_fn=aocr_document,
        name=NAME,
        description=DESCRIPTION,
        fn_schema=ToolArgs,  # argument descriptions for the model
        callback=content,
        async_callback=acontent,
    )
