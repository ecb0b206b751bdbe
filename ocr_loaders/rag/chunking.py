"""Token-aware chunking whose chunks cite exactly their words.

A chunk is a run of whole words of one page in reading order; its text is the exact slice of
the page text from its first to its last word (``start_index`` / ``end_index``), so it keeps
the page's line breaks. Sizes are tiktoken tokens of that text: ``token_count <= chunk_size``
always holds (a single word longer than ``chunk_size`` is the only thing ever cut, into token
runs that keep the word's id and box). Chunks end at a paragraph or line break when one falls
in the last part of the window, and the next chunk repeats up to ``chunk_overlap`` tokens of
whole trailing words.

Metadata (GUIDE §2): the page's metadata without its ``words``, plus ``chunk_index`` (running
per source, in page order), ``token_count``, ``word_ids``, ``boxes`` (those words' boxes),
``confidence`` (mean of its words), ``confidence_min``, ``start_index`` / ``end_index``.
``flat_metadata=True`` stores ``word_ids`` and ``boxes`` as JSON strings for vector stores
that accept only flat values (Chroma, ...).
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Iterable, Sequence
from typing import Any

from ocr_loaders.documents import BULKY_KEYS, PageRecord
from ocr_loaders.rag.align import Span, align_words, pseudo_words
from ocr_loaders.rag.items import as_record, kind
from ocr_loaders.rag.tokens import DEFAULT_ENCODING, get_encoding

PARAGRAPH_WINDOW = 0.5
"""A chunk may end early at a paragraph break if it keeps at least half of its tokens..."""
LINE_WINDOW = 0.75
"""...and at a line break if it keeps at least three quarters."""


def chunk_documents(
    docs: Iterable[Any],
    *,
    chunk_size: int = 512,
    chunk_overlap: int = 64,
    encoding: str | Any = DEFAULT_ENCODING,
    flat_metadata: bool = False,
) -> list[Any]:
    """Chunks of page documents, as the same framework's type (LlamaIndex: ``TextNode`` s
    whose SOURCE relationship is their page document)."""
    out: list[Any] = []
    counters: dict[str, int] = {}
    for doc in docs:
        record = as_record(doc)
        source = str(record.metadata.get("source", ""))
        chunks = chunk_record(record, chunk_size=chunk_size, chunk_overlap=chunk_overlap,
                              encoding=encoding, flat_metadata=flat_metadata,
                              first_index=counters.get(source, 0))
        counters[source] = counters.get(source, 0) + len(chunks)
        out.extend(_as_kind(doc, chunk) for chunk in chunks)
    return out


def chunk_record(
    record: PageRecord,
    *,
    chunk_size: int = 512,
    chunk_overlap: int = 64,
    encoding: str | Any = DEFAULT_ENCODING,
    flat_metadata: bool = False,
    first_index: int = 0,
) -> list[PageRecord]:
    """Chunks of one page record (see the module docstring)."""
    if chunk_size < 1:
        raise ValueError("chunk_size must be at least 1 token")
    if not 0 <= chunk_overlap < chunk_size:
        raise ValueError("chunk_overlap must be >= 0 and smaller than chunk_size")
    enc = get_encoding(encoding)
    text = record.text
    words = record.metadata.get("words")
    if not isinstance(words, list) or not words:
        words = pseudo_words(text)
    spans = align_words(text, words)
    units = [(w, s) for w, s in zip(words, spans) if s is not None]
    if not units:
        return []
    costs = _word_costs(enc, units)
    breaks = _break_strengths(text, units)
    base = {k: v for k, v in record.metadata.items() if k not in BULKY_KEYS}
    chunks: list[PageRecord] = []
    start = 0
    while start < len(units):
        end = _window_end(costs, breaks, start, chunk_size)
        end, pieces = _fit(enc, text, units, start, end, chunk_size)
        for piece in pieces:
            meta = {**base, "chunk_index": first_index + len(chunks)}
            meta.update(piece.metadata)
            if flat_metadata:
                meta["word_ids"] = json.dumps(meta["word_ids"])
                meta["boxes"] = json.dumps(meta["boxes"])
            chunks.append(PageRecord(text=piece.text, metadata=meta))
        if end >= len(units):
            break
        start = _overlap_start(costs, start, end, chunk_overlap)
    return chunks


def _word_costs(enc: Any, units: Sequence[tuple[dict[str, Any], Span]]) -> list[int]:
    """Tokens per word as it appears after a space (the chunk's real count is checked later).

    One tokenizer call per distinct word of the page (words repeat: about a third are
    distinct on the evaluation pages); ``encode_ordinary_batch`` would go through a thread
    pool.
    """
    encode = enc.encode_ordinary
    seen: dict[str, int] = {}
    costs = []
    for w, _ in units:
        text = w["text"]
        cost = seen.get(text)
        if cost is None:
            cost = seen[text] = len(encode(" " + text))
        costs.append(cost)
    return costs


def _break_strengths(text: str, units: Sequence[tuple[dict[str, Any], Span]]) -> list[int]:
    """Before each word: 2 = paragraph break, 1 = line break, 0 = same line.

    A paragraph is a blank line in the text or, with boxes, a vertical gap between lines
    wider than the median word height.
    """
    heights = sorted(_height(w["box"]) for w, _ in units[:100] if w.get("box"))
    median = heights[len(heights) // 2] if heights else 0.0
    out = [2]
    count = text.count
    for (pw, prev), (cw, cur) in itertools.pairwise(units):
        newlines = count("\n", prev.end, cur.start)
        if newlines == 0:
            out.append(0)
        elif newlines >= 2:
            out.append(2)
        elif median and pw.get("box") and cw.get("box"):
            space = min(p[1] for p in cw["box"]) - max(p[1] for p in pw["box"])
            out.append(2 if space > median else 1)
        else:
            out.append(1)
    return out


def _height(box: Sequence[Sequence[float]]) -> float:
    ys = [p[1] for p in box]
    return float(max(ys) - min(ys))


def _window_end(costs: Sequence[int], breaks: Sequence[int], start: int, size: int) -> int:
    """End (exclusive) of the words from ``start`` that fit by estimate, moved to a break."""
    n = len(costs)
    end, total = start, 0
    while end < n and total + costs[end] <= size:
        total += costs[end]
        end += 1
    if end == start:  # one word over the limit: alone (cut later)
        return start + 1
    return end if end >= n else _prefer_break(costs, breaks, start, end, total)


def _overlap_start(costs: Sequence[int], start: int, end: int, overlap: int) -> int:
    """Start of the next chunk: whole trailing words of this one, up to ``overlap`` tokens."""
    nxt, back = end, 0
    while nxt - 1 > start and back + costs[nxt - 1] <= overlap:
        back += costs[nxt - 1]
        nxt -= 1
    return nxt


def _prefer_break(
    costs: Sequence[int], breaks: Sequence[int], start: int, end: int, total: int
) -> int:
    """Move ``end`` back to a paragraph break in the last half of the window, else to a line
    break in its last quarter; otherwise keep the full window."""
    if breaks[end] == 2:
        return end
    line = end if breaks[end] == 1 else None
    running = total
    for k in range(end - 1, start, -1):
        running -= costs[k]
        if running < total * PARAGRAPH_WINDOW:
            break
        if breaks[k] == 2:
            return k
        if breaks[k] == 1 and line is None and running >= total * LINE_WINDOW:
            line = k
    return line if line is not None else end


def _fit(
    enc: Any, text: str, units: Sequence[tuple[dict[str, Any], Span]], start: int, end: int,
    size: int,
) -> tuple[int, list[PageRecord]]:
    """The real end and the chunk(s) for words ``[start, end)``, shrunk until they fit."""
    while True:
        first, last = units[start][1], units[end - 1][1]
        piece = text[first.start:last.end]
        count = len(enc.encode_ordinary(piece))
        if count <= size:
            return end, [_chunk(piece, count, units[start:end], first.start, last.end)]
        if end - start == 1:
            return end, _cut_word(enc, piece, units[start], size)
        excess = count - size  # drop about that many tokens of trailing words at once
        end -= 1
        while end - start > 1 and excess > 0:
            excess -= max(len(units[end - 1][0]["text"]) // 4, 1)
            end -= 1


def _cut_word(
    enc: Any, piece: str, unit: tuple[dict[str, Any], Span], size: int
) -> list[PageRecord]:
    """An over-long word in runs of at most ``size`` tokens, each citing the whole word.

    Runs are the longest character prefixes that fit; a single character that alone needs
    more than ``size`` tokens is cut between its tokens (its bytes decode to ``\ufffd``).
    """
    out: list[PageRecord] = []
    rest = piece
    while rest:
        lo, hi = 0, len(rest)  # the longest prefix rest[:lo] that fits
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if len(enc.encode_ordinary(rest[:mid])) <= size:
                lo = mid
            else:
                hi = mid - 1
        if lo == 0:
            tokens = enc.encode_ordinary(rest[:1])
            parts = [enc.decode(tokens[i:i + size]) for i in range(0, len(tokens), size)]
            lo = 1
        else:
            parts = [rest[:lo]]
        for part in parts:
            count = len(enc.encode_ordinary(part))
            out.append(_chunk(part, min(count, size), [unit], unit[1].start, unit[1].end))
        rest = rest[lo:]
    return out


def _chunk(
    text: str, count: int, units: Sequence[tuple[dict[str, Any], Span]], start: int, end: int
) -> PageRecord:
    confidences: list[float] = []
    ids: list[Any] = []
    boxes: list[Any] = []
    for w, _ in units:
        conf = w.get("confidence")
        if conf is not None:
            confidences.append(float(conf))
        box = w.get("box")
        if box is not None:
            ids.append(w["id"])
            boxes.append(box)
    meta: dict[str, Any] = {
        "token_count": count,
        "word_ids": ids,
        "boxes": boxes,
        "start_index": start,
        "end_index": end,
    }
    if confidences:
        meta["confidence"] = sum(confidences) / len(confidences)
        meta["confidence_min"] = min(confidences)
    return PageRecord(text=text, metadata=meta)


def _as_kind(doc: Any, chunk: PageRecord) -> Any:
    which = kind(doc)
    if which == "record":
        return chunk
    if which == "langchain":
        from langchain_core.documents import Document

        return Document(page_content=chunk.text, metadata=chunk.metadata)
    from llama_index.core.schema import NodeRelationship, TextNode

    from ocr_loaders.llama_index import EXCLUDED_EMBED_KEYS, EXCLUDED_LLM_KEYS

    meta = chunk.metadata
    node = TextNode(
        id_=f"{doc.id_}#chunk={meta['chunk_index']}",
        text=chunk.text,
        metadata=meta,
        excluded_embed_metadata_keys=_excluded(doc.excluded_embed_metadata_keys,
                                               EXCLUDED_EMBED_KEYS, meta),
        excluded_llm_metadata_keys=_excluded(doc.excluded_llm_metadata_keys,
                                             EXCLUDED_LLM_KEYS, meta),
        start_char_idx=meta["start_index"],
        end_char_idx=meta["end_index"],
    )
    node.relationships[NodeRelationship.SOURCE] = doc.as_related_node_info()
    return node


def _excluded(inherited: Sequence[str], ours: Sequence[str], meta: dict[str, Any]) -> list[str]:
    extra = ["chunk_index", "token_count", "confidence_min", "start_index", "end_index"]
    keys = [*inherited, *ours, *extra]
    return [k for k in dict.fromkeys(keys) if k in meta]


def highlight_boxes(chunk: Any, *, merge: str = "line") -> list[tuple[int, int, int, int]]:
    """Rectangles ``(x0, y0, x1, y1)`` to draw for a chunk of any kind: one per text line
    (``merge="line"``) or one per word (``"word"``), in the page image's pixels."""
    from ocr_loaders.viz import chunk_rectangles

    return chunk_rectangles(chunk, merge=merge)
